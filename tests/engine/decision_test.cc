// Combining rules into a decision: default deny, forbid wins, reasons, errors, fail-closed,
// obligations, matched, explain.
#include <catch2/catch.hpp>

#include "tests/engine/test_support.h"

using namespace arbiter;
using namespace arbiter::testing;

TEST_CASE("default deny when nothing matches") {
  Engine e = CompileOrDie("permit p { when action == Action::\"write\" }");
  Decision d = DecideOrDie(e, SimpleRequest("read"));
  CHECK_FALSE(d.allow);
  CHECK(d.reasons.empty());
  CHECK(d.errors.empty());
}

TEST_CASE("forbid wins over permit and the forbids are the reasons") {
  Engine e = CompileOrDie(R"(
    package app;
    permit p1 { when true reason "everyone reads" }
    permit p2 { when action == Action::"read" }
    forbid f1 { when context.blocked reason "blocked" }
    forbid f2 { when false }
  )");
  Decision allow = DecideOrDie(e, SimpleRequest("read", R"({"blocked":false})"));
  CHECK(allow.allow);
  CHECK(Ids(allow.reasons) == std::vector<std::string>{"app.p1", "app.p2"});
  CHECK(allow.reasons[0].message == "everyone reads");
  CHECK(allow.reasons[1].message == "");
  Decision deny = DecideOrDie(e, SimpleRequest("read", R"({"blocked":true})"));
  CHECK_FALSE(deny.allow);
  CHECK(Ids(deny.reasons) == std::vector<std::string>{"app.f1"});
  CHECK(deny.matched == std::vector<std::string_view>{"app.p1", "app.p2", "app.f1"});
}

TEST_CASE("an erroring rule does not match and its error is reported") {
  Engine e = CompileOrDie(R"(
    package app;
    permit p { when true }
    forbid f { when context.missing == 1 }
  )");
  Decision d = DecideOrDie(e, SimpleRequest());
  CHECK(d.allow);
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].rule == "app.f");
  CHECK(d.errors[0].message == "record has no attribute `missing`");
}

TEST_CASE("fail-closed package: an erroring forbid denies") {
  Engine e = CompileOrDie(R"(
    @fail_closed package app;
    permit p { when true }
    forbid f { when context.missing == 1 reason "safety" }
  )");
  Decision d = DecideOrDie(e, SimpleRequest());
  CHECK_FALSE(d.allow);
  CHECK(Ids(d.reasons) == std::vector<std::string>{"app.f"});
  CHECK(d.errors.size() == 1);
  CHECK(d.matched == std::vector<std::string_view>{"app.p"});
  // It says so: "could not evaluate", not "the policy said no".
  CHECK(d.fail_closed);
  CHECK(d.ToJson().find(R"("fail_closed":true)") != std::string::npos);
}

TEST_CASE("fail-closed: a deny the policy meant is not one, even with an erroring forbid") {
  Engine e = CompileOrDie(R"(
    @fail_closed package app;
    permit p { when true }
    forbid f { when context.missing == 1 reason "safety" }
    forbid g { when context.stop == true reason "stopped" }
  )");
  Decision meant = DecideOrDie(e, SimpleRequest("read", R"({"stop":true})"));
  CHECK_FALSE(meant.allow);
  CHECK_FALSE(meant.fail_closed);
  CHECK(meant.ToJson().find("fail_closed") == std::string::npos);
  Decision ordinary = DecideOrDie(CompileOrDie("permit p { when false }"), SimpleRequest());
  CHECK_FALSE(ordinary.allow);
  CHECK_FALSE(ordinary.fail_closed);
}

TEST_CASE("a non-bool condition is a type error") {
  Engine e = CompileOrDie("permit p { when context.n }");
  Decision d = DecideOrDie(e, SimpleRequest("read", R"({"n":1})"));
  CHECK_FALSE(d.allow);
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].message == "type error: expected bool, got int");
}

TEST_CASE("obligations and advice come from the determining rules") {
  Engine e = CompileOrDie(R"(
    package app;
    permit p {
      when true
      obligation log { level: "info", who: subject.name }
      advice hint
    }
    forbid f {
      when context.deny
      obligation alert { n: 1 }
    }
  )");
  std::string ents = R"([{"uid":{"type":"User","id":"alice"},"attrs":{"name":"Alice"}}])";
  Decision d = DecideOrDie(e, SimpleRequest("read", R"({"deny":false})"), ents);
  CHECK(d.allow);
  REQUIRE(d.obligations.size() == 2);
  CHECK(d.obligations[0].name == "log");
  CHECK(d.obligations[0].payload_json == R"({"level":"info","who":"Alice"})");
  CHECK(d.obligations[1].name == "hint");
  CHECK(d.obligations[1].advice);
  CHECK(d.obligations[1].payload_json == "null");
  Decision deny = DecideOrDie(e, SimpleRequest("read", R"({"deny":true})"), ents);
  REQUIRE(deny.obligations.size() == 1);
  CHECK(deny.obligations[0].name == "alert");
  CHECK(deny.obligations[0].payload_json == R"({"n":1})");
}

TEST_CASE("decision JSON has exactly the documented shape") {
  Engine e = CompileOrDie("package app;\npermit p { when true reason \"ok\" }\n");
  Decision d = DecideOrDie(e, SimpleRequest());
  CHECK(d.ToJson() == R"({"decision":"allow","reasons":[{"rule":"app.p","message":"ok"}],)"
                      R"("obligations":[],"errors":[],"bundle":")" + e.digest() + "\"}");
  CHECK(e.digest().starts_with("sha256:"));
  CHECK(e.digest().size() == 7 + 64);
}

TEST_CASE("explain says why each rule matched or not") {
  Engine e = CompileOrDie(R"(
    package app;
    permit p { when action == Action::"read" && context.level > 3 }
    permit q { when action == Action::"write" }
    forbid f { when context.x.y }
  )");
  Decision d = DecideOrDie(e, SimpleRequest("read", R"({"level":1,"x":{}})"), "[]", true);
  REQUIRE(d.explain.size() == 3);
  CHECK(d.explain[0].rule == "app.p");
  CHECK(d.explain[0].outcome == "not_matched");
  CHECK(d.explain[0].detail.find("context.level > 3") != std::string::npos);
  CHECK(d.explain[1].rule == "app.f");
  CHECK(d.explain[1].outcome == "error");
  CHECK(d.explain[2].rule == "app.q");
  CHECK(d.explain[2].outcome == "skipped");
  CHECK(d.ToJson().find("\"explain\":[") != std::string::npos);
}

TEST_CASE("request properties overlay entity attributes") {
  Engine e = CompileOrDie("permit p { when subject.level == 3 && resource.kind == \"x\" }");
  std::string ents = R"([{"uid":{"type":"User","id":"alice"},"attrs":{"level":1}}])";
  std::string req = R"({"subject":{"type":"User","id":"alice","properties":{"level":3}},
    "action":{"name":"read"},"resource":{"type":"Doc","id":"d","properties":{"kind":"x"}}})";
  CHECK(DecideOrDie(e, req, ents).allow);
}

TEST_CASE("action entities may have parents (action groups)") {
  Engine e = CompileOrDie("permit p { when action in Action::\"readers\" }");
  std::string ents = R"([{"uid":{"type":"Action","id":"read"},"parents":[{"type":"Action","id":"readers"}]},
                         {"uid":{"type":"Action","id":"readers"}}])";
  CHECK(DecideOrDie(e, SimpleRequest("read"), ents).allow);
  CHECK_FALSE(DecideOrDie(e, SimpleRequest("write"), ents).allow);
}

TEST_CASE("contains on a string: the checker accepts what the VM evaluates") {
  Engine e = CompileOrDie(R"(permit p { when context.channel.contains("risk") && "model-risk".contains("l-r") })");
  CHECK(DecideOrDie(e, SimpleRequest("read", R"({"channel":"model-risk"})")).allow);
  CHECK_FALSE(DecideOrDie(e, SimpleRequest("read", R"({"channel":"ops"})")).allow);
}
