// `arbiter audit show`: one entry as JSON, or its exact bytes.
#include <cstdio>

#include <filesystem>

#include "audit/decision_view.h"
#include "cli/audit_common.h"
#include "cli/command.h"
#include "recorder/privacy.h"

namespace arbiter::cli {
namespace {

struct ShowFlags {
  std::string ledger;
  std::string bundle_file;
  std::vector<std::string> keys;
  std::optional<uint64_t> seq;
  std::string decision_id;
  bool raw = false;
  std::string private_dir;
};

std::function<int()> SetupShow(CLI::App& parent) {
  auto flags = std::make_shared<ShowFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "show", "Print one ledger entry, or a decision with its evidence, controls and policy");
  cmd->footer(
      "Examples:\n"
      "  arbiter audit show --ledger var/ledger --seq 12\n"
      "  arbiter audit show --ledger var/ledger --decision-id 0193a4c2-...\n"
      "  arbiter audit show --export b.bundle --key ledger.pub --decision-id 0193a4c2-...");
  AddHistoryOptions(cmd, &flags->ledger, &flags->bundle_file, &flags->keys);
  auto* seq = cmd->add_option("--seq", flags->seq, "Sequence number");
  cmd->add_option("--decision-id", flags->decision_id,
                  "A decision: its entry, the controls it falls under, the evidence that names "
                  "it, the activation that decided it and its data version")
      ->excludes(seq);
  cmd->add_flag("--raw", flags->raw,
                "Print the entry's exact bytes (no newline), so SHA-256(0x00 || bytes) can be "
                "checked against its entry hash");
  cmd->add_option("--private", flags->private_dir,
                  "The ledger's private store, to open encrypted requests and show digest "
                  "salts (default: <ledger>.private when it exists and is readable)");
  return [flags] {
    if (!flags->seq && flags->decision_id.empty()) {
      fmt::print(stderr, "error: give --seq N or --decision-id ID\n");
      return kExitFailure;
    }
    if (!flags->decision_id.empty()) {
      std::unique_ptr<ledger::Ledger> opened;
      auto history = OpenHistoryForAudit(flags->ledger, flags->bundle_file, flags->keys, &opened);
      if (!history) return kExitFailure;
      auto described = audit::DescribeDecision(*history, flags->decision_id);
      if (!described.ok()) {
        fmt::print(stderr, "error: {}\n", described.status().message());
        return kExitFailure;
      }
      fmt::print("{}\n", described->dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return kExitOk;
    }
    if (flags->ledger.empty()) {
      fmt::print(stderr, "error: --seq reads a ledger: give --ledger DIR\n");
      return kExitFailure;
    }
    auto ledger = OpenLedgerForAudit(flags->ledger);
    if (!ledger) return kExitFailure;
    auto entry = ledger->Get(*flags->seq);
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
