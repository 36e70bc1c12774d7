// DecisionFilter: which decision entries an audit export or report selects
// (spec/ledger-format.md, "Decision filters").
#include <algorithm>

#include "arbiter/ledger.h"
#include "ledger/json_fields.h"

namespace arbiter::ledger {
namespace {

// An entity as a filter names it: `Type::"id"`, `Type::id`, or a bare `id` (type empty:
// any). `ok` is false for text that starts like a typed reference but is not one.
struct EntityPattern {
  std::string type;
  std::string id;
  bool ok = true;
};

EntityPattern ParseEntityPattern(std::string_view text) {
  EntityPattern p;
  size_t sep = text.rfind("::");
  // `::` inside a quoted id belongs to the id: find the separator before the first quote.
  size_t quote = text.find('"');
  if (quote != std::string_view::npos) sep = text.substr(0, quote).rfind("::");
  if (sep == std::string_view::npos) {
    if (quote != std::string_view::npos) p.ok = false;  // a quote without a type
    p.id = std::string(text);
    return p;
  }
  p.type = std::string(text.substr(0, sep));
  std::string_view id = text.substr(sep + 2);
  if (id.size() >= 2 && id.front() == '"' && id.back() == '"') {
    id = id.substr(1, id.size() - 2);
  } else if (id.find('"') != std::string_view::npos) {
    p.ok = false;
  }
  p.id = std::string(id);
  if (p.type.empty() || p.id.empty()) p.ok = false;
  return p;
}

bool EntityMatches(const nlohmann::json& request, std::string_view member,
                   std::string_view pattern_text) {
  if (pattern_text.empty()) return true;
  if (!request.is_object()) return false;
  auto it = request.find(member);
  if (it == request.end()) return false;
  EntityPattern pattern = ParseEntityPattern(pattern_text);
  if (!pattern.ok) return false;
  if (StringMember(*it, "id") != pattern.id) return false;
  return pattern.type.empty() || StringMember(*it, "type") == pattern.type;
}

bool ActionMatches(const nlohmann::json& request, std::string_view name) {
  if (name.empty()) return true;
  if (!request.is_object()) return false;
  auto it = request.find("action");
  return it != request.end() && StringMember(*it, "name") == name;
}

// True when `values` is empty or one of them equals a string of `array` (or, with `member`,
// that member of one of its objects).
bool AnyOf(const std::vector<std::string>& values, const nlohmann::json& array,
           std::string_view member = {}) {
  if (values.empty()) return true;
  if (!array.is_array()) return false;
  for (const nlohmann::json& item : array) {
    std::string text = member.empty() ? (item.is_string() ? item.get<std::string>() : "")
                                      : StringMember(item, member);
    if (text.empty()) continue;
    if (std::find(values.begin(), values.end(), text) != values.end()) return true;
  }
  return false;
}

const nlohmann::json& MemberOrNull(const nlohmann::json& j, std::string_view key) {
  static const nlohmann::json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

}  // namespace

bool DecisionFilter::empty() const {
  return controls.empty() && rules.empty() && decision_ids.empty() && subject.empty() &&
         action.empty() && resource.empty() && decision.empty();
}

Status DecisionFilter::Validate() const {
  if (!decision.empty() && decision != "allow" && decision != "deny") {
    return Status::InvalidArgument("--decision '" + decision + "': expected allow or deny");
  }
  for (auto [flag, text] : {std::pair{"--subject", &subject}, std::pair{"--resource", &resource}}) {
    if (!text->empty() && !ParseEntityPattern(*text).ok) {
      return Status::InvalidArgument(std::string(flag) + " '" + *text +
                                     "': expected Type::\"id\", Type::id or id");
    }
  }
  return Status::Ok();
}

bool DecisionFilter::Matches(std::string_view payload) const {
  nlohmann::json p = nlohmann::json::parse(payload, nullptr, false);
  if (!p.is_object() || StringMember(p, "decision_id").empty()) return false;
  if (!decision.empty() && StringMember(p, "decision") != decision) return false;
  if (!decision_ids.empty() &&
      std::find(decision_ids.begin(), decision_ids.end(), StringMember(p, "decision_id")) ==
          decision_ids.end()) {
    return false;
  }
  if (!AnyOf(controls, MemberOrNull(p, "controls"))) return false;
  if (!AnyOf(rules, MemberOrNull(p, "reasons"), "rule")) return false;
  const nlohmann::json& request = MemberOrNull(p, "request");
  return EntityMatches(request, "subject", subject) && ActionMatches(request, action) &&
         EntityMatches(request, "resource", resource);
}

}  // namespace arbiter::ledger
