// `arbiter audit cases`: reviewed decisions become `arbiter test` cases.
#include <cstdio>

#include "audit/review_cases.h"
#include "cli/audit_common.h"
#include "cli/command.h"

namespace arbiter::cli {
namespace {

struct CasesFlags {
  std::string ledger;
  std::string bundle_file;
  std::vector<std::string> keys;
  std::string control;
  std::string out;
};

int RunCases(const CasesFlags& f) {
  std::unique_ptr<ledger::Ledger> ledger;
  auto history = OpenHistoryForAudit(f.ledger, f.bundle_file, f.keys, &ledger);
  if (!history) return kExitFailure;
  audit::CaseOptions options;
  options.out_dir = f.out;
  options.control = f.control;
  auto report = audit::WriteReviewCases(*history, options);
  if (!report.ok()) {
    std::fprintf(stderr, "error: %s\n", report.status().message().c_str());
    return kExitFailure;
  }
  std::printf("%zu review%s; %zu test case%s written (%zu expect another decision than recorded)\n",
              report->reviews, report->reviews == 1 ? "" : "s", report->cases,
              report->cases == 1 ? "" : "s", report->disagreeing);
  for (const auto& [why, count] : report->skipped) {
    std::printf("skipped %zu: %s\n", count, why.c_str());
  }
  for (const auto& file : report->files) std::printf("%s\n", file.c_str());
  return kExitOk;
}

std::function<int()> SetupCases(CLI::App& parent) {
  auto flags = std::make_shared<CasesFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "cases", "Turn reviewed decisions (review evidence) into `arbiter test` cases");
  cmd->footer(
      "Example:\n"
      "  arbiter audit cases --ledger var/ledger --control \"EU AI Act Art. 14\" --out reviews/\n"
      "  cp reviews/* my-pack/ && arbiter test my-pack");
  AddHistoryOptions(cmd, &flags->ledger, &flags->bundle_file, &flags->keys);
  cmd->add_option("--control", flags->control, "Only decisions under this control");
  cmd->add_option("--out", flags->out, "Folder for the test and data files")->required();
  return [flags] { return RunCases(*flags); };
}

ARBITER_COMMAND("audit cases", SetupCases);

}  // namespace
}  // namespace arbiter::cli
