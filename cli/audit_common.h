// Small helpers shared by the `arbiter audit ...` commands: opening the ledger read-only and
// loading verifier keys, each printing a clear error on failure.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <arbiter/ledger.h>

#include "audit/history.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace arbiter::cli {

inline std::unique_ptr<ledger::Ledger> OpenLedgerForAudit(const std::string& dir) {
  auto ledger = ledger::Ledger::OpenReadOnly(dir);
  if (!ledger.ok()) {
    fmt::print(stderr, "error: {}\n", ledger.status().message());
    return nullptr;
  }
  return std::move(*ledger);
}

inline std::optional<std::vector<ledger::VerifierKey>> LoadVerifierKeys(
    const std::vector<std::string>& files) {
  std::vector<ledger::VerifierKey> keys;
  for (const auto& f : files) {
    auto key = ledger::VerifierKey::LoadFile(f);
    if (!key.ok()) {
      fmt::print(stderr, "error: {}\n", key.status().message());
      return std::nullopt;
    }
    keys.push_back(*key);
  }
  return keys;
}

// The history an audit command reads: a ledger (--ledger, read only) or an export bundle
// (--export, verified first with `keys`, or its own key). Exactly one must be given. Null
// after printing the error; `*ledger` keeps an opened ledger alive for the history.
inline std::unique_ptr<audit::History> OpenHistoryForAudit(
    const std::string& ledger_dir, const std::string& bundle_file,
    const std::vector<std::string>& keys, std::unique_ptr<ledger::Ledger>* ledger) {
  if (ledger_dir.empty() == bundle_file.empty()) {
    fmt::print(stderr, "error: give --ledger DIR or --export BUNDLE (one of them)\n");
    return nullptr;
  }
  if (!ledger_dir.empty()) {
    *ledger = OpenLedgerForAudit(ledger_dir);
    return *ledger ? audit::History::FromLedger(**ledger) : nullptr;
  }
  auto trusted = LoadVerifierKeys(keys);
  if (!trusted) return nullptr;
  auto opened = audit::History::FromBundle(bundle_file, *trusted);
  if (!opened.ok()) {
    fmt::print(stderr, "error: {}\n", opened.status().message());
    return nullptr;
  }
  return std::move(opened).value();
}

// --ledger / --export / --key: the history an audit command reads, named and explained the
// same way by every command that reads one (`key_help` where a command uses keys otherwise).
inline void AddHistoryOptions(
    CLI::App* cmd, std::string* ledger_dir, std::string* bundle_file, std::vector<std::string>* keys,
    const std::string& key_help =
        "With --export: public key(s) the bundle must verify with (default: its own)") {
  cmd->add_option("--ledger", *ledger_dir, "Ledger directory (read only)");
  cmd->add_option("--export", *bundle_file,
                  "An export bundle (audit export --bundle) instead of a ledger; it is verified "
                  "first");
  cmd->add_option("--key", *keys, key_help);
}

// The decision filter flags (spec/ledger-format.md, "Decision filters"), the same in every
// command that selects decisions.
inline void AddDecisionFilterOptions(CLI::App* cmd, ledger::DecisionFilter* filter) {
  cmd->add_option("--control", filter->controls,
                  "Only decisions under this control (an @control value; repeatable: any of them)");
  cmd->add_option("--rule", filter->rules,
                  "Only decisions this rule determined (its qualified id, as in reasons; "
                  "repeatable)");
  cmd->add_option("--decision-id", filter->decision_ids, "Only the decision with this id (repeatable)");
  cmd->add_option("--subject", filter->subject,
                  "Only decisions about this subject: Type::\"id\", Type::id or id (any type)");
  cmd->add_option("--action", filter->action, "Only decisions on this action name");
  cmd->add_option("--resource", filter->resource,
                  "Only decisions on this resource: Type::\"id\", Type::id or id");
  cmd->add_option("--decision", filter->decision, "Only allow or only deny decisions");
}

}  // namespace arbiter::cli
