// `arbiter audit export`: stream entries as JSON Lines or CSV, or a self-verifying bundle;
// filtered by range, kind, or decision (ledger::DecisionFilter).
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
  bool with_dependencies = false;
  std::string out = "-";
  ledger::DecisionFilter decisions;
};

std::function<int()> SetupExport(CLI::App& parent) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* cmd = parent.add_subcommand("export", "Export ledger entries (streaming)");
  cmd->add_option("--ledger", flags->ledger, "Ledger directory")->required();
  cmd->add_option("--from", flags->from, "First entry: a seq or a UTC time (2026-11-26T10:00:00Z)");
  cmd->add_option("--to", flags->to, "Last entry (inclusive): a seq or a UTC time (prefix)");
  cmd->add_option("--kind", flags->kind,
                  "Only entries of this kind (decision, evidence, policy, key, start, erasure)");
  AddDecisionFilterOptions(cmd, &flags->decisions);
  cmd->add_option("--format", flags->format, "jsonl or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->capture_default_str();
  cmd->add_flag("--bundle", flags->bundle,
                "Write a self-verifying bundle (entries, proofs, signed checkpoint, public key) "
                "for `audit verify --export`, `audit replay --export`: it also carries the "
                "policy, data and evidence entries the selected decisions depend on");
  cmd->add_flag("--with-dependencies", flags->with_dependencies,
                "jsonl/csv: after the selection, also the policy, data and evidence entries "
                "the selected decisions depend on (seq order)");
  cmd->footer(
      "A decision filter (--control, --rule, --decision-id, --subject, --action, --resource,\n"
      "--decision) selects the decisions matching all of its flags; other entries of the range\n"
      "are left out (in a bundle, as stubs proven in the tree). Examples:\n"
      "  arbiter audit export --ledger var/ledger --control 'SOC 2 CC6.1' --bundle \\\n"
      "      --out b.bundle\n"
      "  arbiter audit verify --export b.bundle --key ledger.pub\n"
      "  arbiter audit replay --export b.bundle --key ledger.pub");
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
    options.decisions = flags->decisions;
    options.with_dependencies = flags->with_dependencies;
    if (flags->with_dependencies && flags->bundle) {
      fmt::print(stderr,
                 "error: --with-dependencies is for jsonl and csv: a bundle always carries "
                 "its dependencies\n");
      return kExitFailure;
    }
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
