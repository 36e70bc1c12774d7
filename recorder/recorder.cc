#include "recorder/recorder.h"

#include <nlohmann/json.hpp>

#include "common/canonical_json.h"
#include "common/encoding.h"
#include "common/sha256.h"

namespace arbiter::recorder {

namespace {

// The reference construction, through nlohmann: used for what the fast path leaves alone
// (non-integer numbers, repeated keys, explained decisions) and to report bad input.
Result<ledger::Record> MakeDecisionRecordSlow(const Decision& decision, std::string_view request_json,
                                              const DecisionRecordOptions& options) {
  nlohmann::json request = nlohmann::json::parse(request_json, nullptr, false);
  if (request.is_discarded()) return Status::InvalidArgument("the request to record is not valid JSON");
  // The eval JSON is the one description of a decision; record exactly that.
  nlohmann::json eval = nlohmann::json::parse(decision.ToJson(), nullptr, false);
  if (eval.is_discarded()) return Status::Internal("decision JSON does not parse");
  ledger::DecisionRecord record;
  record.decision_id = options.decision_id;
  record.request = std::move(request);
  record.request_digest_only = options.request_digest_only;
  record.decision = decision.allow ? "allow" : "deny";
  record.reasons = eval.value("reasons", nlohmann::json::array());
  record.obligations = eval.value("obligations", nlohmann::json::array());
  record.errors = eval.value("errors", nlohmann::json::array());
  record.bundle_digest = std::string(decision.bundle);
  return record.ToRecord();
}

}  // namespace

Result<ledger::Record> MakeDecisionRecord(const Decision& decision, std::string_view request_json,
                                          const DecisionRecordOptions& options) {
  // The same payload as DecisionRecord::ToRecord, written as text and canonicalised in one
  // pass: the eval JSON's members with the decision id and the request added.
  if (decision.explained) return MakeDecisionRecordSlow(decision, request_json, options);
  thread_local std::string text;
  thread_local std::string digest_canon;
  bool fresh = options.decision_id.empty();
  std::string id = fresh ? ledger::NewDecisionId() : options.decision_id;
  text.assign("{\"decision_id\":");
  text += fresh ? "\"" + id + "\"" : nlohmann::json(id).dump();
  if (options.request_digest_only) {
    if (CanonicalizeJson(request_json, &digest_canon) != CanonicalJsonResult::kOk) {
      return MakeDecisionRecordSlow(decision, request_json, options);
    }
    text += ",\"request_digest\":\"sha256:" + HexEncode(Sha256Of(digest_canon)) + "\",";
  } else {
    text += ",\"request\":";
    text += request_json;
    text += ',';
  }
  size_t eval_at = text.size();
  decision.AppendJson(&text);
  text.erase(eval_at, 1);  // the eval object's opening brace: its members join this object
  ledger::Record record;
  record.kind = "decision";
  if (CanonicalizeJson(text, &record.payload) != CanonicalJsonResult::kOk) {
    return MakeDecisionRecordSlow(decision, request_json, options);
  }
  record.decision_id = std::move(id);
  record.fresh_decision_id = fresh;
  return record;
}

Result<ledger::Record> MakePolicyRecord(const Engine& engine, std::string activated_by,
                                        std::string reason) {
  ledger::PolicyRecord record;
  record.bundle_digest = engine.digest();
  for (const auto& source : engine.sources()) {
    record.sources.push_back({source.path, "sha256:" + source.sha256});
  }
  record.activated_by = std::move(activated_by);
  record.reason = std::move(reason);
  return record.ToRecord();
}

Result<uint64_t> EnsurePolicyRecorded(ledger::Ledger& ledger, const Engine& engine,
                                      const std::string& activated_by) {
  ARBITER_ASSIGN_OR_RETURN(std::optional<uint64_t> seq, ledger.FindPolicy(engine.digest()));
  if (seq) return *seq;
  ARBITER_ASSIGN_OR_RETURN(ledger::Record record, MakePolicyRecord(engine, activated_by));
  ARBITER_ASSIGN_OR_RETURN(ledger::Receipt receipt, ledger.Append(std::move(record)));
  return receipt.seq;
}

Result<ledger::Receipt> RecordDecision(ledger::Ledger& ledger, const Decision& decision,
                                       std::string_view request_json,
                                       const DecisionRecordOptions& options) {
  ARBITER_ASSIGN_OR_RETURN(ledger::Record record, MakeDecisionRecord(decision, request_json, options));
  return ledger.Append(std::move(record));
}

void RecordDecisionAsync(ledger::Ledger& ledger, const Decision& decision,
                         std::string_view request_json, const DecisionRecordOptions& options,
                         std::function<void(Result<ledger::Receipt>)> done) {
  auto record = MakeDecisionRecord(decision, request_json, options);
  if (!record.ok()) {
    done(record.status());
    return;
  }
  ledger.AppendAsync(std::move(record).value(), std::move(done));
}

}  // namespace arbiter::recorder
