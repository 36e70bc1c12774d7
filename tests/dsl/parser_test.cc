#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>

#include "dsl/frontend.h"

using namespace arbiter::dsl;

namespace {

FrontendResult Load(std::string text) {
  return LoadPolicySources({{"test.arbiter", std::move(text)}});
}

std::string Codes(const FrontendResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) {
    if (!out.empty()) out += ",";
    out += d.code;
  }
  return out;
}

std::string Dump(const FrontendResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += FormatDiagnostic(d, *r.policies.sources) + "\n";
  return out;
}

}  // namespace

TEST_CASE("the sketch's first example parses and lowers", "[parser]") {
  auto r = Load(R"(// Files end in .arbiter.
package ai.model_deployment;

@control("EU AI Act Art. 9")
@control("ISO/IEC 42001 A.6.2.5")
permit owner_team_deploys {
  when action == Action::"deploy"
    && resource is Model
    && subject in resource.owner_team
  reason "the owning team may deploy its own models"
}

@control("EU AI Act Art. 14")
forbid high_risk_needs_approval {
  when action == Action::"deploy" && resource.risk_tier == "high"
  unless any e in context.evidence : e.kind == "approval" && e.role == "risk-officer"
  reason "high-risk models need a named risk-officer approval"
  obligation notify { channel: "risk-team", model: resource.name }
}

test owner_can_deploy {
  data "entities.json"
  request {
    subject: { type: "User", id: "alice" },
    action: { name: "deploy" },
    resource: { type: "Model", id: "fraud-v3" },
    context: { evidence: [] }
  }
  expect allow
  reasons [ai.model_deployment.owner_team_deploys]
}
)");
  INFO(Dump(r));
  REQUIRE(r.ok());
  REQUIRE(r.policies.rules.size() == 2);
  const Rule& permit = r.policies.rules[0];
  CHECK(permit.qualified_id == "ai.model_deployment.owner_team_deploys");
  CHECK(permit.effect == Effect::kPermit);
  CHECK(permit.annotations.size() == 2);
  CHECK(permit.annotations[1].value == "ISO/IEC 42001 A.6.2.5");
  CHECK(permit.reason == "the owning team may deploy its own models");
  CHECK(permit.condition->kind == ExprKind::kAnd);
  CHECK(permit.span.line == 4);
  const Rule& forbid = r.policies.rules[1];
  CHECK(forbid.effect == Effect::kForbid);
  // unless folded: when && !any
  REQUIRE(forbid.condition->kind == ExprKind::kAnd);
  CHECK(forbid.condition->args[1]->kind == ExprKind::kUnary);
  const Expr& any = *forbid.condition->args[1]->args[0];
  CHECK(any.kind == ExprKind::kAny);
  CHECK(any.slot == kFirstLocalSlot);
  CHECK(forbid.num_locals == 1);
  REQUIRE(forbid.obligations.size() == 1);
  CHECK(forbid.obligations[0].name == "notify");
  CHECK(forbid.obligations[0].payload->keys == std::vector<std::string>{"channel", "model"});
  REQUIRE(r.policies.tests.size() == 1);
  const TestCase& t = r.policies.tests[0];
  CHECK(t.name == "owner_can_deploy");
  CHECK(t.data_path == "entities.json");
  CHECK(t.expect == TestExpect::kAllow);
  CHECK(t.expect_reasons == std::vector<std::string>{"ai.model_deployment.owner_team_deploys"});
  CHECK(t.request->kind == ExprKind::kRecord);
}

TEST_CASE("syntax errors are reported for every broken declaration", "[parser]") {
  auto r = Load(R"(permit a {
  when subject ==
}
permit b { when true }
forbid c {
  when (1 + 
}
)");
  INFO(Dump(r));
  CHECK(Codes(r) == "E0110,E0110");
  CHECK(r.diagnostics[0].span.line == 3);
  CHECK(r.diagnostics[1].span.line == 7);
}

namespace {

const Expr& Cond(const FrontendResult& r, size_t i = 0) { return *r.policies.rules.at(i).condition; }

FrontendResult LoadOk(std::string text) {
  FrontendResult r = Load(std::move(text));
  INFO(Dump(r));
  REQUIRE(r.ok());
  return r;
}

}  // namespace

TEST_CASE("precedence and associativity", "[parser]") {
  auto r = LoadOk("permit a { when context.a || context.b && !context.c == false }");
  const Expr& e = Cond(r);
  REQUIRE(e.kind == ExprKind::kOr);
  REQUIRE(e.args[1]->kind == ExprKind::kAnd);
  const Expr& eq = *e.args[1]->args[1];
  REQUIRE(eq.kind == ExprKind::kBinary);
  CHECK(eq.binary_op == BinaryOp::kEq);
  CHECK(eq.args[0]->kind == ExprKind::kUnary);
  auto arith = LoadOk("permit a { when 1 - 2 - 3 * 4 == -5 }");
  const Expr& lhs = *Cond(arith).args[0];
  CHECK(lhs.binary_op == BinaryOp::kSub);
  CHECK(lhs.args[0]->binary_op == BinaryOp::kSub);  // left-associative
  CHECK(lhs.args[1]->binary_op == BinaryOp::kMul);
  const Expr& neg = *Cond(arith).args[1];
  CHECK(neg.kind == ExprKind::kInt);
  CHECK(neg.int_value == -5);
  auto min = LoadOk("permit a { when context.x == -9223372036854775808 }");
  CHECK(Cond(min).args[1]->int_value == INT64_MIN);
}

TEST_CASE("prefix forms extend to the right; let values stop at `in`", "[parser]") {
  auto r = LoadOk("permit a { when context.a && any x in context.s : x > 1 || x < 0 }");
  const Expr& any = *Cond(r).args[1];
  REQUIRE(any.kind == ExprKind::kAny);
  CHECK(any.args[1]->kind == ExprKind::kOr);
  auto let = LoadOk("permit a { when let x = context.u in x in context.g }");
  const Expr& l = Cond(let);
  REQUIRE(l.kind == ExprKind::kLet);
  CHECK(l.args[0]->kind == ExprKind::kGetAttr);
  CHECK(l.args[1]->binary_op == BinaryOp::kIn);
  CHECK(l.slot == kFirstLocalSlot);
  auto paren = LoadOk("permit a { when let x = (subject in context.g) in x }");
  CHECK(Cond(paren).args[0]->binary_op == BinaryOp::kIn);
  // Each binder of a rule gets its own slot; shadowing resolves to the innermost.
  auto slots = LoadOk(
      "permit a { when let x = 1 in let y = x in any x in [y] : x == y && all z in [x] : z == "
      "1 }");
  CHECK(slots.policies.rules[0].num_locals == 4);
  const Expr& inner_any = *Cond(slots).args[1]->args[1];
  REQUIRE(inner_any.kind == ExprKind::kAny);
  CHECK(inner_any.slot == kFirstLocalSlot + 2);
  CHECK(inner_any.args[1]->args[0]->args[0]->slot == kFirstLocalSlot + 2);  // x: the any's
  CHECK(inner_any.args[1]->args[0]->args[1]->slot == kFirstLocalSlot + 1);  // y
}

TEST_CASE("literals, attributes, methods, entity types", "[parser]") {
  auto r = LoadOk(
      "permit a { when resource[\"odd key\"] has \"x y\" && context.p like \"a\\*b*\" && "
      "subject is Ns::User in Ns::Group::\"g\\\"1\" && context.d == 12.5 && "
      "context.s.containsAny([\"\\u{e9}\", \"\\n\"]) }");
  std::vector<const Expr*> parts;
  std::function<void(const Expr&)> flatten = [&](const Expr& e) {
    if (e.kind == ExprKind::kAnd) {
      flatten(*e.args[0]);
      flatten(*e.args[1]);
    } else {
      parts.push_back(&e);
    }
  };
  flatten(Cond(r));
  REQUIRE(parts.size() == 5);
  CHECK(parts[0]->kind == ExprKind::kHasAttr);
  CHECK(parts[0]->name == "x y");
  CHECK(parts[0]->args[0]->kind == ExprKind::kGetAttr);
  CHECK(parts[0]->args[0]->name == "odd key");
  CHECK(parts[1]->kind == ExprKind::kLike);
  CHECK(parts[1]->text == "a\\*b*");
  CHECK(parts[2]->kind == ExprKind::kIs);
  CHECK(parts[2]->type_name == "Ns::User");
  REQUIRE(parts[2]->args.size() == 2);
  CHECK(parts[2]->args[1]->type_name == "Ns::Group");
  CHECK(parts[2]->args[1]->text == "g\"1");
  CHECK(parts[3]->args[1]->kind == ExprKind::kDecimal);
  CHECK(parts[3]->args[1]->int_value == 125000);
  CHECK(parts[3]->args[1]->text == "12.5");
  const Expr& method = *parts[4];
  REQUIRE(method.kind == ExprKind::kMethod);
  CHECK(method.name == "containsAny");
  CHECK(method.args[1]->args[0]->text == "\xC3\xA9");
  CHECK(method.args[1]->args[1]->text == "\n");
}

TEST_CASE("rules: defaults, annotations, obligations, advice, packages", "[parser]") {
  auto r = LoadOk(
      "@fail_closed\npackage a.b;\n@c(\"1\") @flag\nforbid x { advice log obligation o { k: "
      "context.v } }\npermit y { unless context.off }\n");
  const Rule& x = r.policies.rules[0];
  CHECK(x.qualified_id == "a.b.x");
  CHECK(x.package == "a.b");
  CHECK(x.fail_closed);
  REQUIRE(x.annotations.size() == 2);
  CHECK(x.annotations[1].key == "flag");
  CHECK(x.annotations[1].value.empty());
  CHECK(x.condition->kind == ExprKind::kBool);
  CHECK(x.condition->bool_value);
  REQUIRE(x.obligations.size() == 2);
  CHECK(x.obligations[0].advice);
  CHECK(x.obligations[0].payload == nullptr);
  CHECK_FALSE(x.obligations[1].advice);
  CHECK(x.obligations[1].payload->kind == ExprKind::kRecord);
  const Rule& y = r.policies.rules[1];
  REQUIRE(y.condition->kind == ExprKind::kAnd);
  CHECK(y.condition->args[0]->bool_value);
  CHECK(y.condition->args[1]->unary_op == UnaryOp::kNot);
  // Spans point at the source.
  CHECK(y.span.line == 5);
  CHECK(y.span.column == 1);
  CHECK(x.span.line == 3);
}

TEST_CASE("packages span files; ids are unique across them", "[parser]") {
  auto r = LoadPolicySources({{"one.arbiter", "package p;\npermit a {}"},
                              {"two.arbiter", "package p;\npermit b {}\ntest t { request { "
                                              "subject: {} } expect allow reasons [a, p.b] }"}});
  REQUIRE(r.ok());
  CHECK(r.policies.rules.size() == 2);
  CHECK(*r.policies.tests[0].expect_reasons == std::vector<std::string>{"p.a", "p.b"});
  auto dup = LoadPolicySources({{"one.arbiter", "package p;\npermit a {}"},
                                {"two.arbiter", "package p;\nforbid a {}"}});
  REQUIRE(dup.diagnostics.size() == 1);
  CHECK(dup.diagnostics[0].code == "E0205");
  CHECK(dup.diagnostics[0].span.file == 1);
  CHECK_THAT(dup.diagnostics[0].message, Catch::Contains("one.arbiter:2:1"));
}

TEST_CASE("diagnostics: text with caret, and JSON", "[parser]") {
  auto r = Load("permit a {\n\twhen nope == 1\n}\n");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(FormatDiagnostic(r.diagnostics[0], *r.policies.sources) ==
        "test.arbiter:2:7: error[E0201]: unknown variable `nope` (the request variables are "
        "subject, action, resource and context)\n  \twhen nope == 1\n  \t     ^~~~");
  auto json = DiagnosticsToJson(r.diagnostics, *r.policies.sources);
  REQUIRE(json.size() == 1);
  CHECK(json[0]["path"] == "test.arbiter");
  CHECK(json[0]["line"] == 2);
  CHECK(json[0]["column"] == 7);
  CHECK(json[0]["end_line"] == 2);
  CHECK(json[0]["end_column"] == 11);
  CHECK(json[0]["severity"] == "error");
  CHECK(json[0]["code"] == "E0201");
}

TEST_CASE("folders load every .arbiter file below them, sorted", "[parser]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "arbiter_dsl_folder_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "b.arbiter") << "permit b {}";
  std::ofstream(dir / "sub" / "a.arbiter") << "permit a {}";
  std::ofstream(dir / "ignored.txt") << "garbage";
  auto r = LoadPolicyFiles({dir.string()});
  INFO(Dump(r));
  REQUIRE(r.ok());
  REQUIRE(r.policies.rules.size() == 2);
  CHECK(r.policies.rules[0].id == "b");  // "b.arbiter" < "sub/a.arbiter"
  CHECK(r.policies.rules[1].id == "a");
  fs::remove_all(dir);
}

TEST_CASE("tests may expect an evaluation error or a fail-closed deny, and name erring rules",
          "[parser]") {
  auto r = LoadPolicySources(
      {{"p.arbiter",
        "package p;\npermit a {}\nforbid b {}\n"
        "test e { request { subject: {} } expect error errors [a, q.c] }\n"
        "test f { request { subject: {} } expect fail_closed errors [] }\n"
        "test d { request { subject: {} } expect deny }\n"},
       {"q.arbiter", "package q;\nforbid c {}\n"}});
  REQUIRE(r.ok());
  REQUIRE(r.policies.tests.size() == 3);
  CHECK(r.policies.tests[0].expect == TestExpect::kError);
  CHECK(*r.policies.tests[0].expect_errors == std::vector<std::string>{"p.a", "q.c"});
  CHECK(r.policies.tests[1].expect == TestExpect::kFailClosed);
  CHECK(r.policies.tests[1].expect_errors->empty());
  CHECK(r.policies.tests[2].expect == TestExpect::kDeny);
  CHECK_FALSE(r.policies.tests[2].expect_errors.has_value());

  // A rule in `errors` must exist, as in `reasons` (E0208); a duplicate clause is E0114.
  auto unknown = Load("package p;\ntest t { request { subject: {} } expect error errors [nope] }");
  REQUIRE(unknown.diagnostics.size() == 1);
  CHECK(unknown.diagnostics[0].code == "E0208");
  CHECK_THAT(unknown.diagnostics[0].message, Catch::Contains("p.nope"));
  auto twice = Load("permit a {}\ntest t { request { subject: {} } expect error errors [a] "
                    "errors [a] }");
  REQUIRE(twice.diagnostics.size() == 1);
  CHECK(twice.diagnostics[0].code == "E0114");
  // Any other word after `expect` is a syntax error that lists the four.
  auto bad = Load("test t { request { subject: {} } expect maybe }");
  REQUIRE_FALSE(bad.diagnostics.empty());
  CHECK_THAT(bad.diagnostics[0].message,
             Catch::Contains("`allow`, `deny`, `error` or `fail_closed`"));
}
