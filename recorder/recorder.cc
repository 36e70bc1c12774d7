#include "recorder/recorder.h"

#include <nlohmann/json.hpp>

namespace arbiter::recorder {

Result<ledger::Record> MakeDecisionRecord(const Decision& decision, std::string_view request_json,
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
