#include <catch2/catch.hpp>

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
  CHECK(t.expect_allow);
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
