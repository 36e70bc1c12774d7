#include "ledger/bundle_format.h"

#include "common/encoding.h"
#include "ledger/json_fields.h"

namespace arbiter::ledger::bundle {

namespace {

Result<Hash> HashFromBase64(const nlohmann::json& h) {
  auto bytes = h.is_string() ? Base64Decode(h.get<std::string>()) : std::nullopt;
  if (!bytes || bytes->size() != 32) return Status::Corruption("malformed proof hash");
  Hash hash;
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

}  // namespace

nlohmann::json ProofJson(const std::vector<Hash>& path) {
  nlohmann::json proof = nlohmann::json::array();
  for (const Hash& h : path) proof.push_back(Base64Encode(h));
  return proof;
}

Result<std::vector<Hash>> ProofFromJson(const nlohmann::json& proof) {
  std::vector<Hash> path;
  if (!proof.is_array()) return Status::Corruption("malformed proof");
  for (const auto& h : proof) {
    ARBITER_ASSIGN_OR_RETURN(Hash hash, HashFromBase64(h));
    path.push_back(hash);
  }
  return path;
}

bool IsRotation(std::string_view payload) {
  nlohmann::json p = nlohmann::json::parse(payload, nullptr, false);
  return StringMember(p, "action") == "rotate";
}

nlohmann::json FilterToJson(const DecisionFilter& filter) {
  nlohmann::json j = nlohmann::json::object();
  auto list = [&j](const char* key, const std::vector<std::string>& values) {
    if (!values.empty()) j[key] = values;
  };
  auto text = [&j](const char* key, const std::string& value) {
    if (!value.empty()) j[key] = value;
  };
  list("controls", filter.controls);
  list("rules", filter.rules);
  list("decision_ids", filter.decision_ids);
  text("subject", filter.subject);
  text("action", filter.action);
  text("resource", filter.resource);
  text("decision", filter.decision);
  return j;
}

Result<DecisionFilter> FilterFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return Status::Corruption("the bundle header's filter is not an object");
  DecisionFilter filter;
  for (const auto& [key, value] : json.items()) {
    std::vector<std::string>* list = key == "controls"       ? &filter.controls
                                     : key == "rules"        ? &filter.rules
                                     : key == "decision_ids" ? &filter.decision_ids
                                                             : nullptr;
    std::string* text = key == "subject"    ? &filter.subject
                        : key == "action"   ? &filter.action
                        : key == "resource" ? &filter.resource
                        : key == "decision" ? &filter.decision
                                            : nullptr;
    if (list != nullptr) {
      if (!value.is_array() || value.empty()) {
        return Status::Corruption("the bundle header's filter member " + key +
                                  " is not a non-empty array of strings");
      }
      for (const auto& v : value) {
        if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
          return Status::Corruption("the bundle header's filter member " + key +
                                    " holds something other than a non-empty string");
        }
        list->push_back(v.get<std::string>());
      }
    } else if (text != nullptr) {
      if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        return Status::Corruption("the bundle header's filter member " + key +
                                  " is not a non-empty string");
      }
      *text = value.get<std::string>();
    } else {
      return Status::Corruption("the bundle header's filter has an unknown member '" + key + "'");
    }
  }
  if (Status st = filter.Validate(); !st.ok()) {
    return Status::Corruption("the bundle header's filter: " + st.message());
  }
  return filter;
}

bool Selects(std::string_view kind, const DecisionFilter& filter, std::string_view entry_kind,
             std::string_view payload) {
  if (!filter.empty()) return entry_kind == "decision" && filter.Matches(payload);
  return kind.empty() || entry_kind == kind;
}

}  // namespace arbiter::ledger::bundle
