// `arbiter audit rotate-key`: hand the ledger over to a new signing key. The rotation is an
// entry signed by the current key that names the new one (spec/ledger-format.md, "key");
// entries before it get a last checkpoint by the old key, later checkpoints are signed by
// the new key, and `audit verify` with the old public key follows the rotation.
#include "cli/command.h"

#include <fmt/core.h>

#include <arbiter/ledger.h>

namespace arbiter::cli {
namespace {

std::function<int()> SetupRotateKey(CLI::App& parent) {
  struct Options {
    std::string dir, key, new_key;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = parent.add_subcommand(
      "rotate-key", "Hand the ledger to a new signing key (a rotation entry signed by the old one)");
  cmd->add_option("--ledger", o->dir, "Ledger directory")->required();
  cmd->add_option("--key", o->key, "The ledger's current private key file")->required();
  cmd->add_option("--new-key", o->new_key, "The new private key file (from `arbiter keygen`)")
      ->required();
  return [o] {
    auto new_key = ledger::SigningKey::LoadFile(o->new_key);
    if (!new_key.ok()) {
      fmt::print(stderr, "error: {}\n", new_key.status().message());
      return kExitFailure;
    }
    ledger::LedgerOptions options;
    options.key_file = o->key;
    options.create_if_missing = false;
    auto ledger = ledger::Ledger::Open(o->dir, options);
    if (!ledger.ok()) {
      fmt::print(stderr, "error: {}\n", ledger.status().message());
      return kExitFailure;
    }
    const std::string verifier = new_key->VerifierText();
    auto receipt = (*ledger)->RotateKey(std::move(new_key).value());
    if (!receipt.ok()) {
      fmt::print(stderr, "error: {}\n", receipt.status().message());
      return kExitFailure;
    }
    Status closed = (*ledger)->Close();
    if (!closed.ok()) {
      fmt::print(stderr, "error: {}\n", closed.message());
      return kExitFailure;
    }
    fmt::print("rotated to {} at seq {} (entry {}); sign with the new key from now on\n",
               verifier, receipt->seq, receipt->entry_hash);
    return kExitOk;
  };
}

ARBITER_COMMAND("audit rotate-key", SetupRotateKey);

}  // namespace
}  // namespace arbiter::cli
