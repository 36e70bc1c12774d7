// The playground's server side (contracts.md): its static page, the stdlib examples, and
// evaluation of pasted policies against a scratch in-memory ledger that is never the
// production one; for the page's Ledger tab, that ledger's entries with what an offline
// verifier needs (exact bytes, proofs, checkpoint, public key), what-if of an edited policy
// over its decisions, and review evidence on them (spec/http-api.md, "Playground"). Off unless `serve --playground`; its routes go through the API policy
// (loopback, or the `playground` role). The scratch ledger is bounded: it is replaced by an
// empty one once it holds Limits::playground_ledger_entries entries or has had no new entry
// for Limits::playground_ledger_age_s, so memory stays bounded however long the daemon runs.
#pragma once

#include <arbiter/ledger.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "common/limits.h"
#include "daemon/auth_policy.h"
#include "daemon/router.h"

namespace arbiter::daemon {

struct PlaygroundOptions {
  std::string page_dir;    // the playground/ folder (index.html and its files)
  std::string stdlib_dir;  // stdlib-policies/, for the examples
  Limits limits = kDefaultLimits;  // the playground_* fields bound the scratch ledger
};

class Playground {
 public:
  static Result<std::unique_ptr<Playground>> Create(PlaygroundOptions options);
  void AddRoutes(Router& router, ApiGuard& guard);
  // Closes the scratch ledger.
  void Close();

 private:
  explicit Playground(PlaygroundOptions options) : options_(std::move(options)) {}
  void HandleExamples(HttpRequest& req, Reply reply);
  void HandleEvaluate(HttpRequest& req, Reply reply);
  void HandleCheckpoint(HttpRequest& req, Reply reply);
  void HandleProof(HttpRequest& req, Reply reply);
  void HandleEntries(HttpRequest& req, Reply reply);
  void HandleWhatIf(HttpRequest& req, Reply reply);
  void HandleReview(HttpRequest& req, Reply reply, const Principal& principal);

  // A scratch ledger and the verifier key (signed-note text) of its signing key, which is
  // made with it: what the page shows and checks the checkpoints' signatures with.
  struct ScratchLedger {
    std::shared_ptr<ledger::Ledger> ledger;
    std::string verifier_key;
  };
  // The current scratch ledger, replaced first when it is full or has been idle too long.
  Result<ScratchLedger> Scratch(bool for_append);
  static Result<ScratchLedger> NewScratch();

  PlaygroundOptions options_;
  std::mutex scratch_mutex_;
  ScratchLedger scratch_;
  std::chrono::steady_clock::time_point scratch_used_;
};

}  // namespace arbiter::daemon
