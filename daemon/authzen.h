// AuthZEN Authorization API 1.0 request handling that needs no engine: the shape checks, the
// batch defaults (top-level subject/action/resource/context are defaults an evaluation item
// replaces whole) and the three evaluations_semantic options.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace arbiter::daemon {

enum class EvaluationsSemantic { kExecuteAll, kDenyOnFirstDeny, kPermitOnFirstPermit };

struct EvaluationsPlan {
  // One full evaluation request per item, defaults applied, in request order. Empty `items`
  // with `single` set means the body had no (or an empty) evaluations array: it is answered
  // as a single evaluation (AuthZEN 1.0 section 7.1).
  std::vector<nlohmann::json> items;
  bool single = false;
  EvaluationsSemantic semantic = EvaluationsSemantic::kExecuteAll;
};

// Reads an /access/v1/evaluations body. nullopt with *error set when the body itself is
// unusable (not an object, evaluations not an array, an unknown semantic).
std::optional<EvaluationsPlan> PlanEvaluations(const nlohmann::json& body, std::string* error);

// Whether to stop after an item with this decision under `semantic`.
bool StopsAfter(EvaluationsSemantic semantic, bool allowed);

// Checks the required members of one evaluation request (subject.type/id, action.name,
// resource.type/id, optional object context) so a bad item gets a precise message.
bool CheckEvaluationShape(const nlohmann::json& request, std::string* error);

}  // namespace arbiter::daemon
