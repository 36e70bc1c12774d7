// The runner end to end on small packs written here: failures with file:line and expected vs
// got, coverage of unexercised rules, JSON output, packs that do not compile, bad data.
#include <catch2/catch.hpp>

#include <string>

#include "policytest/report.h"
#include "policytest/runner.h"
#include "tests/stdlib/temp_dir.h"

namespace arbiter::policytest {
namespace {

using testing::TempDir;

// Line numbers matter: the tests below check them.
constexpr const char* kRules = R"(package demo;

@control("SOC 2 CC6.1")
permit readers {
  when action == Action::"read"
  reason "anyone may read"
  obligation log { level: "info" }
}

forbid blocked {
  when subject has blocked && subject.blocked
  reason "blocked users may do nothing"
}

permit writers {
  when action == Action::"write" && subject in Group::"editors"
}
)";

constexpr const char* kTests = R"(package demo;

test read_is_allowed {
  data "entities.json"
  request {
    subject: { type: "User", id: "ann" },
    action: { name: "read" },
    resource: { type: "Doc", id: "d1" },
    context: {}
  }
  expect allow
  reasons [demo.readers]
  obligations [log]
}

test wrong_decision {
  data "entities.json"
  request {
    subject: { type: "User", id: "ann" },
    action: { name: "read" },
    resource: { type: "Doc", id: "d1" },
    context: {}
  }
  expect deny
}

test blocked_user {
  data "entities.json"
  request {
    subject: { type: "User", id: "ann", properties: { blocked: true } },
    action: { name: "read" },
    resource: { type: "Doc", id: "d1" },
    context: {}
  }
  expect deny
  reasons [demo.readers]
  obligations []
}

test missing_data {
  data "no-such-file.json"
  request {
    subject: { type: "User", id: "ann" },
    action: { name: "read" },
    resource: { type: "Doc", id: "d1" },
    context: {}
  }
  expect allow
}
)";

constexpr const char* kEntities = R"([
  {"uid": {"type": "User", "id": "ann"}, "attrs": {}, "parents": []},
  {"uid": {"type": "Group", "id": "editors"}, "attrs": {}, "parents": []}
])";

void WriteDemoPack(const TempDir& dir) {
  dir.Write("demo/rules.arbiter", kRules);
  dir.Write("demo/demo_test.arbiter", kTests);
  dir.Write("demo/entities.json", kEntities);
}

const TestResult& Find(const RunReport& report, const std::string& name) {
  for (const TestResult& test : report.tests) {
    if (test.name == name) return test;
  }
  FAIL("no test named " << name);
  throw;
}

TEST_CASE("passing and failing tests are counted, failures name file, line, expected and got") {
  TempDir dir;
  WriteDemoPack(dir);
  RunOptions options;
  auto report = RunTests({dir / "demo"}, options);
  REQUIRE(report.ok());
  CHECK(report->passed == 1);
  CHECK(report->failed == 3);
  CHECK(ExitCode(*report, options) == 1);

  CHECK(Find(*report, "read_is_allowed").passed());
  const TestResult& wrong = Find(*report, "wrong_decision");
  CHECK(wrong.file == dir / "demo/demo_test.arbiter");
  CHECK(wrong.line == 16);
  REQUIRE(wrong.failures.size() == 1);
  CHECK(wrong.failures[0] == "expected deny, got allow");

  const TestResult& blocked = Find(*report, "blocked_user");
  REQUIRE(blocked.got.has_value());
  CHECK_FALSE(blocked.got->allow);
  REQUIRE(blocked.failures.size() == 1);
  CHECK(blocked.failures[0] == "expected reasons [demo.readers], got [demo.blocked]");

  const TestResult& missing = Find(*report, "missing_data");
  CHECK_FALSE(missing.got.has_value());
  REQUIRE(missing.failures.size() == 1);
  CHECK(missing.failures[0].rfind("cannot load data no-such-file.json", 0) == 0);

  std::string text = FormatText(*report, options);
  CHECK(text.find(dir / "demo/demo_test.arbiter" + ":16: wrong_decision: expected deny, got allow\n") !=
        std::string::npos);
  CHECK(text.find(":27: blocked_user: expected reasons [demo.readers], got [demo.blocked]") !=
        std::string::npos);
  CHECK(text.find("read_is_allowed") == std::string::npos);
  // The summary is the last line, exactly.
  CHECK(text.size() >= 18);
  CHECK(text.substr(text.rfind('\n', text.size() - 2) + 1) == "1 passed, 3 failed\n");
}

TEST_CASE("coverage lists the rules no test made match") {
  TempDir dir;
  WriteDemoPack(dir);
  RunOptions options;
  options.coverage = true;
  auto report = RunTests({dir / "demo"}, options);
  REQUIRE(report.ok());
  REQUIRE(report->rules.size() == 3);
  CHECK(report->exercised_rules() == 2);

  std::string text = FormatText(*report, options);
  CHECK(text.find("coverage: " + dir / "demo" + " 2/3 rules\n") != std::string::npos);
  CHECK(text.find("unexercised: " + dir / "demo/rules.arbiter" + ":15: demo.writers\n") !=
        std::string::npos);
  CHECK(text.find("unexercised: " + dir / "demo/rules.arbiter" + ":10") == std::string::npos);

  // Without --coverage nothing about coverage is printed.
  CHECK(FormatText(*report, RunOptions{}).find("unexercised") == std::string::npos);

  RunOptions strict;
  strict.min_coverage = 100;
  CHECK(ExitCode(*report, strict) == 1);
}

TEST_CASE("a fully covered, passing pack exits 0, and --min-coverage fails it when rules are missed") {
  TempDir dir;
  dir.Write("ok/rules.arbiter", R"(package ok;
permit readers { when action == Action::"read" }
forbid nobody_writes { when action == Action::"write" }
test reads { request { subject: { type: "User", id: "a" }, action: { name: "read" },
  resource: { type: "Doc", id: "d" }, context: {} } expect allow reasons [ok.readers] }
)");
  RunOptions options;
  options.min_coverage = 50;
  auto report = RunTests({dir / "ok"}, options);
  REQUIRE(report.ok());
  CHECK(report->passed == 1);
  CHECK(report->failed == 0);
  CHECK(report->coverage_percent() == Approx(50.0));
  CHECK(ExitCode(*report, options) == 0);
  options.min_coverage = 100;
  CHECK(ExitCode(*report, options) == 1);
}

TEST_CASE("JSON output carries every test with expected and got, and coverage when asked") {
  TempDir dir;
  WriteDemoPack(dir);
  RunOptions options;
  options.coverage = true;
  auto report = RunTests({dir / "demo"}, options);
  REQUIRE(report.ok());
  nlohmann::json json = ReportToJson(*report, options);
  CHECK(json["passed"] == 1);
  CHECK(json["failed"] == 3);
  REQUIRE(json["tests"].size() == 4);
  const nlohmann::json* wrong = nullptr;
  for (const auto& test : json["tests"]) {
    if (test["name"] == "wrong_decision") wrong = &test;
  }
  REQUIRE(wrong != nullptr);
  CHECK((*wrong)["line"] == 16);
  CHECK((*wrong)["passed"] == false);
  CHECK((*wrong)["expected"]["decision"] == "deny");
  CHECK((*wrong)["expected"]["reasons"].is_null());
  CHECK((*wrong)["got"]["decision"] == "allow");
  CHECK((*wrong)["got"]["reasons"] == nlohmann::json::array({"demo.readers"}));
  CHECK((*wrong)["failures"] == nlohmann::json::array({"expected deny, got allow"}));
  CHECK(json["coverage"]["total"] == 3);
  CHECK(json["coverage"]["exercised"] == 2);
  CHECK(json["coverage"]["unexercised"] == nlohmann::json::array({"demo.writers"}));
  CHECK_FALSE(ReportToJson(*report, RunOptions{}).contains("coverage"));
}

TEST_CASE("a pack that does not compile counts as one failure and shows its diagnostics") {
  TempDir dir;
  dir.Write("broken/rules.arbiter", "package broken;\npermit oops { when action == }\n");
  dir.Write("fine/rules.arbiter", R"(package fine;
permit everyone { when true }
test anything { request { subject: { type: "User", id: "a" }, action: { name: "read" },
  resource: { type: "Doc", id: "d" }, context: {} } expect allow }
)");
  RunOptions options;
  auto report = RunTests({dir.path.string()}, options);
  REQUIRE(report.ok());
  CHECK(report->passed == 1);
  CHECK(report->failed == 1);
  std::string text = FormatText(*report, options);
  CHECK(text.find(dir / "broken" + ": the pack does not compile") != std::string::npos);
  CHECK(text.find("rules.arbiter:2:") != std::string::npos);
  CHECK(text.find("error[") != std::string::npos);
  nlohmann::json json = ReportToJson(*report, options);
  bool saw_broken = false;
  for (const auto& pack : json["packs"]) {
    if (pack["pack"] == dir / "broken") {
      saw_broken = true;
      CHECK(pack["ok"] == false);
      CHECK_FALSE(pack["diagnostics"].empty());
    }
  }
  CHECK(saw_broken);
}

TEST_CASE("a file argument runs only the tests written in that file") {
  TempDir dir;
  WriteDemoPack(dir);
  dir.Write("demo/more_test.arbiter", R"(package demo;
test only_this { request { subject: { type: "User", id: "a" }, action: { name: "read" },
  resource: { type: "Doc", id: "d" }, context: {} } expect allow }
)");
  auto report = RunTests({dir / "demo/more_test.arbiter"}, RunOptions{});
  REQUIRE(report.ok());
  REQUIRE(report->tests.size() == 1);
  CHECK(report->tests[0].name == "only_this");
  CHECK(report->failed == 0);
}

TEST_CASE("no tests found is a failing run; a missing path is an error") {
  TempDir dir;
  dir.Write("rules/only.arbiter", "package r;\npermit p { when true }\n");
  auto report = RunTests({dir / "rules"}, RunOptions{});
  REQUIRE(report.ok());
  CHECK(report->tests.empty());
  CHECK(ExitCode(*report, RunOptions{}) == 1);
  CHECK(FormatText(*report, RunOptions{}) == "0 passed, 0 failed\n");

  auto missing = RunTests({dir / "nothing-here"}, RunOptions{});
  CHECK_FALSE(missing.ok());
}

TEST_CASE("bad entity data fails the test with the file's error") {
  TempDir dir;
  dir.Write("p/rules.arbiter", R"(package p;
permit everyone { when true }
test with_bad_data { data "bad.json" request { subject: { type: "User", id: "a" },
  action: { name: "read" }, resource: { type: "Doc", id: "d" }, context: {} } expect allow }
)");
  dir.Write("p/bad.json", "[{\"uid\": ");
  auto report = RunTests({dir / "p"}, RunOptions{});
  REQUIRE(report.ok());
  REQUIRE(report->tests.size() == 1);
  REQUIRE(report->tests[0].failures.size() == 1);
  CHECK(report->tests[0].failures[0].rfind("cannot load data bad.json: ", 0) == 0);
  CHECK(report->tests[0].failures[0].find("bad.json:1:") != std::string::npos);
}

TEST_CASE("a request the engine refuses or that is not constant fails the test, not the run") {
  TempDir dir;
  dir.Write("p/rules.arbiter", R"(package p;
permit everyone { when true }
test no_subject { request { action: { name: "read" }, resource: { type: "Doc", id: "d" },
  context: {} } expect allow }
test not_constant { request { subject: { type: "User", id: "a" }, action: { name: "read" },
  resource: { type: "Doc", id: "d" }, context: { n: 1 + 2 } } expect allow }
test fine { request { subject: { type: "User", id: "a" }, action: { name: "read" },
  resource: { type: "Doc", id: "d" }, context: {} } expect allow }
)");
  auto report = RunTests({dir / "p"}, RunOptions{});
  REQUIRE(report.ok());
  CHECK(report->passed == 1);
  CHECK(report->failed == 2);
  const TestResult& no_subject = Find(*report, "no_subject");
  REQUIRE(no_subject.failures.size() == 1);
  CHECK(no_subject.failures[0].rfind("bad request: ", 0) == 0);
  CHECK(no_subject.failures[0].find("subject") != std::string::npos);
  const TestResult& not_constant = Find(*report, "not_constant");
  REQUIRE(not_constant.failures.size() == 1);
  CHECK(not_constant.failures[0].find("line 6") != std::string::npos);
  CHECK(not_constant.failures[0].find("constant") != std::string::npos);
}

TEST_CASE("a failing test shows the evaluation errors the engine reported") {
  TempDir dir;
  dir.Write("p/rules.arbiter", R"(package p;
permit readers { when context.level > 2 }
test errors_shown { request { subject: { type: "User", id: "a" }, action: { name: "read" },
  resource: { type: "Doc", id: "d" }, context: {} } expect allow }
)");
  auto report = RunTests({dir / "p"}, RunOptions{});
  REQUIRE(report.ok());
  REQUIRE(report->tests.size() == 1);
  REQUIRE(report->tests[0].failures.size() == 1);
  CHECK(report->tests[0].failures[0].find("expected allow, got deny (errors: p.readers: ") == 0);
}

}  // namespace
}  // namespace arbiter::policytest
