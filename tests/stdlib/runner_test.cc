// The runner end to end on small packs written here: failures with file:line and expected vs
// got, coverage of unexercised rules, JSON output, packs that do not compile, bad data.
#include <catch2/catch.hpp>

#include <string>

#include "policytest/junit.h"
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

// A @fail_closed package whose guard errors without context.level, and an open package whose
// permit errors the same way. Line numbers matter: the tests below check them.
constexpr const char* kErrorPacks = R"(@fail_closed
package fc;

forbid guard {
  when context.level > 2
}

permit reads {
  when action == Action::"read"
}

test fails_closed {
  request { subject: { type: "User", id: "a" }, action: { name: "read" }, resource: { type: "Doc", id: "d" }, context: {} }
  expect fail_closed
  errors [guard]
}

test plain_deny {
  request { subject: { type: "User", id: "a" }, action: { name: "write" }, resource: { type: "Doc", id: "d" }, context: { level: 1 } }
  expect fail_closed
}

test no_error {
  request { subject: { type: "User", id: "a" }, action: { name: "read" }, resource: { type: "Doc", id: "d" }, context: { level: 1 } }
  expect error
}
)";

constexpr const char* kOpenPack = R"(package open;

permit high {
  when context.level > 2
}

test high_errors {
  request { subject: { type: "User", id: "a" }, action: { name: "read" }, resource: { type: "Doc", id: "d" }, context: {} }
  expect error
  errors [high]
}

test not_fail_closed {
  request { subject: { type: "User", id: "a" }, action: { name: "read" }, resource: { type: "Doc", id: "d" }, context: {} }
  expect fail_closed
}
)";

void WriteErrorPacks(const TempDir& dir) {
  dir.Write("fc/rules.arbiter", kErrorPacks);
  dir.Write("open/rules.arbiter", kOpenPack);
}

TEST_CASE("expect error and expect fail_closed are compared with the engine's errors") {
  TempDir dir;
  WriteErrorPacks(dir);
  RunOptions options;
  auto report = RunTests({dir.path.string()}, options);
  REQUIRE(report.ok());
  CHECK(report->passed == 2);
  CHECK(report->failed == 3);
  CHECK(Find(*report, "fails_closed").passed());
  CHECK(Find(*report, "fails_closed").got->fail_closed);
  CHECK(Find(*report, "high_errors").passed());
  const TestResult& plain = Find(*report, "plain_deny");
  REQUIRE(plain.failures.size() == 1);
  CHECK(plain.failures[0] == "expected a fail-closed deny, got a deny that did not fail closed");
  const TestResult& none = Find(*report, "no_error");
  REQUIRE(none.failures.size() == 1);
  CHECK(none.failures[0] == "expected an evaluation error, got none (allow)");
  // An error that denies in an open package is not a fail-closed deny.
  const TestResult& open = Find(*report, "not_fail_closed");
  REQUIRE(open.failures.size() == 1);
  CHECK(open.failures[0].find("expected a fail-closed deny, got a deny that did not fail closed "
                              "(errors: open.high: ") == 0);
  nlohmann::json json = ReportToJson(*report, options);
  CHECK(json["tests"][0]["expected"]["decision"] == "fail_closed");
  CHECK(json["tests"][0]["expected"]["errors"] == nlohmann::json::array({"fc.guard"}));
  CHECK(json["tests"][0]["got"]["fail_closed"] == true);
}

TEST_CASE("--filter keeps the tests whose bare or qualified name matches a glob") {
  TempDir dir;
  WriteErrorPacks(dir);
  RunOptions options;
  options.filters = {"fc.fails_*"};
  auto qualified = RunTests({dir.path.string()}, options);
  REQUIRE(qualified.ok());
  REQUIRE(qualified->tests.size() == 1);
  CHECK(qualified->tests[0].name == "fails_closed");
  CHECK(ExitCode(*qualified, options) == 0);

  options.filters = {"no_?rror", "high_*"};  // bare names, either of two
  auto bare = RunTests({dir.path.string()}, options);
  REQUIRE(bare.ok());
  REQUIRE(bare->tests.size() == 2);
  CHECK(bare->tests[0].name == "no_error");
  CHECK(bare->tests[1].name == "high_errors");

  options.filters = {"nothing*"};
  auto none = RunTests({dir.path.string()}, options);
  REQUIRE(none.ok());
  CHECK(none->tests.empty());
  CHECK(ExitCode(*none, options) == 1);  // nothing ran: not a pass
}

TEST_CASE("--verbose shows every test with its decision, reasons and errors") {
  TempDir dir;
  WriteErrorPacks(dir);
  RunOptions options;
  options.verbose = true;
  auto report = RunTests({dir / "fc"}, options);
  REQUIRE(report.ok());
  std::string text = FormatText(*report, options);
  std::string file = dir / "fc/rules.arbiter";
  CHECK(text.find("PASS " + file + ":12: fails_closed\n"
                  "  decision: deny (fail-closed); reasons [fc.guard]; obligations []\n"
                  "  error: fc.guard: ") != std::string::npos);
  CHECK(text.find("FAIL " + file + ":23: no_error: expected an evaluation error, got none "
                  "(allow)\n  decision: allow; reasons [fc.reads]; obligations []\n") !=
        std::string::npos);
  const std::string summary = "\n1 passed, 2 failed\n";
  REQUIRE(text.size() >= summary.size());
  CHECK(text.substr(text.size() - summary.size()) == summary);
  // Without --verbose only failures have a line, unprefixed, as before.
  options.verbose = false;
  std::string quiet = FormatText(*report, options);
  CHECK(quiet.find("fails_closed") == std::string::npos);
  CHECK(quiet.find("\n" + file + ":23: no_error: expected an evaluation error") !=
        std::string::npos);
}

TEST_CASE("JUnit XML: a suite per pack, a case per test, failures with escaped messages") {
  TempDir dir;
  WriteErrorPacks(dir);
  dir.Write("broken/rules.arbiter", "permit x { when <&> }\n");
  auto report = RunTests({dir.path.string()}, RunOptions{});
  REQUIRE(report.ok());
  std::string xml = ReportToJUnit(*report);
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"arbiter test\" "
                  "tests=\"6\" failures=\"3\" errors=\"1\">\n", 0) == 0);
  CHECK(xml.find("<testsuite name=\"" + dir / "fc" +
                 "\" tests=\"3\" failures=\"2\" errors=\"0\">") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"" + dir / "fc" + "\" name=\"fails_closed\" file=\"" +
                 dir / "fc/rules.arbiter" + "\" line=\"12\"/>") != std::string::npos);
  CHECK(xml.find("<failure message=\"expected an evaluation error, got none (allow)\">") !=
        std::string::npos);
  // The pack that does not compile: one errored case holding its diagnostics, escaped.
  size_t broken = xml.find("<testsuite name=\"" + dir / "broken" +
                           "\" tests=\"1\" failures=\"0\" errors=\"1\">");
  REQUIRE(broken != std::string::npos);
  size_t error = xml.find("<error message=\"the pack does not compile; its tests did not run\">",
                          broken);
  REQUIRE(error != std::string::npos);
  size_t end = xml.find("</error>", error);
  REQUIRE(end != std::string::npos);
  std::string body = xml.substr(error, end - error);
  CHECK(body.find("&lt;&amp;&gt;") != std::string::npos);
  CHECK(body.find("<&>") == std::string::npos);
  CHECK(xml.substr(xml.size() - 14) == "</testsuites>\n");

  CHECK(XmlEscape("a<b>&\"c\"'\n\x01") == "a&lt;b&gt;&amp;&quot;c&quot;&apos;&#10;\xEF\xBF\xBD");
}

}  // namespace
}  // namespace arbiter::policytest
