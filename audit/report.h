// Reports people read (spec/audit.md, "Reports"): the figures of `arbiter audit report`,
// computed from a ledger or an export bundle (audit::History), and written as one
// self-contained HTML page, as JSON or as CSV (audit/report_html.cc, audit/report_formats.cc).
// Everything here reads.
#pragma once

#include <arbiter/ledger.h>
#include <arbiter/status.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/history.h"
#include "audit/obligations.h"

namespace arbiter::audit {

// The bucket of decisions whose deciding rules carry no @control.
inline constexpr std::string_view kNoControl = "(no control)";

// How decisions ended. The three are disjoint: `deny` counts the denials that did not fail
// closed; a fail-closed denial (spec/language.md, section 7, rule 7: a forbid rule erred and
// counts as matching; recorded with that rule in both `reasons` and `errors`) counts in
// `fail_closed` only. All denials: deny + fail_closed.
struct OutcomeCounts {
  uint64_t allow = 0;
  uint64_t deny = 0;
  uint64_t fail_closed = 0;
  uint64_t total() const { return allow + deny + fail_closed; }
};

// What the report says about the ledger's (or bundle's) integrity.
struct VerificationStatus {
  bool checked = false;  // false: no key to check signatures with (see `problem`)
  bool ok = false;
  std::string summary;   // VerifyReport::Summary(), or why it was not checked
  std::string problem;
  std::vector<std::string> keys;  // verifier key texts used (given, or the bundle's own)
  std::vector<std::string> key_names;  // the keys followed (rotations included)
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  uint64_t signed_size = 0;     // the latest signed checkpoint's tree size
  std::string checkpoint_time;  // time of the last entry it covers; empty: not held
  uint64_t unsigned_tail = 0;   // entries after it, covered only by the hash chain
};

// One evidence entry linked to a listed decision.
struct EvidenceSummary {
  uint64_t seq = 0;
  std::string time;
  std::string type;
  std::string author;
  std::string expected;  // review evidence: its body.expected
};

// A decision listed under its control (the first ReportOptions::max_listed of each).
struct ListedDecision {
  uint64_t seq = 0;
  std::string id;
  std::string time;
  std::string outcome;  // "allow" | "deny" | "fail_closed"
  std::string subject, action, resource;  // as Type::"id" / the action name; empty: not recorded
  std::vector<std::string> rules;         // its reasons' rules
  std::vector<EvidenceSummary> evidence;  // linked evidence, seq order
  std::string corrected_to;  // the latest review's expected when it differs (open correction)
};

struct ControlFigures {
  std::string name;
  OutcomeCounts counts;
  std::map<std::string, OutcomeCounts> per_day;  // "YYYY-MM-DD" (UTC) -> counts
  uint64_t with_evidence = 0;     // decisions with at least one linked evidence entry
  uint64_t open_corrections = 0;  // decisions whose latest review expects the other outcome
  std::vector<ListedDecision> listed;  // the first max_listed, seq order
  uint64_t more = 0;                   // decisions not listed
};

struct RuleFigures {
  std::string name;  // qualified rule id
  std::vector<std::string> controls;  // the controls of decisions it decided
  OutcomeCounts counts;
};

struct PolicyChange {
  uint64_t seq = 0;
  std::string time;
  std::string activated_by;
  std::string reason;
  std::string bundle;
  std::string data;
  // Versus the activation before it (none before: every source is added).
  std::vector<std::string> added, removed, changed;  // source paths
  uint64_t unchanged = 0;
  bool first = false;  // no earlier activation in the history
};

struct ReportOptions {
  EntryFilter range;                 // from/to (kinds ignored)
  ledger::DecisionFilter decisions;  // which decisions count (empty: all)
  size_t max_listed = 50;            // decisions listed per control
  size_t max_obligations = 200;      // obligations not discharged in time listed
  std::string now;                   // obligations' deadlines are judged at this time
                                     // (RFC 3339 UTC); empty: the current time
};

struct ReportFigures {
  std::string source;       // History::Describe()
  std::string generated_at;  // RFC 3339 UTC
  ReportOptions options;
  SeqRange range{1, 0};     // the entries selected
  VerificationStatus verification;
  OutcomeCounts totals;     // selected decisions
  uint64_t with_evidence = 0;
  uint64_t open_corrections = 0;
  std::vector<ControlFigures> controls;  // by name, "(no control)" last
  std::vector<RuleFigures> rules;        // by name
  std::vector<PolicyChange> policy_changes;  // activations in the range, seq order
  // The follow-up of the selected decisions: its counts are whole; its list holds the first
  // max_obligations of those open, overdue or discharged late, in decision order.
  ObligationFollowUp obligations;
  uint64_t obligations_more = 0;  // of those, not listed
};

// Computes the figures over the selected range: a pass over the evidence from the range's
// first entry on (evidence comes after what it names, wherever it lies), then one over the
// decisions (and activations, from the history's first entry, so the first change in the
// range is compared with the activation before it), then the obligations' follow-up. Memory
// grows with the controls, rules, days, evidence links and listed decisions, not with the
// number of entries. `verification` is copied into the figures as given.
Result<ReportFigures> ComputeReport(const History& history, const ReportOptions& options,
                                    VerificationStatus verification);

// The verification status of a ledger checked with `keys` (none: not checked, and the status
// says to give --key), or of a bundle file (its own key when `keys` is empty).
VerificationStatus VerifyLedgerForReport(const ledger::Ledger& ledger,
                                         const std::vector<ledger::VerifierKey>& keys);
VerificationStatus VerifyBundleForReport(const std::string& path, const History& history,
                                         const std::vector<ledger::VerifierKey>& keys);

// The three renderings (spec/audit.md, "Reports").
std::string ReportToHtml(const ReportFigures& figures);
std::string ReportToJson(const ReportFigures& figures);  // one object, ends with '\n'
std::string ReportToCsv(const ReportFigures& figures);

}  // namespace arbiter::audit
