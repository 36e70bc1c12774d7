// `arbiter keygen`: make an Ed25519 signing key for the ledger's checkpoints.
#include <fmt/core.h>

#include <arbiter/ledger.h>

#include "cli/command.h"

namespace arbiter::cli {
namespace {

struct KeygenFlags {
  std::string name;
  std::string out = ".";
};

std::function<int()> SetupKeygen(CLI::App& parent) {
  auto flags = std::make_shared<KeygenFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "keygen", "Create a ledger signing key: DIR/NAME.key (private, mode 0600) and DIR/NAME.pub");
  cmd->add_option("--name", flags->name,
                  "Key name, e.g. example.com/arbiter (no spaces or '+'); also the checkpoint "
                  "origin of ledgers it creates")
      ->required();
  cmd->add_option("--out", flags->out, "Directory to write the key files to")->capture_default_str();
  return [flags] {
    auto key = ledger::SigningKey::Generate(flags->name);
    if (!key.ok()) {
      fmt::print(stderr, "error: {}\n", key.status().message());
      return kExitFailure;
    }
    auto paths = ledger::WriteKeyFiles(*key, flags->out);
    if (!paths.ok()) {
      fmt::print(stderr, "error: {}\n", paths.status().message());
      return kExitFailure;
    }
    fmt::print("private key: {} (keep it secret)\npublic key:  {}\nverifier:    {}\n",
               paths->first, paths->second, key->VerifierText());
    return kExitOk;
  };
}

ARBITER_COMMAND("keygen", SetupKeygen);

}  // namespace
}  // namespace arbiter::cli
