// Small helpers shared by the `arbiter audit ...` commands: opening the ledger read-only and
// loading verifier keys, each printing a clear error on failure.
#pragma once

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

}  // namespace arbiter::cli
