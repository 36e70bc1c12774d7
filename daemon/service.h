// The decision service behind `arbiter serve`: the AuthZEN and native endpoints, evidence,
// ledger reads, admin policy management, health and metrics. Every decision is appended to
// the ledger (group commit) before its response is sent; a decision that cannot be recorded
// is answered as deny with the reason (fail closed). Requests that are not decided (bad
// input) record nothing.
#pragma once

#include <arbiter/ledger.h>
#include <arbiter/request.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "daemon/auth_policy.h"
#include "daemon/metrics.h"
#include "daemon/obligation_tracker.h"
#include "daemon/policy_state.h"
#include "daemon/router.h"

namespace arbiter::recorder {
class RequestPrivacy;
}

namespace arbiter::engine {
struct JsonNode;
}

namespace arbiter::daemon {

struct ServiceOptions {
  PolicyFiles policy_files;          // what SIGHUP reloads
  std::string public_base_url;       // "http://127.0.0.1:8181", for the AuthZEN metadata
  // How decision requests are recorded; null: in full (the fast path).
  std::shared_ptr<const recorder::RequestPrivacy> record_privacy;
};

class DecisionService {
 public:
  DecisionService(ServiceOptions options, ledger::Ledger* ledger, Metrics* metrics);

  // Records the activation of `state` in the ledger, then makes it the active policy set.
  // Fails (and changes nothing) when the activation cannot be recorded.
  Status Activate(std::shared_ptr<PolicyState> state, std::string_view activated_by,
                  std::string_view reason = "");
  // Serves `state` without recording an activation: the ledger already records the one in
  // force (state->activation_seq), as at a restart with unchanged policies.
  void Resume(std::shared_ptr<PolicyState> state);
  // Reloads the policy files from disk (SIGHUP); on failure logs why and keeps the old set.
  Status ReloadFromDisk(std::string_view activated_by);

  // Every route goes through `guard`, which decides who may call it.
  void AddRoutes(Router& router, ApiGuard& guard);

  bool ready(std::string* why) const;
  // Set while shutting down, so /health reports unready.
  void set_draining() { draining_.store(true); }
  // Set once, before serving starts.
  void set_public_base_url(std::string url) { options_.public_base_url = std::move(url); }
  // Where a decision's completion (metrics, building its response) runs once its ledger
  // entry is durable: the server's worker threads, so the ledger's writer thread, which
  // every decision waits for, only hands results over. Unset: on the writer thread. Set
  // once, before serving starts; it must run every function it is given until the ledger
  // is closed.
  void set_completions(std::function<void(std::function<void()>)> run) {
    completions_ = std::move(run);
  }

  std::shared_ptr<const PolicyState> policy() const {
    std::lock_guard lock(policy_mutex_);
    return policy_;
  }

 private:
  void HandleEvaluation(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleEvaluations(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleDecide(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleEvidence(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleCheckpoint(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleProof(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleConsistency(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleEntry(HttpRequest& req, Reply reply, const Principal& principal);
  void HandlePutPolicies(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleGetPolicies(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleHealth(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleMetrics(HttpRequest& req, Reply reply, const Principal& principal);
  void HandleConfiguration(HttpRequest& req, Reply reply, const Principal& principal);

  struct Decided;
  // Which response a decision becomes: the AuthZEN evaluation or the native eval JSON.
  enum class Answer { kAuthZen, kNative };
  // Decides a decision endpoint's body on `state` (null: none loaded). False when it was
  // answered already with the 4xx/503 that says why (nothing decided, nothing recorded).
  // The record names `principal` as the caller.
  bool DecideBody(HttpRequest& req, Reply& reply, const PolicyState* state, bool explain,
                  Answer answer, std::string_view principal, Decided* out) const;
  // Reads one evaluation request of `body` (ReadEvaluationRequest, daemon/authzen.h: `item`
  // is the body's tree or the item at `index` of its evaluations, with `defaults`) and decides
  // it on `state`; false with *error when the request is unusable (nothing decided, nothing
  // to record).
  bool DecideOne(const PolicyState& state, std::string_view body, const engine::JsonNode& item,
                 const engine::JsonNode* defaults, std::optional<size_t> index, bool explain,
                 Answer answer, std::string_view principal, Decided* out,
                 std::string* error) const;
  // The part after parsing: decide, build the response prefix and the ledger record.
  bool DecideParsed(const PolicyState& state, const Request& request,
                    std::string_view request_text, bool explain, Answer answer,
                    std::string_view principal, Decided* out, std::string* error) const;
  // Appends the decision; `done` runs on the ledger thread with the receipt or the failure.
  void Record(Decided& decided, std::function<void(Result<ledger::Receipt>)> done);
  void NoteLedgerResult(const Status& status, double seconds);

  ServiceOptions options_;
  ledger::Ledger* ledger_;
  Metrics* metrics_;
  ObligationTracker obligations_;
  // Asked, per evidence request, whether the caller may submit evidence of that kind (set by
  // AddRoutes; null in services without routes).
  const ApiGuard* guard_ = nullptr;

  mutable std::mutex policy_mutex_;
  std::shared_ptr<const PolicyState> policy_;
  std::mutex activation_mutex_;  // one activation at a time

  std::atomic<bool> ledger_writable_{true};
  // The ledger's recovery count when an append last failed: a later recovery makes the
  // daemon ready again before the next decision succeeds.
  std::atomic<uint64_t> recoveries_at_failure_{0};
  std::atomic<bool> draining_{false};
  mutable std::mutex ledger_error_mutex_;
  std::string ledger_error_;
  uint64_t last_committed_size_ = 0;  // touched only on the ledger's writer thread
  std::function<void(std::function<void()>)> completions_;
};

// Receipt JSON: {"seq":N,"entry_hash":"hex","decision_id":"..."}.
std::string ReceiptJson(const ledger::Receipt& receipt);
void AppendReceiptJson(std::string* out, const ledger::Receipt& receipt);

}  // namespace arbiter::daemon
