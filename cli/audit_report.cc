// `arbiter audit report`: the report compliance people read (spec/audit.md, "Reports"): one
// self-contained HTML file, or the same figures as JSON or CSV.
#include <cstdio>

#include <fstream>

#include "audit/report.h"
#include "cli/audit_common.h"
#include "cli/command.h"

namespace arbiter::cli {
namespace {

struct ReportFlags {
  std::string ledger;
  std::string bundle_file;
  std::vector<std::string> keys;
  std::string from;
  std::string to;
  ledger::DecisionFilter filter;
  std::string format = "html";
  std::string out;
  size_t max_listed = 50;
  std::string now;
};

int RunReport(const ReportFlags& f) {
  if (f.out.empty()) {
    std::fprintf(stderr, "error: --out FILE is required (- for standard output)\n");
    return kExitFailure;
  }
  if (Status valid = f.filter.Validate(); !valid.ok()) {
    std::fprintf(stderr, "error: %s\n", valid.message().c_str());
    return kExitFailure;
  }
  auto keys = LoadVerifierKeys(f.keys);
  if (!keys) return kExitFailure;
  std::unique_ptr<ledger::Ledger> ledger;
  auto history = OpenHistoryForAudit(f.ledger, f.bundle_file, f.keys, &ledger);
  if (!history) return kExitFailure;
  audit::VerificationStatus verification =
      ledger ? audit::VerifyLedgerForReport(*ledger, *keys)
             : audit::VerifyBundleForReport(f.bundle_file, *history, *keys);
  audit::ReportOptions options;
  options.range.from = f.from;
  options.range.to = f.to;
  options.decisions = f.filter;
  options.max_listed = f.max_listed;
  options.now = f.now;
  auto figures = audit::ComputeReport(*history, options, std::move(verification));
  if (!figures.ok()) {
    std::fprintf(stderr, "error: %s\n", figures.status().message().c_str());
    return kExitFailure;
  }
  std::string text = f.format == "json"  ? audit::ReportToJson(*figures)
                     : f.format == "csv" ? audit::ReportToCsv(*figures)
                                         : audit::ReportToHtml(*figures);
  if (f.out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    std::ofstream out(f.out, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) {
      std::fprintf(stderr, "error: cannot write %s\n", f.out.c_str());
      return kExitFailure;
    }
  }
  if (!figures->verification.ok) {
    std::fprintf(stderr, "warning: %s\n", figures->verification.summary.c_str());
  }
  return kExitOk;
}

std::function<int()> SetupReport(CLI::App& parent) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "report",
      "Write the audit report: verification, decisions per control and rule over time, "
      "evidence coverage, obligations, open corrections, policy changes (HTML, JSON or CSV)");
  cmd->footer(
      "Examples:\n"
      "  arbiter audit report --ledger var/ledger --key ledger.pub --out report.html\n"
      "  arbiter audit report --ledger var/ledger --key ledger.pub --from 2026-11-01 \\\n"
      "      --control \"EU AI Act Art. 14\" --format json --out report.json\n"
      "  arbiter audit report --export audit.bundle --key ledger.pub --out report.html\n"
      "Exit: 0 when the report was written (a failed verification is stated in it and\n"
      "warned about), 1 on an error.");
  AddHistoryOptions(cmd, &flags->ledger, &flags->bundle_file, &flags->keys,
                    "Public key(s) that sign the checkpoints (with --ledger: without one the "
                    "report says it is not verified; with --export: default, its own)");
  cmd->add_option("--from", flags->from, "First entry: a seq or a UTC time (2026-11-26T10:00:00Z)");
  cmd->add_option("--to", flags->to, "Last entry (inclusive): a seq or a UTC time (prefix)");
  AddDecisionFilterOptions(cmd, &flags->filter);
  cmd->add_option("--format", flags->format, "html, json or csv")
      ->check(CLI::IsMember({"html", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--out", flags->out, "The file to write (- for standard output)");
  cmd->add_option("--max-listed", flags->max_listed,
                  "Decisions listed per control (all are counted)")
      ->capture_default_str();
  // --as-of, as `audit obligations` names it; --now kept as an alias.
  cmd->add_option("--as-of,--now", flags->now,
                  "Judge obligation deadlines at this UTC time (2026-12-31T00:00:00Z; default: now)");
  return [flags] { return RunReport(*flags); };
}

ARBITER_COMMAND("audit report", SetupReport);

}  // namespace
}  // namespace arbiter::cli
