// `arbiter audit erase`: right to erasure for requests recorded with --record
// requests=encrypted. Deletes the subject's data key from the ledger's private store and
// appends an erasure entry (spec/ledger-format.md, "Record modes and erasure"); the entries
// themselves are untouched, so `audit verify` still passes.
#include "cli/command.h"

#include <fmt/core.h>

#include <arbiter/ledger.h>

#include "recorder/privacy.h"

namespace arbiter::cli {
namespace {

std::function<int()> SetupErase(CLI::App& parent) {
  struct Options {
    std::string dir, key, private_dir, subject, subject_type, reason;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = parent.add_subcommand(
      "erase", "Erase a subject's encrypted requests (delete its data key, record an erasure)");
  cmd->add_option("--ledger", o->dir, "Ledger directory (the daemon must be stopped)")->required();
  cmd->add_option("--key", o->key, "The ledger's private signing key file")->required();
  cmd->add_option("--subject", o->subject,
                  "The subject as TYPE:ID (User:alice), or its id with --subject-type")
      ->required();
  cmd->add_option("--subject-type", o->subject_type,
                  "The subject's type (AuthZEN subject.type), when --subject is only its id");
  cmd->add_option("--reason", o->reason, "Why (recorded in the erasure entry; no personal data)");
  cmd->add_option("--private", o->private_dir,
                  "The ledger's private store (default: <ledger>.private)");
  return [o] {
    // Subjects are keyed by type and id (AuthZEN): `User:alice`, or `alice` with a type.
    if (o->subject_type.empty()) {
      size_t colon = o->subject.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == o->subject.size()) {
        fmt::print(stderr, "error: --subject '{}' names no type: give TYPE:ID (User:alice) or "
                           "--subject-type TYPE\n", o->subject);
        return kExitFailure;
      }
      o->subject_type = o->subject.substr(0, colon);
      o->subject.erase(0, colon + 1);
    }
    std::string private_dir =
        o->private_dir.empty() ? ledger::PrivacyStore::DefaultDir(o->dir) : o->private_dir;
    auto store = ledger::PrivacyStore::Open(private_dir, false);
    if (!store.ok()) {
      fmt::print(stderr, "error: {}\n", store.status().message());
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
    auto erased = recorder::EraseSubject(**ledger, **store, o->subject_type, o->subject, o->reason);
    Status closed = (*ledger)->Close();
    if (!erased.ok()) {
      fmt::print(stderr, "error: {}\n", erased.status().message());
      return kExitFailure;
    }
    if (!closed.ok()) {
      fmt::print(stderr, "error: {}\n", closed.message());
      return kExitFailure;
    }
    fmt::print("erased data key {} of subject {}: {} entries unreadable; erasure entry at seq {} "
               "({})\n",
               erased->key_id, erased->subject, erased->entries, erased->receipt.seq,
               erased->receipt.entry_hash);
    return kExitOk;
  };
}

ARBITER_COMMAND("audit erase", SetupErase);

}  // namespace
}  // namespace arbiter::cli
