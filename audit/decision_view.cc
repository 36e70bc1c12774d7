#include "audit/decision_view.h"

#include <fmt/format.h>

#include "ledger/json_fields.h"

namespace arbiter::audit {

namespace {

nlohmann::json EntryJson(const AuditEntry& e) {
  return {{"seq", e.seq}, {"kind", e.kind}, {"time", e.time}, {"payload", e.payload}};
}

}  // namespace

Result<nlohmann::json> DescribeDecision(const History& history, std::string_view decision_id) {
  ARBITER_ASSIGN_OR_RETURN(std::optional<AuditEntry> decision, history.FindDecision(decision_id));
  if (!decision) return Status::NotFound(fmt::format("no decision {} is recorded", decision_id));
  const std::string bundle = ledger::StringMember(decision->payload, "bundle");
  const std::string data = ledger::StringMember(decision->payload, "data");
  nlohmann::json out;
  out["decision"] = EntryJson(*decision);
  out["controls"] = decision->payload.value("controls", nlohmann::json::array());
  out["evidence"] = nlohmann::json::array();
  out["policy"] = nullptr;
  out["data"] = nullptr;
  // The activation in force is the latest policy entry of its bundle before the decision.
  ARBITER_RETURN_IF_ERROR(history.Scan(
      history.All(), {"policy", "data", "evidence"}, [&](const AuditEntry& e) {
        if (e.kind == "policy" && e.seq < decision->seq &&
            ledger::StringMember(e.payload, "bundle") == bundle) {
          nlohmann::json sources = nlohmann::json::array();
          for (const auto& s : e.payload.value("sources", nlohmann::json::array())) {
            sources.push_back({{"path", ledger::StringMember(s, "path")},
                               {"digest", ledger::StringMember(s, "digest")}});
          }
          out["policy"] = {{"seq", e.seq},
                           {"time", e.time},
                           {"activated_by", ledger::StringMember(e.payload, "activated_by")},
                           {"reason", ledger::StringMember(e.payload, "reason")},
                           {"bundle", bundle},
                           {"sources", std::move(sources)}};
        } else if (e.kind == "data" && !data.empty() && ledger::StringMember(e.payload, "data") == data &&
                   out["data"].is_null()) {
          out["data"] = {{"seq", e.seq},
                         {"digest", data},
                         {"entities", e.payload.value("entities", nlohmann::json::array()).size()}};
        } else if (e.kind == "evidence") {
          for (const auto& id : e.payload.value("decision_ids", nlohmann::json::array())) {
            if (id.is_string() && id.get<std::string>() == decision_id) {
              out["evidence"].push_back(EntryJson(e));
              break;
            }
          }
        }
        return Status::Ok();
      }));
  return out;
}

}  // namespace arbiter::audit
