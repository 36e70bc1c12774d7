// `arbiter test PATH... [--coverage] [--min-coverage PCT] [--format text|json]`: runs the
// policy unit tests of each pack (spec/testing.md).
#include <fmt/core.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "policytest/report.h"
#include "policytest/runner.h"

namespace arbiter::cli {
namespace {

struct TestFlags {
  std::vector<std::string> paths;
  bool coverage = false;
  double min_coverage = -1;
  std::string format = "text";
};

std::function<int()> SetupTest(CLI::App& parent) {
  auto flags = std::make_shared<TestFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "test", "Run the test blocks of policy packs and compare their decisions");
  cmd->add_option("paths", flags->paths, "Policy folders (every pack below) or .arbiter files")
      ->required();
  cmd->add_flag("--coverage", flags->coverage, "Report which rules no test made match");
  cmd->add_option("--min-coverage", flags->min_coverage,
                  "Fail when fewer than PCT percent of the rules are exercised (implies --coverage)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--format", flags->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  return [flags] {
    policytest::RunOptions options;
    options.coverage = flags->coverage;
    if (flags->min_coverage >= 0) options.min_coverage = flags->min_coverage;
    Result<policytest::RunReport> report = policytest::RunTests(flags->paths, options);
    if (!report.ok()) {
      fmt::print(stderr, "arbiter test: {}\n", report.status().message());
      return kExitFailure;
    }
    if (flags->format == "json") {
      fmt::print("{}\n", policytest::ReportToJson(*report, options).dump(2));
    } else {
      fmt::print("{}", policytest::FormatText(*report, options));
      if (report->tests.empty() && report->failed == 0) {
        fmt::print(stderr, "arbiter test: no tests found\n");
      }
      if (options.min_coverage && report->coverage_percent() + 1e-9 < *options.min_coverage) {
        fmt::print(stderr, "arbiter test: rule coverage {:.1f}% is below the required {:.1f}%\n",
                   report->coverage_percent(), *options.min_coverage);
      }
    }
    return policytest::ExitCode(*report, options) == 0 ? kExitOk : kExitFailure;
  };
}

ARBITER_COMMAND("test", SetupTest);

}  // namespace
}  // namespace arbiter::cli
