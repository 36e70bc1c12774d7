#include "recorder/recorder.h"

#include <nlohmann/json.hpp>

#include "common/canonical_json.h"
#include "common/encoding.h"
#include "common/json_string.h"
#include "common/sha256.h"
#include "common/utf8.h"
#include "recorder/privacy.h"

namespace arbiter::recorder {

namespace {

// The reference construction, through nlohmann: used for what the fast path leaves alone
// (non-integer numbers, repeated keys, text that is not UTF-8) and to report bad input.
Result<ledger::Record> MakeDecisionRecordSlow(const Decision& decision, std::string_view request_json,
                                              const DecisionRecordOptions& options,
                                              const std::string& id, bool fresh) {
  nlohmann::json request = nlohmann::json::parse(request_json, nullptr, false);
  if (request.is_discarded()) return Status::InvalidArgument("the request to record is not valid JSON");
  // The eval JSON is the one description of a decision; record exactly that.
  nlohmann::json eval = nlohmann::json::parse(decision.ToJson(), nullptr, false);
  if (eval.is_discarded()) return Status::Internal("decision JSON does not parse");
  ledger::DecisionRecord record;
  record.decision_id = id;
  record.request = std::move(request);
  record.request_digest_only = options.request_digest_only;
  record.decision = decision.allow ? "allow" : "deny";
  record.fail_closed = decision.fail_closed;
  record.reasons = eval.value("reasons", nlohmann::json::array());
  record.obligations = eval.value("obligations", nlohmann::json::array());
  record.errors = eval.value("errors", nlohmann::json::array());
  record.bundle_digest = std::string(decision.bundle);
  record.principal = std::string(options.principal);
  if (options.engine != nullptr) {
    std::vector<std::string_view> controls;
    options.engine->Controls(decision, &controls);
    record.controls.assign(controls.begin(), controls.end());
  }
  record.data_digest = std::string(options.data_digest);
  ARBITER_ASSIGN_OR_RETURN(ledger::Record built, record.ToRecord());
  built.fresh_decision_id = fresh;
  if (options.privacy == nullptr || options.request_digest_only) return built;
  // The request members come last (sorted after "reasons"): swap them for the mode's.
  ARBITER_ASSIGN_OR_RETURN(std::string canonical, ledger::CanonicalJson(record.request));
  const std::string tail = ",\"request\":" + canonical + "}";
  if (!built.payload.ends_with(tail)) return Status::Internal("decision payload does not end with its request");
  built.payload.resize(built.payload.size() - tail.size());
  ARBITER_RETURN_IF_ERROR(options.privacy->AppendRequestMembers(canonical, id, &built.payload));
  built.payload.push_back('}');
  return built;
}

// Appends `s` as a canonical string; false when it is not valid UTF-8 (nlohmann refuses it).
bool AppendString(std::string* out, std::string_view s) {
  if (!IsValidUtf8(s)) return false;
  AppendJsonString(out, s);
  return true;
}

// {"message":..,"rule":..} items, as the reasons and errors arrays hold them.
template <typename Items>
bool AppendMessages(std::string* out, const Items& items) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out->push_back(',');
    *out += "{\"message\":";
    if (!AppendString(out, items[i].message)) return false;
    *out += ",\"rule\":";
    if (!AppendString(out, items[i].rule)) return false;
    out->push_back('}');
  }
  out->push_back(']');
  return true;
}

// The canonical payload written directly, members in sorted order: only the request and the
// obligation payloads (JSON from outside) go through the canonicaliser. False for anything
// the nlohmann construction must handle.
bool WriteCanonicalDecision(const Decision& decision, std::string_view request_json,
                            const DecisionRecordOptions& options, std::string_view id,
                            std::string* out) {
  thread_local std::string canonical;
  thread_local std::vector<std::string_view> controls;
  out->clear();
  *out += "{\"bundle\":";
  if (!AppendString(out, decision.bundle)) return false;
  if (options.engine != nullptr) {
    options.engine->Controls(decision, &controls);
    if (!controls.empty()) {
      *out += ",\"controls\":[";
      for (size_t i = 0; i < controls.size(); ++i) {
        if (i) out->push_back(',');
        if (!AppendString(out, controls[i])) return false;
      }
      out->push_back(']');
    }
  }
  if (!options.data_digest.empty()) {
    *out += ",\"data\":";
    if (!AppendString(out, options.data_digest)) return false;
  }
  *out += decision.allow ? ",\"decision\":\"allow\"" : ",\"decision\":\"deny\"";
  *out += ",\"decision_id\":";
  if (!AppendString(out, id)) return false;
  *out += ",\"errors\":";
  if (!AppendMessages(out, decision.errors)) return false;
  if (decision.fail_closed) *out += ",\"fail_closed\":true";
  *out += ",\"obligations\":[";
  for (size_t i = 0; i < decision.obligations.size(); ++i) {
    const DecisionObligation& o = decision.obligations[i];
    if (i) out->push_back(',');
    *out += o.advice ? "{\"advice\":true,\"name\":" : "{\"advice\":false,\"name\":";
    if (!AppendString(out, o.name)) return false;
    *out += ",\"payload\":";
    if (o.payload_json.empty()) {
      *out += "null";
    } else {
      if (CanonicalizeJson(o.payload_json, &canonical) != CanonicalJsonResult::kOk) return false;
      *out += canonical;
    }
    *out += ",\"rule\":";
    if (!AppendString(out, o.rule)) return false;
    out->push_back('}');
  }
  *out += ']';
  if (!options.principal.empty()) {
    *out += ",\"principal\":";
    if (!AppendString(out, options.principal)) return false;
  }
  *out += ",\"reasons\":";
  if (!AppendMessages(out, decision.reasons)) return false;
  if (CanonicalizeJson(request_json, &canonical) != CanonicalJsonResult::kOk) return false;
  if (options.request_digest_only) {
    *out += ",\"request_digest\":\"sha256:" + HexEncode(Sha256Of(canonical)) + "\"}";
  } else if (options.privacy != nullptr) {
    // Any failure here (no subject, the private store) is reported by the slow path.
    if (!options.privacy->AppendRequestMembers(canonical, id, out).ok()) return false;
    out->push_back('}');
  } else {
    *out += ",\"request\":";
    *out += canonical;
    out->push_back('}');
  }
  return true;
}

}  // namespace

Result<ledger::Record> MakeDecisionRecord(const Decision& decision, std::string_view request_json,
                                          const DecisionRecordOptions& options) {
  bool fresh = options.decision_id.empty();
  ledger::Record record;
  record.kind = "decision";
  record.decision_id = fresh ? ledger::NewDecisionId() : options.decision_id;
  if (!WriteCanonicalDecision(decision, request_json, options, record.decision_id,
                              &record.payload)) {
    return MakeDecisionRecordSlow(decision, request_json, options, record.decision_id, fresh);
  }
  record.fresh_decision_id = fresh;
  return record;
}

Result<ledger::Record> MakePolicyRecord(const Engine& engine, std::string activated_by,
                                        std::string reason, std::string data_digest) {
  ledger::PolicyRecord record;
  record.bundle_digest = engine.digest();
  const std::vector<SourceText>& texts = engine.source_texts();
  for (size_t i = 0; i < engine.sources().size(); ++i) {
    const SourceDigest& source = engine.sources()[i];
    ledger::PolicyRecord::Source recorded{source.path, "sha256:" + source.sha256, std::nullopt};
    if (i < texts.size() && texts[i].path == source.path) recorded.text = texts[i].text;
    record.sources.push_back(std::move(recorded));
  }
  record.activated_by = std::move(activated_by);
  record.reason = std::move(reason);
  record.data_digest = std::move(data_digest);
  record.bundle_bytes = engine.bundle_bytes();
  return record.ToRecord();
}

Result<uint64_t> EnsurePolicyRecorded(ledger::Ledger& ledger, const Engine& engine,
                                      const std::string& activated_by,
                                      const std::string& data_digest) {
  ARBITER_ASSIGN_OR_RETURN(std::optional<uint64_t> seq, ledger.FindPolicy(engine.digest()));
  if (seq) {
    // The first activation of this bundle; entries older than bundle recording lack its
    // bytes, and then a new activation that holds them is recorded.
    ARBITER_ASSIGN_OR_RETURN(ledger::StoredEntry entry, ledger.Get(*seq));
    const nlohmann::json payload = entry.ToJson()["payload"];
    if (payload.is_object() && payload.contains("bundle_base64")) return *seq;
  }
  ARBITER_ASSIGN_OR_RETURN(ledger::Record record,
                           MakePolicyRecord(engine, activated_by, "", data_digest));
  ARBITER_ASSIGN_OR_RETURN(ledger::Receipt receipt, ledger.Append(std::move(record)));
  return receipt.seq;
}

Result<std::string> EnsureDataRecorded(ledger::Ledger& ledger, std::string_view entities_json) {
  ledger::DataRecord data{std::string(entities_json)};
  ARBITER_ASSIGN_OR_RETURN(ledger::Record record, data.ToRecord());
  std::string digest = record.content_digest;
  ARBITER_ASSIGN_OR_RETURN(std::optional<uint64_t> seq, ledger.FindData(digest));
  if (seq) return digest;
  ARBITER_RETURN_IF_ERROR(ledger.Append(std::move(record)).status());
  return digest;
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
