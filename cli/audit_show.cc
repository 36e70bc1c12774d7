// `arbiter audit show`: one entry as JSON, or its exact bytes.
#include <cstdio>

#include <filesystem>

#include "cli/audit_common.h"
#include "cli/command.h"
#include "recorder/privacy.h"

namespace arbiter::cli {
namespace {

struct ShowFlags {
  std::string ledger;
  uint64_t seq = 0;
  bool raw = false;
  std::string private_dir;
};

std::function<int()> SetupShow(CLI::App& parent) {
  auto flags = std::make_shared<ShowFlags>();
  CLI::App* cmd = parent.add_subcommand("show", "Print one ledger entry");
  cmd->add_option("--ledger", flags->ledger, "Ledger directory")->required();
  cmd->add_option("--seq", flags->seq, "Sequence number")->required();
  cmd->add_flag("--raw", flags->raw,
                "Print the entry's exact bytes (no newline), so SHA-256(0x00 || bytes) can be "
                "checked against its entry hash");
  cmd->add_option("--private", flags->private_dir,
                  "The ledger's private store, to open encrypted requests and show digest "
                  "salts (default: <ledger>.private when it exists and is readable)");
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
      nlohmann::json shown = entry->ToJson();
      std::string dir = flags->private_dir.empty()
                            ? ledger::PrivacyStore::DefaultDir(flags->ledger)
                            : flags->private_dir;
      std::error_code ec;
      if (!flags->private_dir.empty() || std::filesystem::exists(dir, ec)) {
        auto store = ledger::PrivacyStore::Open(dir, true);
        if (!store.ok()) {
          if (!flags->private_dir.empty()) {
            fmt::print(stderr, "error: {}\n", store.status().message());
            return kExitFailure;
          }
          fmt::print(stderr, "note: the private store is not read: {}\n",
                     store.status().message());
        } else {
          auto revealed = recorder::RevealEntry(*entry, **store);
          if (!revealed.ok()) {
            fmt::print(stderr, "error: {}\n", revealed.status().message());
            return kExitFailure;
          }
          if (!revealed->is_null()) shown["private"] = std::move(revealed).value();
        }
      }
      fmt::print("{}\n", shown.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return kExitOk;
  };
}

ARBITER_COMMAND("audit show", SetupShow);

}  // namespace
}  // namespace arbiter::cli
