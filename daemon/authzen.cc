#include "daemon/authzen.h"

#include <fmt/format.h>

namespace arbiter::daemon {

namespace {
constexpr const char* kParts[] = {"subject", "action", "resource", "context"};
}

std::optional<EvaluationsPlan> PlanEvaluations(const nlohmann::json& body, std::string* error) {
  if (!body.is_object()) {
    *error = "the request body must be a JSON object";
    return std::nullopt;
  }
  EvaluationsPlan plan;
  if (auto options = body.find("options"); options != body.end()) {
    if (!options->is_object()) {
      *error = "options must be an object";
      return std::nullopt;
    }
    if (auto sem = options->find("evaluations_semantic"); sem != options->end()) {
      if (*sem == "execute_all") {
        plan.semantic = EvaluationsSemantic::kExecuteAll;
      } else if (*sem == "deny_on_first_deny") {
        plan.semantic = EvaluationsSemantic::kDenyOnFirstDeny;
      } else if (*sem == "permit_on_first_permit") {
        plan.semantic = EvaluationsSemantic::kPermitOnFirstPermit;
      } else {
        *error = fmt::format(
            "options.evaluations_semantic must be execute_all, deny_on_first_deny or "
            "permit_on_first_permit, not {}",
            sem->dump());
        return std::nullopt;
      }
    }
  }
  nlohmann::json defaults = nlohmann::json::object();
  for (const char* part : kParts) {
    if (auto it = body.find(part); it != body.end()) defaults[part] = *it;
  }
  auto evaluations = body.find("evaluations");
  if (evaluations == body.end() || (evaluations->is_array() && evaluations->empty())) {
    plan.single = true;
    plan.items.push_back(std::move(defaults));
    return plan;
  }
  if (!evaluations->is_array()) {
    *error = "evaluations must be an array";
    return std::nullopt;
  }
  for (const auto& item : *evaluations) {
    nlohmann::json merged = defaults;
    if (item.is_object()) {
      for (const char* part : kParts) {
        if (auto it = item.find(part); it != item.end()) merged[part] = *it;
      }
    } else {
      merged = item;  // reported per item by CheckEvaluationShape
    }
    plan.items.push_back(std::move(merged));
  }
  return plan;
}

bool StopsAfter(EvaluationsSemantic semantic, bool allowed) {
  switch (semantic) {
    case EvaluationsSemantic::kExecuteAll:
      return false;
    case EvaluationsSemantic::kDenyOnFirstDeny:
      return !allowed;
    case EvaluationsSemantic::kPermitOnFirstPermit:
      return allowed;
  }
  return false;
}

bool CheckEvaluationShape(const nlohmann::json& request, std::string* error) {
  if (!request.is_object()) {
    *error = "an evaluation must be a JSON object";
    return false;
  }
  auto need_string = [&](const char* part, const char* field) {
    auto p = request.find(part);
    if (p == request.end() || !p->is_object()) {
      *error = fmt::format("{} is required and must be an object", part);
      return false;
    }
    auto f = p->find(field);
    if (f == p->end() || !f->is_string() || f->get_ref<const std::string&>().empty()) {
      *error = fmt::format("{}.{} is required and must be a non-empty string", part, field);
      return false;
    }
    if (auto props = p->find("properties"); props != p->end() && !props->is_object()) {
      *error = fmt::format("{}.properties must be an object", part);
      return false;
    }
    return true;
  };
  if (!need_string("subject", "type") || !need_string("subject", "id") ||
      !need_string("action", "name") || !need_string("resource", "type") ||
      !need_string("resource", "id")) {
    return false;
  }
  if (auto ctx = request.find("context"); ctx != request.end() && !ctx->is_object() &&
                                          !ctx->is_null()) {
    *error = "context must be an object";
    return false;
  }
  return true;
}

}  // namespace arbiter::daemon
