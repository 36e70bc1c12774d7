// `arbiter test PATH... [--filter GLOB]... [--verbose] [--junit FILE] [--watch] [--coverage]
// [--min-coverage PCT] [--format text|json]`: runs the policy unit tests of each pack
// (spec/testing.md).
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "cli/command.h"
#include "policytest/junit.h"
#include "policytest/report.h"
#include "policytest/runner.h"

namespace arbiter::cli {
namespace {

namespace fs = std::filesystem;

struct TestFlags {
  std::vector<std::string> paths;
  bool coverage = false;
  double min_coverage = -1;
  std::string format = "text";
  std::vector<std::string> filters;
  bool verbose = false;
  std::string junit;
  bool watch = false;
};

// Writes the JUnit report with a temporary file and a rename, so a CI reader never sees half
// a file.
bool WriteJUnit(const std::string& path, const policytest::RunReport& report) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << policytest::ReportToJUnit(report);
    out.close();
    if (!out) {
      fmt::print(stderr, "arbiter test: {}: cannot write the JUnit report\n", temp);
      return false;
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fmt::print(stderr, "arbiter test: {}: cannot write the JUnit report: {}\n", path,
               ec.message());
    return false;
  }
  return true;
}

// One run: the report on stdout, the JUnit file when asked. Returns the exit code.
int RunOnce(const TestFlags& flags, const policytest::RunOptions& options) {
  Result<policytest::RunReport> report = policytest::RunTests(flags.paths, options);
  if (!report.ok()) {
    fmt::print(stderr, "arbiter test: {}\n", report.status().message());
    return kExitFailure;
  }
  if (flags.format == "json") {
    fmt::print("{}\n", policytest::ReportToJson(*report, options).dump(2));
  } else {
    fmt::print("{}", policytest::FormatText(*report, options));
    if (report->tests.empty() && report->failed == 0) {
      fmt::print(stderr, "arbiter test: {}\n",
                 options.filters.empty() ? "no tests found" : "no test matches --filter");
    }
    if (options.min_coverage && report->coverage_percent() + 1e-9 < *options.min_coverage) {
      fmt::print(stderr, "arbiter test: rule coverage {:.1f}% is below the required {:.1f}%\n",
                 report->coverage_percent(), *options.min_coverage);
    }
  }
  bool junit_ok = flags.junit.empty() || WriteJUnit(flags.junit, *report);
  std::fflush(stdout);
  return policytest::ExitCode(*report, options) == 0 && junit_ok ? kExitOk : kExitFailure;
}

// What --watch compares: the policy, schema and JSON data files at or below the folders named
// and the folder of every file named, with size and modification time. Other files (the
// JUnit report, editor backups) do not start a run.
using Snapshot = std::vector<std::tuple<std::string, uintmax_t, fs::file_time_type>>;

Snapshot TakeSnapshot(const std::vector<std::string>& paths) {
  Snapshot out;
  std::error_code ec;
  auto add = [&](const fs::path& file) {
    std::error_code e;
    uintmax_t size = fs::file_size(file, e);
    fs::file_time_type time = fs::last_write_time(file, e);
    if (!e) out.emplace_back(file.generic_string(), size, time);
  };
  for (const std::string& path : paths) {
    fs::path dir = fs::is_directory(path, ec) ? fs::path(path) : fs::path(path).parent_path();
    if (dir.empty()) dir = ".";
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path ext = it->path().extension();
      if (it->is_regular_file(ec) &&
          (ext == ".arbiter" || ext == ".arbiterschema" || ext == ".json")) {
        add(it->path());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::function<int()> SetupTest(CLI::App& parent) {
  auto flags = std::make_shared<TestFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "test", "Run the test blocks of policy packs and compare their decisions");
  cmd->add_option("paths", flags->paths, "Policy folders (every pack below) or .arbiter files")
      ->required();
  cmd->add_option("--filter", flags->filters,
                  "Run only tests whose name or package.name matches GLOB (* and ?); repeat "
                  "for any of several")
      ->allow_extra_args(false);
  cmd->add_flag("-v,--verbose", flags->verbose,
                "Show every test with its decision, reasons and errors (text output)");
  cmd->add_option("--junit", flags->junit, "Also write the results as JUnit XML to FILE");
  cmd->add_flag("--watch", flags->watch,
                "Run again whenever a file of the packs changes (polls; Ctrl-C stops)");
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
    options.filters = flags->filters;
    options.verbose = flags->verbose;
    if (!flags->watch) return RunOnce(*flags, options);
    // The snapshot is taken before each run, so a change made while it runs starts another.
    Snapshot seen = TakeSnapshot(flags->paths);
    RunOnce(*flags, options);
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      Snapshot now = TakeSnapshot(flags->paths);
      if (now == seen) continue;
      seen = std::move(now);
      fmt::print("--- files changed; running again\n");
      RunOnce(*flags, options);
    }
  };
}

ARBITER_COMMAND("test", SetupTest);

}  // namespace
}  // namespace arbiter::cli
