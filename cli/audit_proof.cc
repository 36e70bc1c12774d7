// `arbiter audit proof`: an inclusion proof (c2sp.org/tlog-proof@v1) or a consistency proof.
#include "cli/audit_common.h"
#include "cli/command.h"

namespace arbiter::cli {
namespace {

struct ProofFlags {
  std::string ledger;
  std::optional<uint64_t> seq;
  std::optional<uint64_t> size;
  std::optional<uint64_t> consistency;
};

std::function<int()> SetupProof(CLI::App& parent) {
  auto flags = std::make_shared<ProofFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "proof", "Print an inclusion proof for an entry, or a consistency proof between tree sizes");
  cmd->add_option("--ledger", flags->ledger, "Ledger directory")->required();
  auto* seq = cmd->add_option("--seq", flags->seq, "Entry to prove (inclusion proof)");
  cmd->add_option("--size", flags->size,
                  "Tree size of a stored checkpoint to prove against (default: the latest)")
      ->needs(seq);
  cmd->add_option("--consistency", flags->consistency,
                  "Old tree size: prove the latest checkpoint extends it")
      ->excludes(seq);
  return [flags] {
    if (!flags->seq && !flags->consistency) {
      fmt::print(stderr, "error: give --seq N or --consistency OLD\n");
      return kExitFailure;
    }
    auto ledger = OpenLedgerForAudit(flags->ledger);
    if (!ledger) return kExitFailure;
    auto proof = flags->seq ? ledger->InclusionProof(*flags->seq, flags->size)
                            : ledger->ConsistencyProof(*flags->consistency);
    if (!proof.ok()) {
      fmt::print(stderr, "error: {}\n", proof.status().message());
      return kExitFailure;
    }
    fmt::print("{}", *proof);
    return kExitOk;
  };
}

ARBITER_COMMAND("audit proof", SetupProof);

}  // namespace
}  // namespace arbiter::cli
