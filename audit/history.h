// The recorded history an audit reads: the entries of a live ledger or of an export bundle,
// in seq order, with their payloads parsed. Replay, what-if, reports and obligation follow-up
// read through this, so each of them works on a bundle, offline, exactly as on a ledger.
// Reading never writes: a ledger is opened (or passed) read-only.
#pragma once

#include <arbiter/ledger.h>
#include <arbiter/status.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter::audit {

struct AuditEntry {
  uint64_t seq = 0;
  std::string kind;
  std::string time;        // RFC 3339 UTC, microseconds
  std::string raw;         // the exact entry bytes
  nlohmann::json payload;  // parsed
};

// An entry as ScanRaw visits it: views into the entry's bytes, valid during the visit.
struct RawAuditEntry {
  uint64_t seq = 0;
  std::string_view kind;
  std::string_view time;
  std::string_view payload;  // the payload's canonical JSON text, not parsed
};

// Which entries to visit. Bounds are what `audit export` takes: a seq (all digits) or a UTC
// time prefix ("2026-11-26", "2026-11-26T10:00:00Z"), both inclusive; empty: unbounded.
struct EntryFilter {
  std::string from;
  std::string to;
  // Kinds to visit; empty: every kind. Entries of other kinds are skipped before parsing.
  std::vector<std::string> kinds;
};

// A seq range, inclusive; empty when first > last.
struct SeqRange {
  uint64_t first = 0;
  uint64_t last = 0;
  bool empty() const { return first > last; }
};

class History {
 public:
  virtual ~History() = default;

  // Reads `ledger` (which must outlive the History).
  static std::unique_ptr<History> FromLedger(const ledger::Ledger& ledger);
  // Reads an export bundle after verifying it (ledger::VerifyExportBundle, with `trusted`
  // keys, or the bundle's own key when none are given): a bundle that does not verify is
  // refused with the verifier's reason. Only the bundle's entries are visible, in seq order:
  // those of its range, its key chain's rotations, and (version 4) its dependency entries,
  // the policy, data and evidence entries its decisions depend on wherever they lie, so
  // replay and `audit show --decision-id` work on a filtered bundle alone. Stubs of omitted
  // entries are not entries; dependencies are never decisions, so FindDecision finds only
  // the decisions of the range.
  static Result<std::unique_ptr<History>> FromBundle(const std::string& path,
                                                     std::span<const ledger::VerifierKey> trusted);

  // The seqs `filter`'s bounds select among the entries held (time bounds found by binary
  // search: entry times never go back). An unparsable bound is InvalidArgument.
  virtual Result<SeqRange> Select(const EntryFilter& filter) const = 0;
  // Visits the entries of `range` whose kind `filter.kinds` admits (its bounds are ignored:
  // Select them first), in seq order. Stops at, and returns, the first error `visit` returns.
  virtual Status Scan(SeqRange range, const std::vector<std::string>& kinds,
                      const std::function<Status(const AuditEntry&)>& visit) const = 0;
  // The same without parsing payloads: for passes over millions of entries that read a few
  // members of each (the report), so the caller parses only what it needs.
  virtual Status ScanRaw(SeqRange range, const std::vector<std::string>& kinds,
                         const std::function<Status(const RawAuditEntry&)>& visit) const = 0;
  // The entry with this seq, if held.
  virtual Result<std::optional<AuditEntry>> Get(uint64_t seq) const = 0;
  // The decision entry with this id, if held.
  virtual Result<std::optional<AuditEntry>> FindDecision(std::string_view decision_id) const = 0;
  // All seqs held: [0, size) for a ledger; for a bundle, from the first entry it holds to the
  // last (its range, widened by dependencies that lie before or after it).
  virtual SeqRange All() const = 0;
  // What this is, for reports: "ledger DIR" or "bundle FILE (seq a..b)".
  virtual std::string Describe() const = 0;
};

}  // namespace arbiter::audit
