#include "policytest/report.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace arbiter::policytest {
namespace {

using nlohmann::json;

bool WantsCoverage(const RunOptions& options) {
  return options.coverage || options.min_coverage.has_value();
}

json OptionalList(const std::optional<std::vector<std::string>>& list) {
  return list ? json(*list) : json(nullptr);
}

std::vector<const RuleCoverage*> Unexercised(const RunReport& report) {
  std::vector<const RuleCoverage*> out;
  for (const RuleCoverage& rule : report.rules) {
    if (rule.tests.empty()) out.push_back(&rule);
  }
  std::stable_sort(out.begin(), out.end(), [](const RuleCoverage* a, const RuleCoverage* b) {
    return std::tie(a->file, a->line) < std::tie(b->file, b->line);
  });
  return out;
}

// `--verbose`: what the engine answered, indented under the test's line.
std::string DecisionLines(const Outcome& got) {
  std::string out = std::string("  decision: ") + (got.allow ? "allow" : "deny");
  if (got.fail_closed) out += " (fail-closed)";
  out += "; reasons " + SortedList(got.reasons) + "; obligations " + SortedList(got.obligations) +
         "\n";
  for (const std::string& error : got.errors) out += "  error: " + error + "\n";
  return out;
}

}  // namespace

std::string FailureDetail(const TestResult& test) {
  std::string out;
  for (size_t i = 0; i < test.failures.size(); ++i) {
    if (i > 0) out += "; ";
    out += test.failures[i];
  }
  return out;
}

std::string FormatText(const RunReport& report, const RunOptions& options) {
  std::string out;
  for (const PackResult& pack : report.packs) {
    if (pack.ok) continue;
    out += pack.pack + ": the pack does not compile; its tests did not run\n";
    out += pack.diagnostics_text;
    if (!out.empty() && out.back() != '\n') out += '\n';
  }
  for (const TestResult& test : report.tests) {
    if (test.passed() && !options.verbose) continue;
    if (options.verbose) out += test.passed() ? "PASS " : "FAIL ";
    out += test.file + ":" + std::to_string(test.line) + ": " + test.name;
    if (!test.passed()) out += ": " + FailureDetail(test);
    out += '\n';
    if (options.verbose && test.got) out += DecisionLines(*test.got);
  }
  if (WantsCoverage(options)) {
    // Per pack, in pack order: "coverage: PACK E/T rules".
    std::vector<std::string> order;
    std::map<std::string, std::pair<size_t, size_t>> counts;  // pack -> (exercised, total)
    for (const RuleCoverage& rule : report.rules) {
      if (!counts.count(rule.pack)) order.push_back(rule.pack);
      auto& [exercised, total] = counts[rule.pack];
      ++total;
      if (!rule.tests.empty()) ++exercised;
    }
    for (const std::string& pack : order) {
      out += "coverage: " + pack + " " + std::to_string(counts[pack].first) + "/" +
             std::to_string(counts[pack].second) + " rules\n";
    }
    for (const RuleCoverage* rule : Unexercised(report)) {
      out += "unexercised: " + rule->file + ":" + std::to_string(rule->line) + ": " + rule->rule +
             "\n";
    }
  }
  out += std::to_string(report.passed) + " passed, " + std::to_string(report.failed) + " failed\n";
  return out;
}

json ReportToJson(const RunReport& report, const RunOptions& options) {
  json tests = json::array();
  for (const TestResult& test : report.tests) {
    json got = nullptr;
    if (test.got) {
      got = {{"decision", test.got->allow ? "allow" : "deny"},
             {"fail_closed", test.got->fail_closed},
             {"reasons", test.got->reasons},
             {"obligations", test.got->obligations},
             {"errors", test.got->errors},
             {"matched", test.got->matched}};
    }
    tests.push_back({{"pack", test.pack},
                     {"file", test.file},
                     {"line", test.line},
                     {"name", test.name},
                     {"package", test.package},
                     {"passed", test.passed()},
                     {"expected",
                      {{"decision", ExpectWord(test.expected.expect)},
                       {"reasons", OptionalList(test.expected.reasons)},
                       {"obligations", OptionalList(test.expected.obligations)},
                       {"errors", OptionalList(test.expected.errors)}}},
                     {"got", got},
                     {"failures", test.failures}});
  }
  json packs = json::array();
  for (const PackResult& pack : report.packs) {
    packs.push_back({{"pack", pack.pack},
                     {"ok", pack.ok},
                     {"tests", pack.tests},
                     {"diagnostics", pack.diagnostics}});
  }
  json out = {{"passed", report.passed}, {"failed", report.failed}, {"tests", tests},
              {"packs", packs}};
  if (WantsCoverage(options)) {
    json rules = json::array();
    for (const RuleCoverage& rule : report.rules) {
      rules.push_back({{"pack", rule.pack},
                       {"rule", rule.rule},
                       {"file", rule.file},
                       {"line", rule.line},
                       {"tests", rule.tests}});
    }
    json unexercised = json::array();
    for (const RuleCoverage* rule : Unexercised(report)) unexercised.push_back(rule->rule);
    out["coverage"] = {{"total", report.rules.size()},
                       {"exercised", report.exercised_rules()},
                       {"percent", report.coverage_percent()},
                       {"rules", rules},
                       {"unexercised", unexercised}};
  }
  return out;
}

}  // namespace arbiter::policytest
