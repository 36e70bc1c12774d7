#include "daemon/service.h"

#include <arbiter/decision.h>
#include <arbiter/request.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "audit/review_cases.h"
#include "common/limits.h"
#include "common/encoding.h"
#include "common/json_string.h"
#include "recorder/privacy.h"
#include "recorder/recorder.h"
#include "daemon/authzen.h"
#include "daemon/json_input.h"
#include "daemon/log.h"
#include "daemon/responses.h"
#include "daemon/what_if.h"
#include "engine/json_reader.h"

namespace arbiter::daemon {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

void AppendReceiptJson(std::string* out, const ledger::Receipt& receipt) {
  *out += fmt::format(R"({{"seq":{},"entry_hash":")", receipt.seq);
  *out += receipt.entry_hash;
  *out += R"(","decision_id":)";
  AppendJsonString(out, receipt.decision_id);
  *out += '}';
}

std::string ReceiptJson(const ledger::Receipt& receipt) {
  std::string out;
  AppendReceiptJson(&out, receipt);
  return out;
}

struct DecisionService::Decided {
  std::shared_ptr<const PolicyState> state;  // the version that decided, alive until answered
  bool allow = false;
  ledger::Record record;
  // The response without the receipt and the closing brace(s): for kNative the `arbiter
  // eval` JSON, for kAuthZen {"decision":B,"context":{"reasons":..,"bundle":..
  std::string prefix;
  // What its require_evidence obligations ask for, followed in /metrics once recorded.
  std::vector<audit::EvidenceRequirement> evidence_requirements;
};

namespace {

int64_t UnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Parses the body as JSON or answers the 4xx itself.
bool ReadJson(const HttpRequest& req, Reply& reply, nlohmann::json* out) {
  JsonInputError error;
  if (!ParseJsonBody(Sv(req[http::field::content_type]), req.body(), out, &error)) {
    reply(ErrorResponse(error.status, error.code, error.message));
    return false;
  }
  return true;
}

std::string FailClosedMessage(const Status& status) {
  return fmt::format("the decision could not be recorded in the ledger, so it is denied: {}",
                     status.ToString());
}

HttpResponse RawJson(unsigned status, std::string body) {
  return TextResponse(status, std::move(body), "application/json");
}

}  // namespace

DecisionService::DecisionService(ServiceOptions options, ledger::Ledger* ledger, Metrics* metrics)
    : options_(std::move(options)),
      ledger_(ledger),
      metrics_(metrics),
      obligations_(kDefaultLimits.tracked_obligations) {}

Status DecisionService::Activate(std::shared_ptr<PolicyState> state, std::string_view activated_by,
                                 std::string_view reason) {
  std::lock_guard activation(activation_mutex_);
  // The data first, so the activation and every decision that name its digest follow it.
  if (!state->data_json.empty()) {
    auto data = recorder::EnsureDataRecorded(*ledger_, state->data_json);
    if (!data.ok()) {
      NoteLedgerResult(data.status(), 0);
      return Status(data.status().code(),
                    fmt::format("cannot record the entity data: {}", data.status().message()));
    }
    if (*data != state->data_digest) {
      return Status::Internal(fmt::format("entity data digest {} was recorded as {}",
                                          state->data_digest, *data));
    }
  }
  auto built = recorder::MakePolicyRecord(state->engine, std::string(activated_by),
                                          std::string(reason), state->data_digest);
  if (!built.ok()) return built.status();
  auto receipt = ledger_->Append(std::move(built).value());
  if (!receipt.ok()) {
    NoteLedgerResult(receipt.status(), 0);
    return Status(receipt.status().code(),
                  fmt::format("cannot record the policy activation: {}",
                              receipt.status().message()));
  }
  state->activation_seq = receipt->seq;
  {
    std::lock_guard lock(policy_mutex_);
    policy_ = std::move(state);
  }
  LogInfo("policies active: bundle {} ({} rules), activation recorded at seq {} by {}",
          policy_->engine.digest(), policy_->engine.rules().size(), receipt->seq, activated_by);
  return Status::Ok();
}

void DecisionService::Resume(std::shared_ptr<PolicyState> state) {
  std::lock_guard activation(activation_mutex_);
  std::lock_guard lock(policy_mutex_);
  policy_ = std::move(state);
}

Status DecisionService::ReloadFromDisk(std::string_view activated_by) {
  PolicyLoad load = LoadPolicyFiles(options_.policy_files);
  if (!load.state) {
    metrics_->RecordPolicyReload(false);
    LogError("policy reload failed, keeping bundle {}: {}{}",
             policy() ? policy()->engine.digest() : "(none)", load.error.status.ToString(),
             load.error.formatted.empty() ? "" : "\n" + load.error.formatted);
    return load.error.status;
  }
  // The same bundle over the same data is no new activation: nothing is recorded (the
  // ledger's activations are changes, spec/ledger-format.md).
  if (auto current = policy(); current && current->engine.digest() == load.state->engine.digest() &&
                               current->data_digest == load.state->data_digest) {
    LogInfo("{}: policies unchanged (bundle {}, data {}); nothing to activate", activated_by,
            current->engine.digest(), current->data_digest);
    return Status::Ok();
  }
  Status st = Activate(std::move(load.state), activated_by);
  metrics_->RecordPolicyReload(st.ok());
  if (!st.ok()) LogError("policy reload failed: {}", st.ToString());
  return st;
}

bool DecisionService::ready(std::string* why) const {
  if (draining_.load()) {
    *why = "shutting down";
    return false;
  }
  if (!policy()) {
    *why = "no policies loaded";
    return false;
  }
  ledger::LedgerHealth health = ledger_->Health();
  if (health.failed) {
    *why = "ledger not writable: " + health.error;
    return false;
  }
  if (!ledger_writable_.load() && health.recoveries <= recoveries_at_failure_.load()) {
    std::lock_guard lock(ledger_error_mutex_);
    *why = "ledger not writable: " + ledger_error_;
    return false;
  }
  return true;
}

void DecisionService::NoteLedgerResult(const Status& status, double seconds) {
  if (status.ok()) {
    metrics_->RecordLedgerAppend(seconds);
    if (!ledger_writable_.exchange(true)) LogInfo("ledger writable again");
    return;
  }
  metrics_->RecordLedgerFailure();
  recoveries_at_failure_.store(ledger_->Health().recoveries);
  {
    std::lock_guard lock(ledger_error_mutex_);
    ledger_error_ = status.ToString();
  }
  if (ledger_writable_.exchange(false)) {
    LogError("ledger append failed; answering deny until it recovers (fail closed): {}",
             status.ToString());
  }
}

bool DecisionService::DecideOne(const PolicyState& state, std::string_view body,
                                const engine::JsonNode& item, const engine::JsonNode* defaults,
                                std::optional<size_t> index, bool explain, Answer answer,
                                std::string_view principal, Decided* out,
                                std::string* error) const {
  // The request as read, when it is not the body itself (unknown members left out, a batch
  // item with its defaults): only for building the record, which copies it.
  thread_local std::string buffer;
  Request request;
  std::string_view request_text;
  if (!ReadEvaluationRequest(body, item, defaults, index, &request, &request_text, &buffer,
                             error)) {
    return false;
  }
  return DecideParsed(state, request, request_text, explain, answer, principal, out, error);
}

bool DecisionService::DecideParsed(const PolicyState& state, const Request& request,
                                   std::string_view request_text, bool explain, Answer answer,
                                   std::string_view principal, Decided* out,
                                   std::string* error) const {
  thread_local Decision decision;
  DecideOptions options;
  options.explain = explain;
  Status st = state.engine.Decide(request, state.entities, options, &decision);
  if (!st.ok()) {
    *error = st.message();
    return false;
  }
  out->allow = decision.allow;
  out->evidence_requirements.clear();
  for (const DecisionObligation& o : decision.obligations) {
    if (o.advice || o.name != "require_evidence") continue;
    nlohmann::json payload = nlohmann::json::parse(o.payload_json, nullptr, false);
    auto requirement = audit::ReadEvidenceRequirement(
        {{"name", o.name}, {"rule", o.rule}, {"payload", std::move(payload)}});
    // One that does not say what it needs is recorded as it is; the audit lists it with the
    // problem. The live count cannot follow it.
    if (requirement.ok() && requirement->has_value()) {
      out->evidence_requirements.push_back(std::move(**requirement));
    }
  }
  out->prefix.clear();
  if (answer == Answer::kNative) {
    decision.AppendJson(&out->prefix);
    out->prefix.pop_back();  // the closing brace; the receipt goes before it
  } else {
    // The AuthZEN context carries the eval JSON's members after "decision" (reasons,
    // obligations, errors, bundle): the same as the record.
    thread_local std::string eval;
    eval.clear();
    decision.AppendJson(&eval);
    std::string_view members(eval);
    members.remove_prefix(members.find(',') + 1);  // {"decision":"allow",
    members.remove_suffix(1);                       // }
    out->prefix = decision.allow ? R"({"decision":true,"context":{)"
                                 : R"({"decision":false,"context":{)";
    out->prefix += members;
  }
  recorder::DecisionRecordOptions record_options;
  record_options.principal = principal;
  record_options.privacy = options_.record_privacy.get();
  record_options.engine = &state.engine;
  record_options.data_digest = state.data_digest;
  auto built = recorder::MakeDecisionRecord(decision, request_text, record_options);
  if (!built.ok()) {
    *error = built.status().message();
    return false;
  }
  out->record = std::move(built).value();
  return true;
}

bool DecisionService::DecideBody(HttpRequest& req, Reply& reply, const PolicyState* state,
                                 bool explain, Answer answer, std::string_view principal,
                                 Decided* out) const {
  // One reading for every decision endpoint: the one JSON reader's tree, then the request's
  // members from it (daemon/authzen.h). A body that is exactly a request is recorded as sent.
  std::string_view body = req.body();
  engine::JsonNode root;
  JsonInputError input_error;
  if (!ReadJsonBody(Sv(req[http::field::content_type]), body, &root, &input_error)) {
    reply(ErrorResponse(input_error.status, input_error.code, input_error.message));
    return false;
  }
  if (!state) {
    reply(ErrorResponse(503, "not_ready", "no policies loaded"));
    return false;
  }
  std::string error;
  if (!DecideOne(*state, body, root, nullptr, std::nullopt, explain, answer, principal, out,
                 &error)) {
    reply(ErrorResponse(400, "invalid_request", error));
    return false;
  }
  return true;
}

void DecisionService::Record(Decided& decided, std::function<void(Result<ledger::Receipt>)> done) {
  auto appended = Clock::now();
  ledger_->AppendAsync(std::move(decided.record), [this, appended, done = std::move(done),
                                                   requirements = std::move(decided.evidence_requirements)](
                                                      Result<ledger::Receipt> r) mutable {
    // On the ledger's writer thread, which every decision waits for: only the group-size
    // metric is taken here (callbacks of one group see the same committed size); the
    // response is built where completions_ runs it.
    if (r.ok()) {
      uint64_t size = ledger_->Size();
      if (size != last_committed_size_) {
        if (last_committed_size_ != 0 && size > last_committed_size_) {
          metrics_->RecordLedgerBatch(size - last_committed_size_);
        }
        last_committed_size_ = size;
      }
    }
    auto finish = [this, appended, done = std::move(done), r = std::move(r),
                   requirements = std::move(requirements)]() mutable {
      std::chrono::duration<double> took = Clock::now() - appended;
      NoteLedgerResult(r.status(), took.count());
      if (r.ok() && !requirements.empty()) {
        obligations_.Track(r->decision_id, requirements, UnixMicros());
      }
      done(std::move(r));
    };
    if (completions_) {
      completions_(std::move(finish));
    } else {
      finish();
    }
  });
}

void DecisionService::HandleEvaluation(HttpRequest& req, Reply reply,
                                       const Principal& principal) {
  auto state = policy();
  auto decided = std::make_shared<Decided>();
  if (!DecideBody(req, reply, state.get(), false, Answer::kAuthZen, principal.name,
                  decided.get())) {
    return;
  }
  decided->state = std::move(state);
  Record(*decided, [this, decided, reply](Result<ledger::Receipt> r) {
    if (!r.ok()) {
      metrics_->RecordDecision(false);
      nlohmann::json res = {
          {"decision", false},
          {"context",
           {{"error",
             {{"status", 503}, {"code", "ledger_unavailable"},
              {"message", FailClosedMessage(r.status())}}}}}};
      return reply(JsonResponse(503, res));
    }
    metrics_->RecordDecision(decided->allow);
    std::string out = std::move(decided->prefix);
    out += R"(,"decision_id":)";
    AppendJsonString(&out, r->decision_id);
    out += R"(,"receipt":)";
    AppendReceiptJson(&out, *r);
    out += "}}";
    reply(RawJson(200, std::move(out)));
  });
}

void DecisionService::HandleEvaluations(HttpRequest& req, Reply reply,
                                        const Principal& principal) {
  std::string_view body = req.body();
  engine::JsonNode root;
  JsonInputError input_error;
  if (!ReadJsonBody(Sv(req[http::field::content_type]), body, &root, &input_error)) {
    return reply(ErrorResponse(input_error.status, input_error.code, input_error.message));
  }
  std::string error;
  auto plan = PlanEvaluations(root, &error);
  if (!plan) return reply(ErrorResponse(400, "invalid_request", error));
  if (plan->single) {
    // No evaluations array: answered exactly as /access/v1/evaluation answers this body (its
    // evaluations and options members are unknown there, so ignored).
    return HandleEvaluation(req, std::move(reply), principal);
  }
  auto state = policy();
  if (!state) return reply(ErrorResponse(503, "not_ready", "no policies loaded"));

  struct Batch {
    std::vector<std::string> results;
    std::vector<std::shared_ptr<Decided>> decided;
    std::atomic<int> pending{1};
    std::atomic<bool> ledger_failed{false};
    Reply reply;
  };
  auto batch = std::make_shared<Batch>();
  batch->reply = std::move(reply);
  auto finish = [this, batch] {
    std::string out = R"({"evaluations":[)";
    for (size_t i = 0; i < batch->results.size(); ++i) {
      if (i) out += ',';
      out += batch->results[i];
    }
    out += "]}";
    batch->reply(RawJson(batch->ledger_failed.load() ? 503 : 200, std::move(out)));
  };

  for (size_t index = 0; index < plan->items.size(); ++index) {
    auto decided = std::make_shared<Decided>();
    decided->state = state;
    std::string item_error;
    if (!DecideOne(*state, body, *plan->items[index], &root, index, false, Answer::kAuthZen,
                   principal.name, decided.get(), &item_error)) {
      // Not decided: reported in place, nothing recorded; counts as a deny for the semantic.
      batch->results.push_back(
          nlohmann::json({{"decision", false},
                          {"context",
                           {{"error",
                             {{"status", 400}, {"code", "invalid_request"},
                              {"message", item_error}}}}}})
              .dump());
      batch->decided.push_back(nullptr);
      if (StopsAfter(plan->semantic, false)) break;
      continue;
    }
    bool allow = decided->allow;
    batch->results.emplace_back();
    batch->decided.push_back(std::move(decided));
    if (StopsAfter(plan->semantic, allow)) break;
  }
  for (size_t i = 0; i < batch->decided.size(); ++i) {
    if (batch->decided[i]) batch->pending.fetch_add(1);
  }
  for (size_t i = 0; i < batch->decided.size(); ++i) {
    auto decided = batch->decided[i];
    if (!decided) continue;
    Record(*decided, [this, batch, decided, i, finish](Result<ledger::Receipt> r) {
      if (!r.ok()) {
        metrics_->RecordDecision(false);
        batch->ledger_failed.store(true);
        batch->results[i] =
            nlohmann::json({{"decision", false},
                            {"context",
                             {{"error",
                               {{"status", 503}, {"code", "ledger_unavailable"},
                                {"message", FailClosedMessage(r.status())}}}}}})
                .dump();
      } else {
        metrics_->RecordDecision(decided->allow);
        std::string& out = batch->results[i];
        out = std::move(decided->prefix);
        out += R"(,"decision_id":)";
        AppendJsonString(&out, r->decision_id);
        out += R"(,"receipt":)";
        AppendReceiptJson(&out, *r);
        out += "}}";
      }
      decided->state.reset();
      if (batch->pending.fetch_sub(1) == 1) finish();
    });
  }
  if (batch->pending.fetch_sub(1) == 1) finish();
}

void DecisionService::HandleDecide(HttpRequest& req, Reply reply, const Principal& principal) {
  auto state = policy();
  auto decided = std::make_shared<Decided>();
  if (!DecideBody(req, reply, state.get(), WantsExplain(Sv(req.target())), Answer::kNative,
                  principal.name, decided.get())) {
    return;
  }
  decided->state = std::move(state);
  Record(*decided, [this, decided, reply](Result<ledger::Receipt> r) {
    if (!r.ok()) {
      metrics_->RecordDecision(false);
      std::string message = FailClosedMessage(r.status());
      nlohmann::json res = {
          {"decision", "deny"},
          {"reasons", nlohmann::json::array()},
          {"obligations", nlohmann::json::array()},
          {"errors", {{{"rule", ""}, {"message", message}}}},
          {"bundle", decided->state->engine.digest()},  // the bundle that decided
          {"receipt", nullptr},
          {"error", {{"status", 503}, {"code", "ledger_unavailable"}, {"message", message}}}};
      return reply(JsonResponse(503, res));
    }
    metrics_->RecordDecision(decided->allow);
    std::string out = std::move(decided->prefix);
    out += R"(,"receipt":)";
    AppendReceiptJson(&out, *r);
    out += '}';
    reply(RawJson(200, std::move(out)));
  });
}

void DecisionService::HandleEvidence(HttpRequest& req, Reply reply, const Principal& principal) {
  nlohmann::json body;
  if (!ReadJson(req, reply, &body)) return;
  if (!body.is_object()) return reply(ErrorResponse(400, "invalid_request", "body must be an object"));
  ledger::EvidenceRecord evidence;
  // The author is who authenticated; an author named in the body is only a claim. Its
  // roles are recorded as checked here: what discharges a require_evidence obligation.
  evidence.author = principal.name;
  if (principal.authenticated) evidence.author_roles = principal.roles;
  auto ids = body.find("decision_ids");
  if (ids == body.end() || !ids->is_array() || ids->empty()) {
    return reply(ErrorResponse(400, "invalid_request",
                               "decision_ids must be a non-empty array of decision ids"));
  }
  for (const auto& id : *ids) {
    if (!id.is_string()) {
      return reply(ErrorResponse(400, "invalid_request", "decision ids must be strings"));
    }
    evidence.decision_ids.push_back(id.get<std::string>());
  }
  auto type = body.find("type");
  if (type == body.end() || !type->is_string() || type->get_ref<const std::string&>().empty()) {
    return reply(ErrorResponse(400, "invalid_request",
                               "type is required (approval, correction, evaluation_report, ...)"));
  }
  evidence.type = type->get<std::string>();
  // The route admits whoever may submit some evidence; which kind is the API policy's answer
  // for this type (spec/security.md): a reviewer's correction needs the review role, other
  // evidence the evidence role.
  if (guard_) {
    std::string kind_route = evidence.type == "review" ? "/v1/evidence?type=review"
                                                       : "/v1/evidence?type=other";
    if (!guard_->Allows(principal, http::verb::post, kind_route, false)) {
      return reply(ErrorResponse(
          403, "forbidden",
          evidence.type == "review"
              ? fmt::format("principal '{}' may not submit reviews (role review)", principal.name)
              : fmt::format("principal '{}' may not submit evidence of type '{}' (role evidence)",
                            principal.name, evidence.type)));
    }
  }
  if (auto author = body.find("author"); author != body.end()) {
    if (!author->is_string()) {
      return reply(ErrorResponse(400, "invalid_request", "author must be a string"));
    }
    evidence.claimed_author = author->get<std::string>();
  }
  if (auto b = body.find("body"); b != body.end()) {
    if (!b->is_object()) return reply(ErrorResponse(400, "invalid_request", "body must be an object"));
    evidence.body = *b;
  }
  // A review says what the decision should have been and why (spec/audit.md).
  if (evidence.type == "review") {
    Status review = audit::CheckReviewBody(evidence.body);
    if (!review.ok()) return reply(ErrorResponse(400, "invalid_request", review.message()));
  }
  if (auto digest = body.find("digest"); digest != body.end()) {
    if (!digest->is_string()) {
      return reply(ErrorResponse(400, "invalid_request", "digest must be a string"));
    }
    evidence.digest = digest->get<std::string>();
  }
  for (const auto& id : evidence.decision_ids) {
    auto has = ledger_->HasDecision(id);
    if (!has.ok()) {
      return reply(ErrorResponse(503, "ledger_unavailable", has.status().ToString()));
    }
    if (!*has) {
      return reply(ErrorResponse(404, "unknown_decision",
                                 fmt::format("no decision with id '{}' in the ledger", id)));
    }
  }
  auto record = evidence.ToRecord();
  if (!record.ok()) return reply(ErrorResponse(400, "invalid_request", record.status().message()));
  auto started = Clock::now();
  auto ids_json = std::make_shared<nlohmann::json>(*ids);
  // What an obligation's follow-up reads of it (spec/audit.md).
  auto followed = std::make_shared<nlohmann::json>(nlohmann::json{
      {"decision_ids", evidence.decision_ids},
      {"type", evidence.type},
      {"author_roles", evidence.author_roles}});
  ledger_->AppendAsync(std::move(record).value(),
                       [this, reply, started, ids_json, followed](Result<ledger::Receipt> r) {
                         std::chrono::duration<double> took = Clock::now() - started;
                         NoteLedgerResult(r.status(), took.count());
                         if (!r.ok()) {
                           return reply(ErrorResponse(503, "ledger_unavailable",
                                                      r.status().ToString()));
                         }
                         obligations_.Discharge(*followed, UnixMicros());
                         nlohmann::json res = {
                             {"decision_ids", *ids_json},
                             {"receipt", {{"seq", r->seq}, {"entry_hash", r->entry_hash}}}};
                         reply(JsonResponse(201, res));
                       });
}

void DecisionService::HandleCheckpoint(HttpRequest&, Reply reply, const Principal&) {
  // Only served: checkpoints are made on the ledger's schedule (every N entries or T ms, and
  // at shutdown), never because someone asked, so reading costs no signature and no write.
  auto note = ledger_->LatestCheckpoint();
  if (!note.ok()) {
    return reply(ErrorResponse(note.status().code() == StatusCode::kNotFound ? 404 : 503,
                               "no_checkpoint", note.status().message()));
  }
  reply(TextResponse(200, std::move(note).value()));
}

void DecisionService::HandleProof(HttpRequest& req, Reply reply, const Principal&) {
  auto seq_text = QueryParam(Sv(req.target()), "seq");
  uint64_t seq = 0;
  if (!seq_text || seq_text->empty() ||
      seq_text->find_first_not_of("0123456789") != std::string::npos || seq_text->size() > 19) {
    return reply(ErrorResponse(400, "invalid_request", "seq must be a decimal sequence number"));
  }
  seq = std::stoull(*seq_text);
  if (seq >= ledger_->Size()) {
    return reply(ErrorResponse(404, "not_found",
                               fmt::format("no entry {}; the ledger has {} entries", seq,
                                           ledger_->Size())));
  }
  auto proof = ledger_->InclusionProof(seq);
  if (!proof.ok()) {
    // Most often the entry is newer than the latest checkpoint; the next scheduled one
    // covers it, so the client retries (no checkpoint is made on request).
    HttpResponse res = ErrorResponse(503, "not_checkpointed", proof.status().ToString());
    res.set(http::field::retry_after, "1");
    return reply(std::move(res));
  }
  reply(TextResponse(200, std::move(proof).value()));
}

void DecisionService::HandleConsistency(HttpRequest& req, Reply reply, const Principal&) {
  auto from_text = QueryParam(Sv(req.target()), "from");
  if (!from_text || from_text->empty() ||
      from_text->find_first_not_of("0123456789") != std::string::npos || from_text->size() > 19) {
    return reply(ErrorResponse(400, "invalid_request", "from must be a decimal tree size"));
  }
  // Against the latest checkpoint the daemon signed on its schedule; nothing is signed here.
  auto proof = ledger_->ConsistencyProof(std::stoull(*from_text));
  if (!proof.ok()) {
    switch (proof.status().code()) {
      case StatusCode::kNotFound:
        return reply(ErrorResponse(404, "no_checkpoint", proof.status().message()));
      case StatusCode::kInvalidArgument:  // 0, or beyond the latest checkpoint
        return reply(ErrorResponse(400, "invalid_request", proof.status().message()));
      default:
        return reply(ErrorResponse(503, "ledger_unavailable", proof.status().ToString()));
    }
  }
  reply(TextResponse(200, std::move(proof).value()));
}

void DecisionService::HandleEntry(HttpRequest& req, Reply reply, const Principal& principal) {
  std::string_view path = TargetPath(Sv(req.target()));
  std::string_view tail = path.substr(path.rfind('/') + 1);
  if (tail.empty() || tail.find_first_not_of("0123456789") != std::string_view::npos ||
      tail.size() > 19) {
    return reply(ErrorResponse(400, "invalid_request", "the entry number must be decimal"));
  }
  uint64_t seq = std::stoull(std::string(tail));
  auto entry = ledger_->Get(seq);
  if (!entry.ok()) {
    return reply(ErrorResponse(entry.status().code() == StatusCode::kNotFound ? 404 : 503,
                               "not_found", entry.status().message()));
  }
  nlohmann::json shown = entry->ToJson();
  // With a record mode, an auditor also gets what the private store says: the opened
  // request (or that it was erased), or a digest entry's salt.
  if (options_.record_privacy != nullptr &&
      std::find(principal.roles.begin(), principal.roles.end(), "audit") != principal.roles.end()) {
    auto revealed = recorder::RevealEntry(*entry, options_.record_privacy->store());
    if (!revealed.ok()) {
      return reply(ErrorResponse(500, "private_store", revealed.status().message()));
    }
    if (!revealed->is_null()) shown["private"] = std::move(revealed).value();
  }
  reply(JsonResponse(200, shown));
}

void DecisionService::HandlePutPolicies(HttpRequest& req, Reply reply,
                                        const Principal& principal) {
  // ?dry_run=true: report the impact on the last `last` recorded decisions, change nothing.
  bool dry_run = false;
  uint64_t last = kDefaultLimits.whatif_decisions;
  if (auto v = QueryParam(Sv(req.target()), "dry_run"); v) {
    if (*v != "true" && *v != "false") {
      return reply(ErrorResponse(400, "invalid_request", "dry_run must be true or false"));
    }
    dry_run = *v == "true";
  }
  if (auto v = QueryParam(Sv(req.target()), "last"); v) {
    if (v->empty() || v->size() > 19 || v->find_first_not_of("0123456789") != std::string::npos ||
        std::stoull(*v) == 0 || std::stoull(*v) > kDefaultLimits.whatif_decisions) {
      return reply(ErrorResponse(
          400, "invalid_request",
          fmt::format("last must be a number of decisions from 1 to {} (Limits::whatif_decisions)",
                      kDefaultLimits.whatif_decisions)));
    }
    last = std::stoull(*v);
  }
  std::string_view content_type = Sv(req[http::field::content_type]);
  std::optional<Engine> engine;
  std::optional<EntityStore> entities;
  std::string data_digest;
  std::string data_json;
  std::string reason;
  if (content_type.starts_with("application/octet-stream")) {
    auto loaded = Engine::LoadBundle(req.body());
    if (!loaded.ok()) {
      return reply(ErrorResponse(422, "invalid_bundle", loaded.status().ToString()));
    }
    engine.emplace(std::move(loaded).value());
  } else {
    nlohmann::json body;
    if (!ReadJson(req, reply, &body)) return;
    if (!body.is_object()) {
      return reply(ErrorResponse(400, "invalid_request", "body must be an object"));
    }
    if (auto r = body.find("reason"); r != body.end() && r->is_string()) reason = *r;
    if (auto bundle = body.find("bundle_base64"); bundle != body.end()) {
      if (!bundle->is_string()) {
        return reply(ErrorResponse(400, "invalid_request", "bundle_base64 must be a string"));
      }
      auto bytes = Base64Decode(bundle->get_ref<const std::string&>());
      if (!bytes) return reply(ErrorResponse(400, "invalid_request", "bundle_base64 is not base64"));
      auto loaded = Engine::LoadBundle(
          std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
      if (!loaded.ok()) {
        return reply(ErrorResponse(422, "invalid_bundle", loaded.status().ToString()));
      }
      engine.emplace(std::move(loaded).value());
    } else {
      auto sources = body.find("sources");
      if (sources == body.end() || !sources->is_array() || sources->empty()) {
        return reply(ErrorResponse(
            400, "invalid_request",
            R"(give "sources": [{"path": "...", "text": "..."}] or "bundle_base64")"));
      }
      std::vector<SourceText> texts;
      for (const auto& s : *sources) {
        if (!s.is_object() || !s.contains("path") || !s["path"].is_string() ||
            !s.contains("text") || !s["text"].is_string()) {
          return reply(ErrorResponse(400, "invalid_request",
                                     "each source needs a string path and a string text"));
        }
        texts.push_back({s["path"].get<std::string>(), s["text"].get<std::string>()});
      }
      CompileOptions options;
      if (auto schema = body.find("schema"); schema != body.end()) {
        if (!schema->is_string()) {
          return reply(ErrorResponse(400, "invalid_request", "schema must be a string"));
        }
        options.schema_text = schema->get<std::string>();
      }
      CompileResult compiled = Engine::CompileSources(std::move(texts), options);
      if (!compiled.ok() || !compiled.engine) {
        nlohmann::json res = {{"error",
                               {{"status", 422},
                                {"code", "policy_errors"},
                                {"message", compiled.status.message()}}},
                              {"diagnostics", DiagnosticsJson(compiled.diagnostics)}};
        return reply(JsonResponse(422, res));
      }
      engine = std::move(compiled.engine);
    }
    if (auto data = body.find("entities"); data != body.end()) {
      if (!data->is_string()) {
        return reply(ErrorResponse(400, "invalid_request",
                                   "entities must be a string holding the entity JSON"));
      }
      auto store = EntityStore::FromJson(data->get_ref<const std::string&>(), "entities");
      if (!store.ok()) {
        return reply(ErrorResponse(422, "invalid_entities", store.status().message()));
      }
      auto digest = ledger::EntityDataDigest(data->get_ref<const std::string&>());
      if (!digest.ok()) {
        return reply(ErrorResponse(422, "invalid_entities", digest.status().message()));
      }
      entities.emplace(std::move(store).value());
      data_digest = std::move(digest).value();
      data_json = data->get_ref<const std::string&>();
    }
  }
  auto current = policy();
  if (!entities) {
    entities = current ? current->entities : EntityStore();
    if (current) {
      data_digest = current->data_digest;
      data_json = current->data_json;
    }
  }
  const bool new_data = !data_json.empty() && (!current || current->data_digest != data_digest);
  auto state = std::make_shared<PolicyState>(PolicyState{std::move(*engine), std::move(*entities),
                                                         0, std::move(data_digest),
                                                         std::move(data_json)});
  if (dry_run) {
    // What-if: the candidate decides the last recorded decisions' requests (against the
    // data it brings, else each decision's recorded data); nothing is activated or recorded.
    auto impact =
        WhatIfImpact(*ledger_, state->engine, new_data ? &state->entities : nullptr, last);
    if (!impact.ok()) return reply(ErrorResponse(503, "replay_failed", impact.status().ToString()));
    return reply(JsonResponse(200, {{"dry_run", true},
                                    {"bundle", state->engine.digest()},
                                    {"rules", state->engine.rules().size()},
                                    {"impact", std::move(impact).value()}}));
  }
  Status st = Activate(state, fmt::format("admin API ({})", principal.name), reason);
  if (!st.ok()) return reply(ErrorResponse(503, "ledger_unavailable", st.ToString()));
  metrics_->RecordPolicyReload(true);
  reply(JsonResponse(200, {{"bundle", state->engine.digest()},
                           {"rules", state->engine.rules().size()},
                           {"activation_seq", state->activation_seq}}));
}

void DecisionService::HandleGetPolicies(HttpRequest&, Reply reply, const Principal&) {
  auto state = policy();
  if (!state) return reply(ErrorResponse(503, "not_ready", "no policies loaded"));
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : state->engine.sources()) {
    sources.push_back({{"path", s.path}, {"sha256", s.sha256}});
  }
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : state->engine.rules()) {
    rules.push_back({{"id", r.id}, {"effect", r.effect}, {"file", r.file}, {"line", r.line}});
  }
  reply(JsonResponse(200, {{"bundle", state->engine.digest()},
                           {"activation_seq", state->activation_seq},
                           {"entities", state->entities.size()},
                           {"sources", sources},
                           {"rules", rules}}));
}

void DecisionService::HandleHealth(HttpRequest&, Reply reply, const Principal&) {
  std::string why;
  bool ok = ready(&why);
  nlohmann::json res = {{"status", ok ? "ready" : "unready"}};
  if (!ok) res["reason"] = why;
  if (auto state = policy()) res["bundle"] = state->engine.digest();
  res["ledger_size"] = ledger_->Size();
  ledger::LedgerHealth ledger_health = ledger_->Health();
  res["ledger"] = ledger_health.failed ? "failed" : "ok";
  if (ledger_health.failed) res["ledger_error"] = ledger_health.error;
  res["ledger_recoveries"] = ledger_health.recoveries;
  reply(JsonResponse(ok ? 200 : 503, res));
}

void DecisionService::HandleMetrics(HttpRequest&, Reply reply, const Principal&) {
  ledger::LedgerHealth health = ledger_->Health();
  metrics_->SetLedgerHealth(health.failed, health.write_failures, health.recoveries);
  reply(TextResponse(200, metrics_->RenderPrometheus() + obligations_.RenderPrometheus(UnixMicros()),
                     "text/plain; version=0.0.4"));
}

void DecisionService::HandleConfiguration(HttpRequest&, Reply reply, const Principal&) {
  reply(RawJson(200, AuthZenMetadataJson(options_.public_base_url)));
}

void DecisionService::AddRoutes(Router& router, ApiGuard& guard) {
  guard_ = &guard;
  using V = http::verb;
  using Fn = void (DecisionService::*)(HttpRequest&, Reply, const Principal&);
  auto bind = [this](Fn fn) {
    return [this, fn](HttpRequest& req, Reply reply, const Principal& principal) {
      (this->*fn)(req, std::move(reply), principal);
    };
  };
  guard.Add(router, V::post, "/access/v1/evaluation", bind(&DecisionService::HandleEvaluation));
  guard.Add(router, V::post, "/access/v1/evaluations",
            bind(&DecisionService::HandleEvaluations));
  guard.Add(router, V::get, "/.well-known/authzen-configuration",
            bind(&DecisionService::HandleConfiguration));
  guard.Add(router, V::post, "/v1/decide", bind(&DecisionService::HandleDecide));
  guard.Add(router, V::post, "/v1/evidence", bind(&DecisionService::HandleEvidence));
  // Storage reads and the synchronous activation wait run off the I/O threads.
  guard.AddBlocking(router, V::get, "/v1/ledger/checkpoint",
                    bind(&DecisionService::HandleCheckpoint));
  guard.AddBlocking(router, V::get, "/v1/ledger/proof", bind(&DecisionService::HandleProof));
  guard.AddBlocking(router, V::get, "/v1/ledger/consistency",
                    bind(&DecisionService::HandleConsistency));
  guard.AddPrefixBlocking(router, V::get, "/v1/ledger/entries/",
                          bind(&DecisionService::HandleEntry));
  guard.AddBlocking(router, V::put, "/v1/policies", bind(&DecisionService::HandlePutPolicies));
  guard.AddBlocking(router, V::get, "/v1/policies", bind(&DecisionService::HandleGetPolicies));
  guard.Add(router, V::get, "/health", bind(&DecisionService::HandleHealth));
  guard.Add(router, V::get, "/metrics", bind(&DecisionService::HandleMetrics));
}

}  // namespace arbiter::daemon
