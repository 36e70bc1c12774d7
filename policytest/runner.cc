#include "policytest/runner.h"

#include <arbiter/engine.h>
#include <arbiter/entities.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "dsl/frontend.h"
#include "policytest/discovery.h"
#include "policytest/filter.h"
#include "policytest/request_json.h"

namespace arbiter::policytest {
namespace {

namespace fs = std::filesystem;

// Entity data files, each read once per run (a failure is remembered too).
class DataCache {
 public:
  const Result<EntityStore>& Get(const std::string& path) {
    auto it = stores_.find(path);
    if (it == stores_.end()) it = stores_.emplace(path, EntityStore::FromFile(path)).first;
    return it->second;
  }

 private:
  std::map<std::string, Result<EntityStore>> stores_;
};

Expectation ExpectationOf(const dsl::TestCase& test) {
  Expectation expected;
  expected.expect = test.expect;
  expected.reasons = test.expect_reasons;
  expected.obligations = test.expect_obligations;
  expected.errors = test.expect_errors;
  return expected;
}

Outcome OutcomeOf(const Decision& decision) {
  Outcome got;
  got.allow = decision.allow;
  got.fail_closed = decision.fail_closed;
  for (const DecisionReason& reason : decision.reasons) got.reasons.emplace_back(reason.rule);
  for (const DecisionObligation& obligation : decision.obligations) {
    got.obligations.emplace_back(obligation.name);
  }
  for (const DecisionError& error : decision.errors) {
    got.errors.push_back(std::string(error.rule) + ": " + error.message);
    got.error_rules.emplace_back(error.rule);
  }
  for (std::string_view rule : decision.matched) got.matched.emplace_back(rule);
  return got;
}

std::string ErrorsSuffix(const Outcome& got) {
  if (got.errors.empty()) return "";
  std::string out = " (errors: ";
  for (size_t i = 0; i < got.errors.size(); ++i) {
    if (i > 0) out += ", ";
    out += got.errors[i];
  }
  return out + ")";
}

// Runs one test against a compiled pack. Fills result.got and result.failures.
void RunOne(const Engine& engine, const dsl::TestCase& test, const std::string& test_file,
            DataCache& data, TestResult& result) {
  EntityStore empty;
  const EntityStore* store = &empty;
  if (test.data_path) {
    std::string path =
        (fs::path(test_file).parent_path() / *test.data_path).lexically_normal().generic_string();
    const Result<EntityStore>& loaded = data.Get(path);
    if (!loaded.ok()) {
      result.failures.push_back("cannot load data " + *test.data_path + ": " +
                                loaded.status().message());
      return;
    }
    store = &loaded.value();
  }
  if (!test.request) {
    result.failures.push_back("bad request: the test has no request");
    return;
  }
  Result<nlohmann::json> request = ConstantToJson(*test.request);
  if (!request.ok()) {
    result.failures.push_back("bad request: " + request.status().message());
    return;
  }
  Result<Decision> decision = engine.DecideJson(request->dump(), *store);
  if (!decision.ok()) {
    result.failures.push_back("bad request: " + decision.status().message());
    return;
  }
  result.got = OutcomeOf(*decision);
  result.failures = CompareOutcome(result.expected, *result.got);
  if (!result.failures.empty()) result.failures.back() += ErrorsSuffix(*result.got);
}

void RunPack(const Pack& pack, const RunOptions& options, DataCache& data, RunReport& report) {
  PackResult pack_result;
  pack_result.pack = pack.dir;

  CompileOptions compile_options;
  compile_options.schema_path = pack.schema_path;
  CompileResult compiled = Engine::Compile(pack.files, compile_options);
  dsl::FrontendOptions frontend_options;
  frontend_options.schema_path = pack.schema_path;
  dsl::FrontendResult front = compiled.ok() ? dsl::LoadPolicyFiles(pack.files, frontend_options)
                                            : dsl::FrontendResult{};
  if (!compiled.ok() || !compiled.engine || !front.ok()) {
    pack_result.ok = false;
    if (!compiled.ok()) {
      pack_result.diagnostics_text = compiled.FormattedDiagnostics();
      if (pack_result.diagnostics_text.empty()) {
        pack_result.diagnostics_text = compiled.status.ToString() + "\n";
      }
      for (const arbiter::Diagnostic& d : compiled.diagnostics) {
        pack_result.diagnostics.push_back({{"path", d.path}, {"line", d.line}, {"column", d.column},
                                           {"end_line", d.end_line}, {"end_column", d.end_column},
                                           {"severity", d.severity}, {"code", d.code},
                                           {"message", d.message}});
      }
    } else if (front.policies.sources) {
      for (const dsl::Diagnostic& d : front.diagnostics) {
        pack_result.diagnostics_text += dsl::FormatDiagnostic(d, *front.policies.sources) + "\n";
      }
      pack_result.diagnostics = dsl::DiagnosticsToJson(front.diagnostics, *front.policies.sources);
    }
    report.packs.push_back(std::move(pack_result));
    return;
  }
  const Engine& engine = *compiled.engine;

  std::map<std::string, size_t> rule_index;
  for (const RuleInfo& rule : engine.rules()) {
    rule_index[rule.id] = report.rules.size();
    // A rule's file is named relative to the pack (engine/source_names.h); shown from here.
    std::string file = (fs::path(pack.dir) / rule.file).lexically_normal().generic_string();
    report.rules.push_back(RuleCoverage{pack.dir, rule.id, std::move(file), rule.line, {}});
  }

  const dsl::SourceSet& sources = *front.policies.sources;
  for (const dsl::TestCase& test : front.policies.tests) {
    std::string file = test.span.file < sources.files.size() ? sources.files[test.span.file].path : "";
    if (pack.test_files) {
      std::string normal = fs::path(file).lexically_normal().generic_string();
      if (!pack.test_files->count(normal)) continue;
    }
    if (!TestSelected(options.filters, test.package, test.name)) continue;
    TestResult result;
    result.pack = pack.dir;
    result.file = file;
    result.line = test.span.line;
    result.name = test.name;
    result.package = test.package;
    result.expected = ExpectationOf(test);
    RunOne(engine, test, file, data, result);
    if (result.got) {
      std::set<std::string> seen;
      for (const std::string& rule : result.got->matched) {
        auto it = rule_index.find(rule);
        if (it != rule_index.end() && seen.insert(rule).second) {
          report.rules[it->second].tests.push_back(test.name);
        }
      }
    }
    ++pack_result.tests;
    report.tests.push_back(std::move(result));
  }
  report.packs.push_back(std::move(pack_result));
}

}  // namespace

size_t RunReport::exercised_rules() const {
  size_t n = 0;
  for (const RuleCoverage& rule : rules) n += rule.tests.empty() ? 0 : 1;
  return n;
}

double RunReport::coverage_percent() const {
  if (rules.empty()) return 100.0;
  return 100.0 * static_cast<double>(exercised_rules()) / static_cast<double>(rules.size());
}

Result<RunReport> RunTests(const std::vector<std::string>& paths, const RunOptions& options) {
  // Coverage is always recorded; besides the filter, options only change reporting and the
  // exit code.
  ARBITER_ASSIGN_OR_RETURN(std::vector<Pack> packs, DiscoverPacks(paths));
  RunReport report;
  DataCache data;
  for (const Pack& pack : packs) RunPack(pack, options, data, report);
  for (const TestResult& test : report.tests) (test.passed() ? report.passed : report.failed)++;
  for (const PackResult& pack : report.packs) report.failed += pack.ok ? 0 : 1;
  return report;
}

int ExitCode(const RunReport& report, const RunOptions& options) {
  if (report.failed > 0 || report.tests.empty()) return 1;
  if (options.min_coverage && report.coverage_percent() + 1e-9 < *options.min_coverage) return 1;
  return 0;
}

}  // namespace arbiter::policytest
