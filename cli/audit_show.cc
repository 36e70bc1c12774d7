// `arbiter audit show`: one entry as JSON, or its exact bytes.
#include <cstdio>

#include "cli/audit_common.h"
#include "cli/command.h"

namespace arbiter::cli {
namespace {

struct ShowFlags {
  std::string ledger;
  uint64_t seq = 0;
  bool raw = false;
};

std::function<int()> SetupShow(CLI::App& parent) {
  auto flags = std::make_shared<ShowFlags>();
  CLI::App* cmd = parent.add_subcommand("show", "Print one ledger entry");
  cmd->add_option("--ledger", flags->ledger, "Ledger directory")->required();
  cmd->add_option("--seq", flags->seq, "Sequence number")->required();
  cmd->add_flag("--raw", flags->raw,
                "Print the entry's exact bytes (no newline), so SHA-256(0x00 || bytes) can be "
                "checked against its entry hash");
  return [flags] {
    auto ledger = OpenLedgerForAudit(flags->ledger);
    if (!ledger) return kExitFailure;
    auto entry = ledger->Get(flags->seq);
    if (!entry.ok()) {
      fmt::print(stderr, "error: {}\n", entry.status().message());
      return kExitFailure;
    }
    if (flags->raw) {
      std::fwrite(entry->raw.data(), 1, entry->raw.size(), stdout);
    } else {
      fmt::print("{}\n", entry->ToJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return kExitOk;
  };
}

ARBITER_COMMAND("audit show", SetupShow);

}  // namespace
}  // namespace arbiter::cli
