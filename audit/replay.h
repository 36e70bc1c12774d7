// Replay: decide recorded requests again, from the ledger alone (spec/audit.md, "Replay").
//
// Each recorded decision names the bundle that decided it and the entity data it saw; both
// are in the ledger (policy entries hold the bundle's bytes, data entries the entity data),
// so the decision can be made again. Without a candidate, replay checks determinism: every
// replayed decision must equal its record (decision, reasons, obligations, errors and
// controls). With a candidate policy set, replay decides the same requests under it against
// the same data and reports the impact: what would change, grouped by rule and by control.
// Replay reads only; it never writes to the ledger.
#pragma once

#include <arbiter/engine.h>
#include <arbiter/entities.h>
#include <arbiter/status.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/history.h"

namespace arbiter::ledger {
class PrivacyStore;
}

namespace arbiter::audit {

struct ReplayOptions {
  EntryFilter range;                      // which decisions (kinds are ignored)
  std::vector<std::string> decision_ids;  // only these (empty: every decision in range)
  // Only the last this many decisions of the range (0: all): what-if before an activation.
  uint64_t last_decisions = 0;
  // Decide under this policy set instead of the recorded one (what-if); null: reproduce.
  const Engine* candidate = nullptr;
  // With a candidate: decide against this entity data instead of each decision's recorded
  // data version (a candidate activation that brings new data). Null: the recorded data.
  const EntityStore* candidate_data = nullptr;
  // Opens encrypted requests (record mode `encrypted`); null: they are not replayable.
  const ledger::PrivacyStore* private_store = nullptr;
  size_t max_examples = 20;  // differences listed in full (all are counted)
};

// One side of a difference: what a decision was, or is now.
struct ReplayOutcome {
  std::string decision;            // "allow" | "deny"
  std::vector<std::string> rules;  // the determining rules (reasons)
  std::vector<std::string> controls;
};

struct ReplayDifference {
  uint64_t seq = 0;
  std::string decision_id;
  std::string time;
  std::string subject, action, resource;  // "Type:id", "name", "Type:id" from the request
  ReplayOutcome recorded, replayed;
  std::vector<std::string> what;  // which parts differ: decision, reasons, obligations, errors, controls
};

// The impact of a candidate on one rule or control.
struct ImpactGroup {
  std::string name;
  uint64_t changed = 0;
  uint64_t allow_to_deny = 0;
  uint64_t deny_to_allow = 0;
  std::vector<std::string> controls;  // rules only: the controls the rule implements
};

struct ReplayReport {
  bool candidate = false;       // what-if (true) or reproduce (false)
  std::string candidate_bundle;  // its digest
  std::string source;            // History::Describe()
  SeqRange range;
  uint64_t decisions = 0;        // decision entries selected
  uint64_t replayed = 0;         // decided again
  uint64_t same = 0;             // reproduce: equal to the record; candidate: same decision
  uint64_t differ = 0;           // reproduce: any part differs; candidate: decision flips
  uint64_t allow_to_deny = 0;
  uint64_t deny_to_allow = 0;
  uint64_t reasons_changed = 0;  // candidate: same decision, other determining rules
  // Not replayable, by reason ("the request is recorded as a digest", ...).
  std::map<std::string, uint64_t> not_replayable;
  uint64_t not_replayable_count() const;
  std::vector<ImpactGroup> by_rule;     // candidate: most changed first
  std::vector<ImpactGroup> by_control;  // candidate: most changed first
  std::vector<ReplayDifference> examples;  // the first max_examples differences

  // Reproduce: every selected decision was replayed and reproduced.
  bool reproduced_all() const { return !candidate && differ == 0 && not_replayable.empty(); }
  std::string ToText() const;  // for people
  std::string ToJson() const;  // spec/audit.md, "Replay report"
};

Result<ReplayReport> Replay(const History& history, const ReplayOptions& options);

}  // namespace arbiter::audit
