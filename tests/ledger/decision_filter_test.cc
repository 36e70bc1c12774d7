// DecisionFilter: what `audit export` and `audit report` select (spec/ledger-format.md,
// "Decision filters").
#include <catch2/catch.hpp>

#include "arbiter/ledger.h"

using arbiter::ledger::DecisionFilter;

namespace {

const char* kDecision =
    R"({"bundle":"sha256:00","controls":["EU AI Act Art. 14","SOC 2 CC6.1"],)"
    R"("decision":"deny","decision_id":"d-1","errors":[],"obligations":[],)"
    R"("reasons":[{"message":"m","rule":"ai.model_deployment.needs_approval"}],)"
    R"("request":{"action":{"name":"deploy"},"resource":{"id":"fraud::v2","type":"Model"},)"
    R"("subject":{"id":"alice","type":"User"}}})";

}  // namespace

TEST_CASE("an empty filter matches every decision and nothing else") {
  DecisionFilter f;
  CHECK(f.empty());
  CHECK(f.Matches(kDecision));
  CHECK_FALSE(f.Matches(R"({"author":"x","decision_ids":["d-1"],"type":"approval"})"));
  CHECK_FALSE(f.Matches("not json"));
}

TEST_CASE("each member narrows; a list member matches any of its values") {
  DecisionFilter f;
  f.controls = {"NIST AI RMF GOVERN 1.1", "EU AI Act Art. 14"};
  CHECK(f.Matches(kDecision));
  f.controls = {"EU AI Act Art. 1"};  // exact, not a prefix
  CHECK_FALSE(f.Matches(kDecision));
  f.controls.clear();
  f.rules = {"ai.model_deployment.needs_approval"};
  CHECK(f.Matches(kDecision));
  f.decision = "allow";
  CHECK_FALSE(f.Matches(kDecision));
  f.decision = "deny";
  f.decision_ids = {"d-2"};
  CHECK_FALSE(f.Matches(kDecision));
  f.decision_ids = {"d-2", "d-1"};
  CHECK(f.Matches(kDecision));
  f.action = "deploy";
  CHECK(f.Matches(kDecision));
  f.action = "delete";
  CHECK_FALSE(f.Matches(kDecision));
}

TEST_CASE("entities are matched as Type::\"id\", Type::id or a bare id") {
  DecisionFilter f;
  for (const char* s : {R"(User::"alice")", "User::alice", "alice"}) {
    f.subject = s;
    CHECK(f.Validate().ok());
    CHECK(f.Matches(kDecision));
  }
  f.subject = "Group::alice";
  CHECK_FALSE(f.Matches(kDecision));
  f.subject.clear();
  // A quoted id may hold "::".
  f.resource = R"(Model::"fraud::v2")";
  CHECK(f.Matches(kDecision));
  f.resource = "fraud::v2";  // read as type fraud, id v2
  CHECK_FALSE(f.Matches(kDecision));
}

TEST_CASE("a request recorded as a digest matches no entity filter") {
  const char* digest_only =
      R"({"bundle":"sha256:00","decision":"allow","decision_id":"d-3","errors":[],)"
      R"("obligations":[],"reasons":[],"request_digest":"sha256:11"})";
  DecisionFilter f;
  CHECK(f.Matches(digest_only));
  f.subject = "alice";
  CHECK_FALSE(f.Matches(digest_only));
}

TEST_CASE("bad filter values are refused with the flag's name") {
  DecisionFilter f;
  f.decision = "maybe";
  CHECK(f.Validate().message().find("--decision") != std::string::npos);
  f.decision.clear();
  f.subject = R"(::"x")";
  CHECK(f.Validate().message().find("--subject") != std::string::npos);
  f.subject = R"(User::"unterminated)";
  CHECK_FALSE(f.Validate().ok());
}
