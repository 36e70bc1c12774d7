// `arbiter audit checkpoint`: print the latest signed checkpoint note.
#include "cli/audit_common.h"
#include "cli/command.h"

namespace arbiter::cli {
namespace {

std::function<int()> SetupCheckpoint(CLI::App& parent) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = parent.add_subcommand("checkpoint", "Print the latest signed checkpoint (C2SP note)");
  cmd->add_option("--ledger", *dir, "Ledger directory")->required();
  return [dir] {
    auto ledger = OpenLedgerForAudit(*dir);
    if (!ledger) return kExitFailure;
    auto note = ledger->LatestCheckpoint();
    if (!note.ok()) {
      fmt::print(stderr, "error: {}\n", note.status().message());
      return kExitFailure;
    }
    fmt::print("{}", *note);
    return kExitOk;
  };
}

ARBITER_COMMAND("audit checkpoint", SetupCheckpoint);

}  // namespace
}  // namespace arbiter::cli
