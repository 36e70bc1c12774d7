// The runner's pieces that need no engine: comparison, test requests as JSON, pack discovery.
#include <catch2/catch.hpp>

#include <filesystem>

#include "policytest/discovery.h"
#include "policytest/outcome.h"
#include "policytest/request_json.h"
#include "tests/stdlib/temp_dir.h"

namespace arbiter::policytest {
namespace {

namespace fs = std::filesystem;

TEST_CASE("a matching outcome has no failures; lists compare in any order") {
  Expectation expected{TestExpect::kAllow, std::vector<std::string>{"p.b", "p.a"}, std::vector<std::string>{"x", "y"},
                       std::nullopt};
  Outcome got;
  got.allow = true;
  got.reasons = {"p.a", "p.b"};
  got.obligations = {"y", "x"};
  CHECK(CompareOutcome(expected, got).empty());
}

TEST_CASE("unset reasons and obligations are not compared") {
  Expectation expected{TestExpect::kDeny, std::nullopt, std::nullopt, std::nullopt};
  Outcome got;
  got.reasons = {"p.anything"};
  got.obligations = {"notify"};
  CHECK(CompareOutcome(expected, got).empty());
}

TEST_CASE("each mismatch is named with what was expected and what came") {
  Expectation expected{TestExpect::kDeny, std::vector<std::string>{"p.forbid_b", "p.forbid_a"},
                       std::vector<std::string>{}, std::nullopt};
  Outcome got;
  got.allow = true;
  got.reasons = {"p.permit_c"};
  got.obligations = {"redact", "redact"};
  auto failures = CompareOutcome(expected, got);
  REQUIRE(failures.size() == 3);
  CHECK(failures[0] == "expected deny, got allow");
  CHECK(failures[1] == "expected reasons [p.forbid_a, p.forbid_b], got [p.permit_c]");
  CHECK(failures[2] == "expected obligations [], got [redact, redact]");
}

TEST_CASE("obligations compare as multisets") {
  Expectation expected{TestExpect::kAllow, std::nullopt, std::vector<std::string>{"redact"},
                       std::nullopt};
  Outcome got;
  got.allow = true;
  got.obligations = {"redact", "redact"};
  CHECK(CompareOutcome(expected, got).size() == 1);
}

TEST_CASE("expect error: at least one rule erred, whatever the decision") {
  Expectation expected;
  expected.expect = TestExpect::kError;
  Outcome got;
  got.allow = true;
  auto none = CompareOutcome(expected, got);
  REQUIRE(none.size() == 1);
  CHECK(none[0] == "expected an evaluation error, got none (allow)");
  got.errors = {"p.a: no attribute x"};
  got.error_rules = {"p.a"};
  CHECK(CompareOutcome(expected, got).empty());
  got.allow = false;
  CHECK(CompareOutcome(expected, got).empty());
}

TEST_CASE("errors [..] names the erring rules, in any order") {
  Expectation expected;
  expected.expect = TestExpect::kError;
  expected.errors = std::vector<std::string>{"p.b", "p.a"};
  Outcome got;
  got.errors = {"p.a: x", "p.b: y"};
  got.error_rules = {"p.a", "p.b"};
  CHECK(CompareOutcome(expected, got).empty());
  got.errors = {"p.a: x"};
  got.error_rules = {"p.a"};
  auto failures = CompareOutcome(expected, got);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0] == "expected errors [p.a, p.b], got [p.a]");
  // errors [] with allow/deny: the decision came without any error.
  Expectation clean;
  clean.expect = TestExpect::kDeny;
  clean.errors = std::vector<std::string>{};
  CHECK(CompareOutcome(clean, got).size() == 1);
}

TEST_CASE("expect fail_closed: a deny that failed closed, not any deny") {
  Expectation expected;
  expected.expect = TestExpect::kFailClosed;
  Outcome got;
  got.allow = true;
  auto allowed = CompareOutcome(expected, got);
  REQUIRE(allowed.size() == 1);
  CHECK(allowed[0] == "expected a fail-closed deny, got allow");
  got.allow = false;
  auto plain = CompareOutcome(expected, got);
  REQUIRE(plain.size() == 1);
  CHECK(plain[0] == "expected a fail-closed deny, got a deny that did not fail closed");
  got.fail_closed = true;
  got.errors = {"p.guard: no attribute x"};
  got.error_rules = {"p.guard"};
  CHECK(CompareOutcome(expected, got).empty());
  // A plain `expect deny` is still met by a fail-closed deny.
  Expectation deny;
  deny.expect = TestExpect::kDeny;
  CHECK(CompareOutcome(deny, got).empty());
}

dsl::ExprPtr Leaf(dsl::ExprKind kind) {
  auto e = std::make_unique<dsl::Expr>();
  e->kind = kind;
  e->span.line = 7;
  e->span.column = 3;
  return e;
}

dsl::ExprPtr Str(const std::string& text) {
  auto e = Leaf(dsl::ExprKind::kString);
  e->text = text;
  return e;
}

TEST_CASE("a constant request becomes AuthZEN JSON with entity and extension encodings") {
  auto record = Leaf(dsl::ExprKind::kRecord);
  auto add = [&](const std::string& key, dsl::ExprPtr value) {
    record->keys.push_back(key);
    record->args.push_back(std::move(value));
  };
  auto entity = Leaf(dsl::ExprKind::kEntity);
  entity->type_name = "User";
  entity->text = "fiona";
  add("who", std::move(entity));
  auto decimal = Leaf(dsl::ExprKind::kDecimal);
  decimal->text = "0.90";
  decimal->int_value = 9000;
  add("score", std::move(decimal));
  auto call = Leaf(dsl::ExprKind::kCall);
  call->name = "datetime";
  call->args.push_back(Str("2026-12-22T10:00:00Z"));
  add("now", std::move(call));
  auto neg = Leaf(dsl::ExprKind::kUnary);
  neg->unary_op = dsl::UnaryOp::kNeg;
  auto five = Leaf(dsl::ExprKind::kInt);
  five->int_value = 5;
  neg->args.push_back(std::move(five));
  add("delta", std::move(neg));
  auto set = Leaf(dsl::ExprKind::kSet);
  set->args.push_back(Str("a"));
  auto yes = Leaf(dsl::ExprKind::kBool);
  yes->bool_value = true;
  set->args.push_back(std::move(yes));
  add("items", std::move(set));

  auto json = ConstantToJson(*record);
  REQUIRE(json.ok());
  CHECK(*json == nlohmann::json::parse(R"({
    "who": {"__entity": {"type": "User", "id": "fiona"}},
    "score": {"__extn": {"fn": "decimal", "arg": "0.90"}},
    "now": {"__extn": {"fn": "datetime", "arg": "2026-12-22T10:00:00Z"}},
    "delta": -5,
    "items": ["a", true]})"));
}

TEST_CASE("a request that is not constant is refused with its position") {
  auto record = Leaf(dsl::ExprKind::kRecord);
  auto var = Leaf(dsl::ExprKind::kVar);
  var->name = "subject";
  record->keys.push_back("context");
  record->args.push_back(std::move(var));
  auto json = ConstantToJson(*record);
  REQUIRE_FALSE(json.ok());
  CHECK(json.status().message().find("line 7, column 3") != std::string::npos);
  CHECK(json.status().message().find("subject") != std::string::npos);

  auto call = Leaf(dsl::ExprKind::kCall);
  call->name = "ip";
  call->args.push_back(Leaf(dsl::ExprKind::kVar));
  CHECK_FALSE(ConstantToJson(*call).ok());
}

using testing::TempDir;

TEST_CASE("a folder means every folder below it that holds .arbiter files") {
  TempDir dir;
  dir.Write("packs/one/rules.arbiter", "");
  dir.Write("packs/one/schema.arbiterschema", "");
  dir.Write("packs/one/nested/more.arbiter", "");
  dir.Write("packs/two/README.md", "");
  dir.Write("packs/two/deeper/a.arbiter", "");
  dir.Write("packs/two/deeper/b.arbiter", "");

  auto packs = DiscoverPacks({(dir.path / "packs").string()});
  REQUIRE(packs.ok());
  REQUIRE(packs->size() == 3);
  std::string root = (dir.path / "packs").lexically_normal().generic_string();
  CHECK((*packs)[0].dir == root + "/one");
  CHECK((*packs)[0].files == std::vector<std::string>{root + "/one/rules.arbiter"});
  CHECK((*packs)[0].schema_path == root + "/one/schema.arbiterschema");
  CHECK_FALSE((*packs)[0].test_files.has_value());
  CHECK((*packs)[1].dir == root + "/one/nested");
  CHECK_FALSE((*packs)[1].schema_path.has_value());
  CHECK((*packs)[2].dir == root + "/two/deeper");
  CHECK((*packs)[2].files.size() == 2);
}

TEST_CASE("a file means its folder's pack, restricted to the tests in that file") {
  TempDir dir;
  dir.Write("p/rules.arbiter", "");
  dir.Write("p/a_test.arbiter", "");
  std::string file = (dir.path / "p/a_test.arbiter").string();
  auto packs = DiscoverPacks({file});
  REQUIRE(packs.ok());
  REQUIRE(packs->size() == 1);
  CHECK((*packs)[0].files.size() == 2);
  REQUIRE((*packs)[0].test_files.has_value());
  CHECK(*(*packs)[0].test_files ==
        std::set<std::string>{(dir.path / "p/a_test.arbiter").lexically_normal().generic_string()});

  // Naming the folder too runs the whole pack.
  auto both = DiscoverPacks({file, (dir.path / "p").string()});
  REQUIRE(both.ok());
  REQUIRE(both->size() == 1);
  CHECK_FALSE((*both)[0].test_files.has_value());
}

TEST_CASE("a missing path or a file that is not a policy is an error naming it") {
  TempDir dir;
  dir.Write("notes.txt", "");
  auto missing = DiscoverPacks({(dir.path / "nope").string()});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("nope") != std::string::npos);
  auto text = DiscoverPacks({(dir.path / "notes.txt").string()});
  REQUIRE_FALSE(text.ok());
  CHECK(text.status().message().find("not a policy file") != std::string::npos);
}

TEST_CASE("a folder without policies yields no packs") {
  TempDir dir;
  dir.Write("docs/readme.md", "");
  auto packs = DiscoverPacks({dir.path.string()});
  REQUIRE(packs.ok());
  CHECK(packs->empty());
}

}  // namespace
}  // namespace arbiter::policytest
