// How a test run is shown (spec/testing.md): the text report for people and the JSON report
// for programs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "policytest/runner.h"

namespace arbiter::policytest {

// Failure lines ("FILE:LINE: TEST: DETAIL"), the diagnostics of packs that do not compile,
// with coverage the per-pack counts and one "unexercised:" line per rule no test matched, and
// last exactly "N passed, N failed\n". With options.verbose every test has a line, "PASS
// FILE:LINE: TEST" or "FAIL FILE:LINE: TEST: DETAIL", followed by "  decision: ..." and one
// "  error: RULE: MESSAGE" line per evaluation error when the test ran.
std::string FormatText(const RunReport& report, const RunOptions& options);

// A failing test's DETAIL: its failures joined by "; ".
std::string FailureDetail(const TestResult& test);

// {"passed","failed","tests":[...],"packs":[...],"coverage":{...}} (coverage only when asked).
nlohmann::json ReportToJson(const RunReport& report, const RunOptions& options);

}  // namespace arbiter::policytest
