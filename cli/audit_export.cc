// `arbiter audit export`: stream entries as JSON Lines or CSV, or a self-verifying bundle.
#include <fstream>
#include <iostream>

#include "cli/audit_common.h"
#include "cli/command.h"

namespace arbiter::cli {
namespace {

struct ExportFlags {
  std::string ledger;
  std::string from;
  std::string to;
  std::string kind;
  std::string format = "jsonl";
  bool bundle = false;
  std::string out = "-";
};

std::function<int()> SetupExport(CLI::App& parent) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* cmd = parent.add_subcommand("export", "Export ledger entries (streaming)");
  cmd->add_option("--ledger", flags->ledger, "Ledger directory")->required();
  cmd->add_option("--from", flags->from, "First entry: a seq or a UTC time (2026-11-26T10:00:00Z)");
  cmd->add_option("--to", flags->to, "Last entry (inclusive): a seq or a UTC time (prefix)");
  cmd->add_option("--kind", flags->kind,
                  "Only entries of this kind (decision, evidence, policy, key, start, erasure)");
  cmd->add_option("--format", flags->format, "jsonl or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->capture_default_str();
  cmd->add_flag("--bundle", flags->bundle,
                "Write a self-verifying bundle (entries, proofs, signed checkpoint, public key) "
                "for `audit verify --export`");
  cmd->add_option("--out", flags->out, "Output file, - for stdout")->capture_default_str();
  return [flags] {
    auto ledger = OpenLedgerForAudit(flags->ledger);
    if (!ledger) return kExitFailure;
    ledger::ExportOptions options;
    options.format = flags->bundle            ? ledger::ExportOptions::Format::kBundle
                     : flags->format == "csv" ? ledger::ExportOptions::Format::kCsv
                                              : ledger::ExportOptions::Format::kJsonl;
    options.from = flags->from;
    options.to = flags->to;
    options.kind = flags->kind;
    std::ofstream file;
    std::ostream* out = &std::cout;
    if (flags->out != "-") {
      file.open(flags->out, std::ios::binary | std::ios::trunc);
      if (!file) {
        fmt::print(stderr, "error: cannot write {}\n", flags->out);
        return kExitFailure;
      }
      out = &file;
    }
    Status st = ledger->Export(options, *out);
    if (!st.ok()) {
      fmt::print(stderr, "error: {}\n", st.message());
      return kExitFailure;
    }
    return kExitOk;
  };
}

ARBITER_COMMAND("audit export", SetupExport);

}  // namespace
}  // namespace arbiter::cli
