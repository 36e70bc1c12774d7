#include "daemon/what_if.h"

#include "audit/history.h"
#include "audit/replay.h"

namespace arbiter::daemon {

Result<nlohmann::json> WhatIfImpact(const ledger::Ledger& ledger, const Engine& candidate,
                                    const EntityStore* candidate_data, uint64_t last_decisions) {
  audit::ReplayOptions what_if;
  what_if.candidate = &candidate;
  what_if.candidate_data = candidate_data;
  what_if.last_decisions = last_decisions;
  auto history = audit::History::FromLedger(ledger);
  auto report = audit::Replay(*history, what_if);
  if (!report.ok()) return report.status();
  return nlohmann::json::parse(report->ToJson());
}

}  // namespace arbiter::daemon
