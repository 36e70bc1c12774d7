#include "tests/engine/test_support.h"

#include <catch2/catch.hpp>

namespace arbiter::testing {

Engine CompileOrDie(const std::string& text) {
  CompileResult r = Engine::CompileSources({{"test.arbiter", text}});
  INFO(r.FormattedDiagnostics());
  INFO(r.status.ToString());
  REQUIRE(r.ok());
  return std::move(*r.engine);
}

EntityStore EntitiesOrDie(const std::string& json) {
  auto s = EntityStore::FromJson(json, "entities.json");
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  return std::move(s).value();
}

Request RequestOrDie(const std::string& json) {
  auto r = Request::FromJson(json, "request.json");
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string SimpleRequest(const std::string& action, const std::string& context) {
  return R"({"subject":{"type":"User","id":"alice"},"action":{"name":")" + action +
         R"("},"resource":{"type":"Doc","id":"d1"},"context":)" + context + "}";
}

Decision DecideOrDie(const Engine& engine, const std::string& request_json,
                     const std::string& entities_json, bool explain) {
  EntityStore store = EntitiesOrDie(entities_json);
  Request request = RequestOrDie(request_json);
  Decision d;
  DecideOptions options;
  options.explain = explain;
  REQUIRE(engine.Decide(request, store, options, &d).ok());
  return d;
}

std::vector<std::string> Ids(const std::vector<DecisionReason>& reasons) {
  std::vector<std::string> out;
  for (const auto& r : reasons) out.emplace_back(r.rule);
  return out;
}

}  // namespace arbiter::testing

namespace arbiter::testing {
std::string EvalCondition(const std::string& expr, const std::string& context,
                          const std::string& entities) {
  Engine engine = CompileOrDie("permit r {\n  when " + expr + "\n}\n");
  Decision d = DecideOrDie(engine, SimpleRequest("read", context), entities);
  if (!d.errors.empty()) return "error: " + d.errors[0].message;
  return d.allow ? "true" : "false";
}
}  // namespace arbiter::testing
