// `arbiter audit obligations`: which `require_evidence` obligations of recorded decisions are
// open, discharged, or overdue (spec/audit.md, "Obligations followed up").
#include <cstdio>

#include "audit/obligations.h"
#include "cli/audit_common.h"
#include "cli/command.h"

namespace arbiter::cli {
namespace {

struct ObligationsFlags {
  std::string ledger;
  std::string bundle_file;
  std::vector<std::string> keys;
  std::string from;
  std::string to;
  std::string state;
  std::string as_of;
  std::string format = "text";
};

int RunObligations(const ObligationsFlags& f) {
  std::optional<audit::ObligationState> only;
  if (!f.state.empty()) {
    only = audit::ParseObligationState(f.state);
    if (!only) {
      std::fprintf(stderr, "error: --state '%s': expected open, overdue, discharged or discharged_late\n",
                   f.state.c_str());
      return kExitFailure;
    }
  }
  std::unique_ptr<ledger::Ledger> ledger;
  auto history = OpenHistoryForAudit(f.ledger, f.bundle_file, f.keys, &ledger);
  if (!history) return kExitFailure;
  auto range = history->Select({f.from, f.to, {}});
  if (!range.ok()) {
    std::fprintf(stderr, "error: %s\n", range.status().message().c_str());
    return kExitFailure;
  }
  auto followed = audit::FollowObligations(*history, *range, f.as_of);
  if (!followed.ok()) {
    std::fprintf(stderr, "error: %s\n", followed.status().message().c_str());
    return kExitFailure;
  }
  std::string out = f.format == "json" ? followed->ToJson(only) : followed->ToText(only);
  std::fputs(out.c_str(), stdout);
  return followed->overdue == 0 ? kExitOk : kExitFailure;
}

std::function<int()> SetupObligations(CLI::App& parent) {
  auto flags = std::make_shared<ObligationsFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "obligations", "Follow up require_evidence obligations: open, discharged, overdue");
  cmd->footer(
      "Examples:\n"
      "  arbiter audit obligations --ledger var/ledger\n"
      "  arbiter audit obligations --ledger var/ledger --state overdue --format json\n"
      "  arbiter audit obligations --export audit.bundle --key ledger.pub --as-of 2026-12-31T00:00:00Z\n"
      "Exit: 0 none overdue, 1 some overdue, or an error.");
  AddHistoryOptions(cmd, &flags->ledger, &flags->bundle_file, &flags->keys);
  cmd->add_option("--from", flags->from,
                  "Decisions from: a seq or a UTC time (2026-11-26T10:00:00Z)");
  cmd->add_option("--to", flags->to, "Decisions to (inclusive): a seq or a UTC time (prefix)");
  cmd->add_option("--state", flags->state,
                  "List only this state: open, overdue, discharged, discharged_late");
  cmd->add_option("--as-of", flags->as_of,
                  "Judge deadlines at this UTC time (2026-12-31T00:00:00Z; default: now)");
  cmd->add_option("--format", flags->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return [flags] { return RunObligations(*flags); };
}

ARBITER_COMMAND("audit obligations", SetupObligations);

}  // namespace
}  // namespace arbiter::cli
