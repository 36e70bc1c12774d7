// Helpers for the engine tests: compile policy text, decide on JSON, in one line each.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arbiter/arbiter.h>

namespace arbiter::testing {

// Compiles `text` (one file named "test.arbiter"); fails the test on diagnostics.
Engine CompileOrDie(const std::string& text);
EntityStore EntitiesOrDie(const std::string& json);
Request RequestOrDie(const std::string& json);
// A request for User::"alice" doing `action` on Doc::"d1" with `context` (a JSON object).
std::string SimpleRequest(const std::string& action = "read", const std::string& context = "{}");
Decision DecideOrDie(const Engine& engine, const std::string& request_json,
                     const std::string& entities_json = "[]", bool explain = false);
std::vector<std::string> Ids(const std::vector<DecisionReason>& reasons);

}  // namespace arbiter::testing

namespace arbiter::testing {
// Compiles `permit r { when EXPR }` and decides SimpleRequest("read", context):
// "true", "false", or "error: <message>".
std::string EvalCondition(const std::string& expr, const std::string& context = "{}",
                          const std::string& entities = "[]");
}  // namespace arbiter::testing
