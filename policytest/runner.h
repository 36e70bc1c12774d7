// The `arbiter test` runner (spec/testing.md): finds the test blocks of each pack, compiles
// the pack, runs every test request through the engine and compares the answers. The CLI
// (cli/test.cc) only parses flags, calls RunTests and prints with report.h.
#pragma once

#include <arbiter/status.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "policytest/outcome.h"

namespace arbiter::policytest {

struct RunOptions {
  bool coverage = false;
  std::optional<double> min_coverage;  // percent 0..100; implies coverage
  // --filter: run only the tests one of these globs selects (policytest/filter.h); empty: all.
  std::vector<std::string> filters;
  // --verbose: the text report shows every test with its decision (report.h).
  bool verbose = false;
};

struct TestResult {
  std::string pack;  // the pack's folder
  std::string file;
  uint32_t line = 0;  // of the `test` keyword
  std::string name;
  std::string package;
  Expectation expected;
  std::optional<Outcome> got;         // unset when the test could not run
  std::vector<std::string> failures;  // empty when the test passed
  bool passed() const { return failures.empty(); }
};

struct PackResult {
  std::string pack;
  bool ok = true;                // compiled; its tests ran
  std::string diagnostics_text;  // formatted diagnostics when !ok
  nlohmann::json diagnostics = nlohmann::json::array();
  size_t tests = 0;
};

struct RuleCoverage {
  std::string pack;
  std::string rule;  // qualified id
  std::string file;
  uint32_t line = 0;
  std::vector<std::string> tests;  // names of the tests in which the rule matched
};

struct RunReport {
  std::vector<TestResult> tests;  // in pack order, then source order
  std::vector<PackResult> packs;
  std::vector<RuleCoverage> rules;  // every rule of every compiled pack, in source order
  int passed = 0;
  int failed = 0;  // failing tests plus packs that do not compile

  size_t exercised_rules() const;
  double coverage_percent() const;  // 100 when there are no rules
};

// Runs every test found under `paths`. Fails (InvalidArgument) only when a path does not
// exist or is not a policy file or folder; everything that goes wrong in a pack or a test is
// in the report.
Result<RunReport> RunTests(const std::vector<std::string>& paths, const RunOptions& options);

// 0 when every test passed, at least one test ran and coverage met options.min_coverage;
// 1 otherwise.
int ExitCode(const RunReport& report, const RunOptions& options);

}  // namespace arbiter::policytest
