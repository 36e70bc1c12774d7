// Obligations followed up (spec/audit.md, "Obligations followed up"): a decision whose rule
// gave a `require_evidence` obligation stays open until evidence of that type, from an author
// holding that role, is linked to it; past its deadline it is overdue. `arbiter audit
// obligations`, the report and the daemon's metrics all read obligations through this.
#pragma once

#include <arbiter/status.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/history.h"

namespace arbiter::audit {

// What a `require_evidence` obligation asks for (spec/language.md, "Evidence obligations").
struct EvidenceRequirement {
  std::string type;        // the evidence `type` that discharges it
  std::string role;        // the role its author must hold (`author_roles`); empty: anyone
  std::string within;      // the deadline as written ("24h"); empty: none
  int64_t within_seconds = 0;  // 0: no deadline
};

// The requirement one recorded obligation (`{"name","rule","advice","payload"}`) states:
// nullopt when it is not a `require_evidence` obligation; InvalidArgument when it is one but
// its payload does not say what it needs (the checker refuses such literals; a computed
// value can still be wrong at decision time).
Result<std::optional<EvidenceRequirement>> ReadEvidenceRequirement(const nlohmann::json& obligation);
// "90s", "30m", "24h", "7d" (a positive integer and one unit) as seconds; InvalidArgument
// otherwise.
Result<int64_t> ParseObligationDuration(std::string_view text);
// True when the evidence entry payload `evidence` discharges `requirement`: its type
// matches and, when a role is required, its `author_roles` hold it.
bool Discharges(const EvidenceRequirement& requirement, const nlohmann::json& evidence);

enum class ObligationState {
  kOpen,             // no discharging evidence yet, deadline not passed (or none)
  kDischarged,       // discharged in time
  kDischargedLate,   // discharged, after the deadline
  kOverdue,          // no discharging evidence and the deadline has passed
};
std::string_view ObligationStateName(ObligationState state);  // "open", "discharged", ...

struct FollowedObligation {
  uint64_t decision_seq = 0;
  std::string decision_id;
  std::string decided_at;  // the decision entry's time
  std::string decision;    // "allow" | "deny"
  std::string rule;        // the rule that gave the obligation
  std::vector<std::string> controls;  // the decision's controls
  EvidenceRequirement requirement;
  std::string due;         // decided_at + within (RFC 3339 UTC); empty: no deadline
  ObligationState state = ObligationState::kOpen;
  // The first discharging evidence, when there is one.
  std::optional<uint64_t> evidence_seq;
  std::string evidence_time;
  std::string evidence_author;
  // Set when the recorded payload did not say what it needs: the obligation counts as open
  // and this says why (a policy defect an auditor must see, not a silent pass).
  std::string problem;
};

struct ObligationFollowUp {
  std::vector<FollowedObligation> obligations;  // in decision seq order
  uint64_t open = 0;
  uint64_t discharged = 0;
  uint64_t discharged_late = 0;
  uint64_t overdue = 0;
  std::string as_of;  // the time deadlines were judged against

  // spec/audit.md, "Obligations followed up"; with `only`, just the obligations in that
  // state (the counts stay whole).
  std::string ToJson(std::optional<ObligationState> only = std::nullopt) const;
  // For people: the counts, then one line per obligation, overdue ones first.
  std::string ToText(std::optional<ObligationState> only = std::nullopt) const;
};
// The state named `name` ("open", "overdue", ...); nullopt for anything else.
std::optional<ObligationState> ParseObligationState(std::string_view name);

// Follows every `require_evidence` obligation of the decisions in `decisions` (whose kinds
// Select/Scan admit) against the evidence entries the history holds, judged at `now`
// (RFC 3339 UTC; empty: the current time). One pass over the evidence after the first
// decision; memory is proportional to the obligations, not the ledger.
Result<ObligationFollowUp> FollowObligations(const History& history, SeqRange decisions,
                                             std::string_view now = {});

}  // namespace arbiter::audit
