// Typed records → canonical JSON payloads (spec/ledger-format.md, "Payloads").
#include <algorithm>
#include <arbiter/ledger.h>

#include "common/canonical_json.h"
#include "common/encoding.h"
#include "common/sha256.h"
#include "ledger/entry.h"

namespace arbiter::ledger {

Result<std::string> CanonicalJson(const nlohmann::json& value) {
  // nlohmann's object is a std::map, so keys come out sorted by their UTF-8 bytes; dump()
  // without indent writes no whitespace and escapes exactly what RFC 8785 escapes.
  try {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("cannot encode payload: ") + e.what());
  }
}

Result<Record> MakeRecord(std::string kind, const nlohmann::json& payload) {
  if (!ValidKind(kind)) {
    return Status::InvalidArgument("record kind '" + kind + "' must match [a-z][a-z0-9_-]*");
  }
  if (!payload.is_object()) return Status::InvalidArgument("record payload must be a JSON object");
  Record r;
  r.kind = std::move(kind);
  ARBITER_ASSIGN_OR_RETURN(r.payload, CanonicalJson(payload));
  if (r.kind == "decision" && payload.contains("decision_id") &&
      payload["decision_id"].is_string()) {
    r.decision_id = payload["decision_id"].get<std::string>();
  }
  return r;
}

Result<Record> DecisionRecord::ToRecord() const {
  if (decision != "allow" && decision != "deny") {
    return Status::InvalidArgument("decision must be \"allow\" or \"deny\", not \"" + decision + "\"");
  }
  nlohmann::json p = nlohmann::json::object();
  p["decision_id"] = decision_id.empty() ? NewDecisionId() : decision_id;
  p["decision"] = decision;
  p["reasons"] = reasons.is_null() ? nlohmann::json::array() : reasons;
  p["obligations"] = obligations.is_null() ? nlohmann::json::array() : obligations;
  p["errors"] = errors.is_null() ? nlohmann::json::array() : errors;
  p["bundle"] = bundle_digest;
  if (!principal.empty()) p["principal"] = principal;
  if (!controls.empty()) p["controls"] = controls;
  if (!data_digest.empty()) p["data"] = data_digest;
  if (fail_closed) p["fail_closed"] = true;
  if (request_digest_only) {
    ARBITER_ASSIGN_OR_RETURN(std::string canon, CanonicalJson(request));
    p["request_digest"] = "sha256:" + HexEncode(Sha256Of(canon));
  } else {
    p["request"] = request;
  }
  ARBITER_ASSIGN_OR_RETURN(Record r, MakeRecord("decision", p));
  r.fresh_decision_id = decision_id.empty();
  return r;
}

Result<Record> EvidenceRecord::ToRecord() const {
  if (type.empty()) return Status::InvalidArgument("evidence needs a type");
  if (decision_ids.empty()) return Status::InvalidArgument("evidence must name at least one decision id");
  nlohmann::json p = nlohmann::json::object();
  p["decision_ids"] = decision_ids;
  p["type"] = type;
  p["author"] = author;
  if (!claimed_author.empty()) p["claimed_author"] = claimed_author;
  if (!author_roles.empty()) {
    std::vector<std::string> roles = author_roles;
    std::sort(roles.begin(), roles.end());
    roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
    p["author_roles"] = roles;
  }
  p["body"] = body.is_null() ? nlohmann::json::object() : body;
  if (!digest.empty()) p["digest"] = digest;
  return MakeRecord("evidence", p);
}

Result<Record> PolicyRecord::ToRecord() const {
  if (bundle_digest.empty()) return Status::InvalidArgument("policy record needs a bundle digest");
  nlohmann::json p = nlohmann::json::object();
  p["bundle"] = bundle_digest;
  nlohmann::json sources_json = nlohmann::json::array();
  for (const auto& s : sources) {
    nlohmann::json source = {{"path", s.path}, {"digest", s.digest}};
    if (s.text) {
      if ("sha256:" + HexEncode(Sha256Of(*s.text)) != s.digest) {
        return Status::InvalidArgument("policy record: the text of " + s.path +
                                       " does not have its digest");
      }
      source["text"] = *s.text;
    }
    sources_json.push_back(std::move(source));
  }
  p["sources"] = std::move(sources_json);
  p["activated_by"] = activated_by;
  if (!reason.empty()) p["reason"] = reason;
  if (!data_digest.empty()) p["data"] = data_digest;
  if (!bundle_bytes.empty()) {
    // The bundle's digest is defined by its own format (spec/bytecode.md), which the ledger
    // does not read: replay checks it when it loads the bundle.
    p["bundle_base64"] = Base64Encode(AsBytes(bundle_bytes));
  }
  ARBITER_ASSIGN_OR_RETURN(Record r, MakeRecord("policy", p));
  r.content_digest = bundle_digest;
  return r;
}

Result<std::string> EntityDataDigest(std::string_view entities_json) {
  std::string canonical;
  switch (CanonicalizeJson(entities_json, &canonical)) {
    case CanonicalJsonResult::kOk:
      break;
    case CanonicalJsonResult::kInvalid:
      return Status::InvalidArgument("entity data is not JSON");
    case CanonicalJsonResult::kUnsupported: {
      nlohmann::json parsed = nlohmann::json::parse(entities_json, nullptr, false);
      if (parsed.is_discarded()) return Status::InvalidArgument("entity data is not JSON");
      ARBITER_ASSIGN_OR_RETURN(canonical, CanonicalJson(parsed));
      break;
    }
  }
  return "sha256:" + HexEncode(Sha256Of(canonical));
}

Result<Record> DataRecord::ToRecord() const {
  nlohmann::json entities = nlohmann::json::parse(entities_json, nullptr, false);
  if (entities.is_discarded() || !entities.is_array()) {
    return Status::InvalidArgument("data record: the entity data must be a JSON array");
  }
  ARBITER_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(entities));
  std::string digest = "sha256:" + HexEncode(Sha256Of(canonical));
  Record r;
  r.kind = "data";
  // {"data":..,"entities":..}: the members in sorted order, the entities already canonical.
  r.payload = "{\"data\":\"" + digest + "\",\"entities\":" + canonical + "}";
  r.content_digest = std::move(digest);
  return r;
}

Result<Record> StartRecord::ToRecord() const {
  if (bundle_digest.empty()) return Status::InvalidArgument("start record needs a bundle digest");
  nlohmann::json p = nlohmann::json::object();
  p["activation"] = activation_seq;
  p["bundle"] = bundle_digest;
  if (!data_digest.empty()) p["data"] = data_digest;
  p["version"] = version;
  return MakeRecord("start", p);
}

}  // namespace arbiter::ledger
