// The rule index: a request runs only the rules that can match it, and never hides a rule that
// would match or raise an error.
#include <catch2/catch.hpp>

#include "tests/engine/test_support.h"

using namespace arbiter;

namespace {
size_t Considered(const Decision& d) {
  size_t n = 0;
  for (const auto& s : d.explain) n += s.outcome != "skipped";
  return n;
}
}  // namespace

TEST_CASE("10,000 rules keyed by action: a request considers only its own") {
  std::string text = "package big;\n";
  for (int i = 0; i < 10000; ++i) {
    text += "permit r" + std::to_string(i) + " { when action == Action::\"a" + std::to_string(i) +
            "\" && resource is Doc && context.level > " + std::to_string(i % 3) + " }\n";
  }
  text += "forbid everyone { when context.level > 100 }\n";
  Engine e = testing::CompileOrDie(text);
  Decision d = testing::DecideOrDie(e, testing::SimpleRequest("a1234", R"({"level":5})"), "[]", true);
  CHECK(d.allow);
  CHECK(testing::Ids(d.reasons) == std::vector<std::string>{"big.r1234"});
  CHECK(Considered(d) == 2);  // r1234 and the unindexed forbid
  CHECK(d.explain.size() == 10001);
}

TEST_CASE("attribute equality keys, with the missing-attribute fallback") {
  std::string text = "package t;\n";
  for (int i = 0; i < 100; ++i) {
    text += "permit r" + std::to_string(i) + " { when resource.team == \"t" + std::to_string(i) +
            "\" && subject.level > 1 }\n";
  }
  Engine e = testing::CompileOrDie(text);
  std::string ents = R"([{"uid":{"type":"User","id":"alice"},"attrs":{"level":3}},
                         {"uid":{"type":"Doc","id":"d1"},"attrs":{"team":"t42"}},
                         {"uid":{"type":"Doc","id":"d2"},"attrs":{}},
                         {"uid":{"type":"Doc","id":"d3"},"attrs":{"team":["t1"]}}])";
  std::string req = testing::SimpleRequest();
  Decision hit = testing::DecideOrDie(e, req, ents, true);
  CHECK(hit.allow);
  CHECK(Considered(hit) == 1);
  // d2 has no team: every rule of the group runs and reports its error.
  std::string missing = req;
  missing.replace(missing.find("\"d1\""), 4, "\"d2\"");
  Decision err = testing::DecideOrDie(e, missing, ents, true);
  CHECK_FALSE(err.allow);
  CHECK(err.errors.size() == 100);
  // A set never equals a string literal: nothing to run, nothing to report.
  std::string set = req;
  set.replace(set.find("\"d1\""), 4, "\"d3\"");
  Decision none = testing::DecideOrDie(e, set, ents, true);
  CHECK(Considered(none) == 0);
  CHECK(none.errors.empty());
}

TEST_CASE("keys after an erroring conjunct are not used") {
  // The first conjunct raises an error for requests on Users; the `is` after it must not
  // exclude the rule, or the error would go unreported.
  Engine e = testing::CompileOrDie("permit p { when context.x.y == 1 && resource is Doc }");
  std::string req = R"({"subject":{"type":"User","id":"a"},"action":{"name":"r"},
    "resource":{"type":"User","id":"b"},"context":{"x":{}}})";
  Decision d = testing::DecideOrDie(e, req);
  CHECK(d.errors.size() == 1);
}

TEST_CASE("types and entity equality keys") {
  Engine e = testing::CompileOrDie(R"(
    permit a { when subject == User::"alice" }
    permit b { when subject is Admin }
    permit c { when resource == Doc::"d1" && action == Action::"read" }
  )");
  Decision d = testing::DecideOrDie(e, testing::SimpleRequest("read"), "[]", true);
  CHECK(testing::Ids(d.reasons) == std::vector<std::string>{"a", "c"});
  CHECK(Considered(d) == 2);
}
