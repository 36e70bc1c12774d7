// Small helpers shared by the `arbiter audit ...` commands: opening the ledger read-only and
// loading verifier keys, each printing a clear error on failure.
#pragma once

#include <fmt/core.h>

#include <arbiter/ledger.h>

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

}  // namespace arbiter::cli
