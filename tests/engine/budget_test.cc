// The evaluation budget (spec/language.md, "Evaluation budget"): hostile requests and
// policies end in a budget error quickly instead of holding the thread. A hang here is caught
// by the ctest TIMEOUT of engine_budget_tests (tests/engine/CMakeLists.txt), never by a clock.
#include <catch2/catch.hpp>

#include <string>

#include "dsl/frontend.h"
#include "engine/builtins.h"
#include "engine/decide.h"
#include "engine/reference.h"
#include "tests/engine/test_support.h"

using namespace arbiter;
using namespace arbiter::testing;

namespace {

std::string IntArray(int n) {
  std::string out = "[";
  for (int i = 0; i < n; ++i) out += (i ? "," : "") + std::to_string(i);
  return out + "]";
}

// {"s": [0, 1, ..., n-1]}
std::string SetContext(int n) { return R"({"s":)" + IntArray(n) + "}"; }

const char kThreeNestedAll[] = R"(
  permit p {
    when all x in context.s : all y in context.s : all z in context.s : x + y + z >= 0
  }
)";

bool IsBudgetError(const std::string& message) {
  return message.starts_with("evaluation budget exceeded");
}

}  // namespace

TEST_CASE("three nested `all` over 1,000 elements: a budget error, not a hang") {
  Engine e = CompileOrDie(kThreeNestedAll);
  for (bool switch_dispatch : {false, true}) {
    engine::UseSwitchDispatchForTesting(switch_dispatch);
    Decision d = DecideOrDie(e, SimpleRequest("read", SetContext(1000)));
    engine::UseSwitchDispatchForTesting(false);
    CHECK_FALSE(d.allow);
    REQUIRE(d.errors.size() == 1);
    CHECK(d.errors[0].rule == "p");
    CHECK(IsBudgetError(d.errors[0].message));
    CHECK_THAT(d.errors[0].message, Catch::Contains("eval_steps"));
  }
  // Within the budget the same rule decides normally.
  CHECK(DecideOrDie(e, SimpleRequest("read", SetContext(20))).allow);
}

TEST_CASE("a fail-closed forbid that exceeds the budget denies, with the error") {
  Engine e = CompileOrDie(R"(
    @fail_closed package app;
    permit open { when true }
    forbid heavy {
      when any x in context.s : any y in context.s : any z in context.s : x + y + z < 0
      reason "safety"
    }
  )");
  Decision d = DecideOrDie(e, SimpleRequest("read", SetContext(1000)));
  CHECK_FALSE(d.allow);
  CHECK(Ids(d.reasons) == std::vector<std::string>{"app.heavy"});
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].rule == "app.heavy");
  CHECK(IsBudgetError(d.errors[0].message));
}

TEST_CASE("building values in a loop is bounded by the byte budget") {
  // 10^6 iterations, each building two small sets (never equal: only the first holds 1):
  // within the steps (8 * 10^6), past the bytes (144 * 10^6).
  Engine e = CompileOrDie(R"(
    permit p { when all x in context.s : all y in context.s : [x, y, x + y, 1, 2] != [y, 3] }
  )");
  Decision d = DecideOrDie(e, SimpleRequest("read", SetContext(1000)));
  CHECK_FALSE(d.allow);
  REQUIRE(d.errors.size() == 1);
  CHECK(IsBudgetError(d.errors[0].message));
  CHECK_THAT(d.errors[0].message, Catch::Contains("eval_bytes"));
}

TEST_CASE("`like` with a huge pattern on a long string is linear") {
  // A backtracking glob needs |text| x |pattern| = 10^10 steps here.
  std::string text(500'000, 'a');
  std::string pattern = "*" + std::string(20'000, 'a') + "b";
  Engine e = CompileOrDie("permit p { when context.t like \"" + pattern + "\" }\n" +
                          "permit q { when context.t like \"*" + std::string(20'000, 'a') +
                          "*\" }\n");
  Decision d = DecideOrDie(e, SimpleRequest("read", R"({"t":")" + text + "\"}"));
  CHECK(d.errors.empty());
  CHECK(d.matched == std::vector<std::string_view>{"q"});
}

TEST_CASE("`like` and `contains` on a long string inside a loop are charged to the budget") {
  std::string ctx = R"({"s":)" + IntArray(1000) + R"(,"t":")" + std::string(500'000, 'a') +
                    R"(","n":")" + std::string(20'000, 'a') + "b\"}";
  Engine e = CompileOrDie(R"(
    permit glob { when all i in context.s : context.t like "*a*" }
    permit find { when all i in context.s : !context.t.contains(context.n) }
  )");
  Decision d = DecideOrDie(e, SimpleRequest("read", ctx));
  CHECK_FALSE(d.allow);
  REQUIRE(d.errors.size() == 2);
  CHECK(IsBudgetError(d.errors[0].message));
  CHECK(IsBudgetError(d.errors[1].message));
  // One search with a long needle is linear and within the budget.
  CHECK(EvalCondition("!context.t.contains(context.n)", ctx) == "true");
}

TEST_CASE("set operations are charged by the elements they scan") {
  // 10^6 iterations of `in` over a 1,000-element set: 10^9 comparisons, so past the budget.
  Engine e = CompileOrDie(R"(
    permit member { when all x in context.s : all y in context.s : 5000 in context.s || true }
    permit all_of { when all x in context.s : context.s.containsAll(context.s) }
  )");
  Decision d = DecideOrDie(e, SimpleRequest("read", SetContext(1000)));
  CHECK_FALSE(d.allow);
  REQUIRE(d.errors.size() == 2);
  CHECK(IsBudgetError(d.errors[0].message));
  CHECK(IsBudgetError(d.errors[1].message));
}

TEST_CASE("an entity with more ancestors than Limits::entity_ancestors is a load error") {
  // A binary tree read upwards: every node has two parents, so the leaf has 2^14 - 2 = 16,382
  // ancestors while the data holds only 2^14 - 1 entities.
  std::string json = "[";
  const int kNodes = (1 << 14) - 1;
  for (int i = 1; i <= kNodes; ++i) {
    if (i > 1) json += ",";
    json += R"({"uid":{"type":"G","id":"g)" + std::to_string(i) + R"("},"parents":[)";
    if (2 * i + 1 <= kNodes) {
      json += R"({"type":"G","id":"g)" + std::to_string(2 * i) + R"("},{"type":"G","id":"g)" +
              std::to_string(2 * i + 1) + "\"}";
    }
    json += "]}";
  }
  json += "]";
  auto store = EntityStore::FromJson(json, "tree.json");
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.status().message(), Catch::Contains("entity_ancestors"));
}

TEST_CASE("a deep but legal hierarchy loads and `in` answers at every depth") {
  const int kDepth = 3000;
  std::string json = "[";
  for (int i = 0; i < kDepth; ++i) {
    if (i) json += ",";
    json += R"({"uid":{"type":"Role","id":"r)" + std::to_string(i) + R"("},"parents":[)";
    if (i + 1 < kDepth) json += R"({"type":"Role","id":"r)" + std::to_string(i + 1) + "\"}";
    json += "]}";
  }
  json += R"(,{"uid":{"type":"User","id":"alice"},"parents":[{"type":"Role","id":"r0"}]}])";
  Engine e = CompileOrDie("permit p { when subject in Role::\"r" + std::to_string(kDepth - 1) +
                          "\" }");
  Decision d = DecideOrDie(e, SimpleRequest(), json);
  CHECK(d.errors.empty());
  CHECK(d.allow);
}

namespace {

// Decides `policy` on SimpleRequest(context) with `budget` in the VM and in the reference
// evaluator; returns each one's first error message ("" when none).
std::pair<std::string, std::string> BothErrors(const std::string& policy,
                                               const std::string& context, EvalBudget budget) {
  Engine e = CompileOrDie(policy);
  Request request = RequestOrDie(SimpleRequest("read", context));
  EntityStore store = EntitiesOrDie("[]");
  DecideOptions options;
  options.budget = budget;
  Decision vm;
  REQUIRE(e.Decide(request, store, options, &vm).ok());
  dsl::FrontendResult front = dsl::LoadPolicySources({{"test.arbiter", policy}});
  REQUIRE(front.ok());
  engine::ReferenceDecision ref =
      engine::ReferenceDecide(front.policies, request.impl(), store.impl(), budget);
  return {vm.errors.empty() ? "" : vm.errors[0].message,
          ref.errors.empty() ? "" : ref.errors[0].second};
}

}  // namespace

TEST_CASE("the budget is set per decision; VM and oracle count the same steps") {
  const std::string policy = "permit p { when all x in context.s : x >= 0 }";
  // A step per element taken: 100 elements fit in 100 steps, 101 do not.
  auto fits = BothErrors(policy, SetContext(100), EvalBudget{100, 0});
  CHECK(fits.first == "");
  CHECK(fits.second == "");
  auto over = BothErrors(policy, SetContext(101), EvalBudget{100, 0});
  CHECK(over.first == "evaluation budget exceeded: the decision took more than 100 steps "
                      "(eval_steps)");
  CHECK(over.second == over.first);
  // Building [x, x] charges 2 steps and 16 + 2 * 16 bytes per element.
  const std::string build = "permit p { when all x in context.s : [x, x + 1] != [] }";
  CHECK(BothErrors(build, SetContext(20), EvalBudget{0, 20 * 48}).first == "");
  auto bytes = BothErrors(build, SetContext(21), EvalBudget{0, 20 * 48});
  CHECK(bytes.first == "evaluation budget exceeded: the decision built more than 960 bytes of "
                       "values (eval_bytes)");
  CHECK(bytes.second == bytes.first);
}

TEST_CASE("the oracle runs out of budget on the hostile cases too") {
  auto nested = BothErrors(kThreeNestedAll, SetContext(1000), {});
  CHECK(IsBudgetError(nested.first));
  CHECK(nested.second == nested.first);
  auto like = BothErrors("permit p { when all i in context.s : context.t like \"*a*\" }",
                         R"({"s":)" + IntArray(1000) + R"(,"t":")" + std::string(500'000, 'a') +
                             "\"}",
                         {});
  CHECK(IsBudgetError(like.first));
  CHECK(like.second == like.first);
}

TEST_CASE("once the budget is spent, later rules that loop fail too; straight-line rules run") {
  Engine e = CompileOrDie(R"(
    permit heavy { when all x in context.s : all y in context.s : all z in context.s : true }
    permit light { when context.flag }
    permit loop { when any x in context.s : x == 1 }
  )");
  Decision d = DecideOrDie(e, SimpleRequest("read", R"({"flag":true,"s":)" + IntArray(1000) +
                                                        "}"));
  CHECK(d.allow);
  CHECK(d.matched == std::vector<std::string_view>{"light"});
  REQUIRE(d.errors.size() == 2);
  CHECK(d.errors[0].rule == "heavy");
  CHECK(d.errors[1].rule == "loop");
  CHECK(IsBudgetError(d.errors[1].message));
}

namespace {

// Glob matching by dynamic programming over (pattern, text) prefixes: obviously right, slow.
bool LikeByTable(const engine::LikePattern& p, std::string_view s) {
  std::vector<std::vector<bool>> m(p.size + 1, std::vector<bool>(s.size() + 1, false));
  m[0][0] = true;
  for (uint32_t i = 1; i <= p.size; ++i) {
    for (size_t j = 0; j <= s.size(); ++j) {
      if (p.tokens[i - 1] < 0) {
        m[i][j] = m[i - 1][j] || (j > 0 && m[i][j - 1]);
      } else {
        m[i][j] = j > 0 && m[i - 1][j - 1] &&
                  p.tokens[i - 1] == static_cast<unsigned char>(s[j - 1]);
      }
    }
  }
  return m[p.size][s.size()];
}

}  // namespace

TEST_CASE("the linear `like` agrees with a table-driven matcher on random globs") {
  uint64_t state = 0x2545f4914f6cdd1dull;
  auto next = [&](uint64_t n) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % n;
  };
  const char kGlobChars[] = {'a', 'b', '*', '*', '\\'};
  for (int round = 0; round < 20000; ++round) {
    std::string glob, text;
    for (uint64_t k = next(8); k > 0; --k) {
      char c = kGlobChars[next(5)];
      glob += c;
      if (c == '\\') glob += next(2) ? '*' : 'a';
    }
    for (uint64_t k = next(10); k > 0; --k) text += "ab*"[next(3)];
    engine::Arena arena;
    engine::LikePattern p = engine::CompileLike(glob, &arena);
    INFO("glob `" << glob << "` text `" << text << "`");
    REQUIRE(engine::LikeMatch(p, text) == LikeByTable(p, text));
  }
}

TEST_CASE("nested values: equality and output recurse only as deep as the input may nest") {
  auto nested = [](int depth) {
    return std::string(depth, '[') + "1" + std::string(depth, ']');
  };
  // Two equal values built apart, as deep as the JSON reader allows (json_depth 64, less the
  // request's own two levels): compared element by element, no crash.
  std::string ctx = R"({"a":)" + nested(60) + R"(,"b":)" + nested(60) + "}";
  CHECK(EvalCondition("context.a == context.b", ctx) == "true");
  // Deeper than the JSON reader allows: the request is refused with a reason, never decided.
  auto deep = Request::FromJson(SimpleRequest("read", R"({"a":)" + nested(100'000) + "}"),
                                "request.json");
  REQUIRE_FALSE(deep.ok());
  CHECK_THAT(deep.status().message(), Catch::Contains("(json_depth)"));
}
