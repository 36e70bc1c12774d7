// What-if for the daemon's endpoints (spec/http-api.md): a candidate policy set decides again
// the requests of the last recorded decisions of a ledger (audit::Replay with a candidate)
// and the impact is answered as spec/audit.md's "Replay report". One implementation behind
// `PUT /v1/policies?dry_run=true` (the production ledger) and `POST /v1/playground/whatif`
// (the scratch ledger). Reads only; nothing is activated or recorded.
#pragma once

#include <arbiter/engine.h>
#include <arbiter/entities.h>
#include <arbiter/ledger.h>
#include <arbiter/status.h>

#include <nlohmann/json.hpp>

#include <cstdint>

namespace arbiter::daemon {

// The replay report (JSON) of `candidate` over the last `last_decisions` decisions of
// `ledger` (1..Limits::whatif_decisions: the caller bounds it). `candidate_data`: decide
// against this entity data instead of each decision's recorded data version; null: recorded.
Result<nlohmann::json> WhatIfImpact(const ledger::Ledger& ledger, const Engine& candidate,
                                    const EntityStore* candidate_data, uint64_t last_decisions);

}  // namespace arbiter::daemon
