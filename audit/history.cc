#include "audit/history.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "ledger/entry.h"

namespace arbiter::audit {

namespace {

bool KindAdmitted(const std::vector<std::string>& kinds, std::string_view kind) {
  return kinds.empty() || std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

constexpr std::string_view kKindPrefix = "{\"kind\":\"";
constexpr std::string_view kPayloadAfterKind = "\",\"payload\":";
constexpr std::string_view kPrevAfterPayload = ",\"prev\":\"";

// The kind of an entry from its first bytes ({"kind":"<kind>",...}), without parsing it.
std::string_view KindOf(std::string_view raw) {
  constexpr std::string_view kPrefix = kKindPrefix;
  if (!raw.starts_with(kPrefix)) return {};
  size_t end = raw.find('"', kPrefix.size());
  if (end == std::string_view::npos) return {};
  return raw.substr(kPrefix.size(), end - kPrefix.size());
}

Status VisitRaw(uint64_t seq, std::string_view raw,
                const std::function<Status(const RawAuditEntry&)>& visit) {
  auto view = ledger::ParseEntry(raw);
  if (!view.ok()) {
    return Status::Corruption(
        fmt::format("entry {} is not a well-formed entry: {}", seq, view.status().message()));
  }
  return visit(RawAuditEntry{seq, view->kind, view->time, view->payload});
}

Result<AuditEntry> ParseAuditEntry(uint64_t seq, std::string raw) {
  nlohmann::json parsed = nlohmann::json::parse(raw, nullptr, false);
  if (!parsed.is_object() || !parsed["kind"].is_string() || !parsed["time"].is_string() ||
      !parsed["payload"].is_object()) {
    return Status::Corruption(fmt::format("entry {} is not a well-formed entry", seq));
  }
  AuditEntry e;
  e.seq = seq;
  e.kind = parsed["kind"].get<std::string>();
  e.time = parsed["time"].get<std::string>();
  e.payload = std::move(parsed["payload"]);
  e.raw = std::move(raw);
  return e;
}

// Entry times are non-decreasing in seq, so a time bound selects a contiguous run; `time_of`
// gives entry i's time. First index in [lo, hi) whose time prefix is >= (or >) `prefix`.
template <typename TimeOf>
Result<uint64_t> FirstTimeAtLeast(uint64_t lo, uint64_t hi, const std::string& prefix,
                                  bool strictly_after, TimeOf time_of) {
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    ARBITER_ASSIGN_OR_RETURN(std::string time, time_of(mid));
    std::string_view head = std::string_view(time).substr(0, prefix.size());
    bool before = strictly_after ? head <= prefix : head < prefix;
    if (before) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Applies parsed bounds to the positions [0, n) of entries whose seq and time `seq_of` and
// `time_of` give (seqs ascending).
template <typename SeqOf, typename TimeOf>
Result<SeqRange> SelectPositions(const EntryFilter& filter, uint64_t n, SeqOf seq_of,
                                 TimeOf time_of, uint64_t* first_pos, uint64_t* end_pos) {
  ARBITER_ASSIGN_OR_RETURN(ledger::RangeBound from, ledger::ParseRangeBound(filter.from, "--from"));
  ARBITER_ASSIGN_OR_RETURN(ledger::RangeBound to, ledger::ParseRangeBound(filter.to, "--to"));
  uint64_t lo = 0, hi = n;  // positions [lo, hi)
  if (from.set) {
    if (from.is_seq) {
      while (lo < hi && seq_of(lo) < from.seq) ++lo;  // callers keep positions == seqs or few
    } else {
      ARBITER_ASSIGN_OR_RETURN(lo, FirstTimeAtLeast(lo, hi, from.time, false, time_of));
    }
  }
  if (to.set) {
    if (to.is_seq) {
      while (hi > lo && seq_of(hi - 1) > to.seq) --hi;
    } else {
      ARBITER_ASSIGN_OR_RETURN(hi, FirstTimeAtLeast(lo, hi, to.time, true, time_of));
    }
  }
  *first_pos = lo;
  *end_pos = hi;
  if (lo >= hi) return SeqRange{1, 0};
  return SeqRange{seq_of(lo), seq_of(hi - 1)};
}

class LedgerHistory : public History {
 public:
  explicit LedgerHistory(const ledger::Ledger& ledger) : ledger_(ledger) {}

  Result<SeqRange> Select(const EntryFilter& filter) const override {
    const uint64_t size = ledger_.Size();
    ARBITER_ASSIGN_OR_RETURN(ledger::RangeBound from, ledger::ParseRangeBound(filter.from, "--from"));
    ARBITER_ASSIGN_OR_RETURN(ledger::RangeBound to, ledger::ParseRangeBound(filter.to, "--to"));
    // Seq bounds are positions here; clamp them before the (logarithmic) time search.
    uint64_t lo = from.set && from.is_seq ? std::min(from.seq, size) : 0;
    uint64_t hi = to.set && to.is_seq ? std::min(to.seq + 1, size) : size;
    EntryFilter times;
    if (from.set && !from.is_seq) times.from = filter.from;
    if (to.set && !to.is_seq) times.to = filter.to;
    auto time_of = [this](uint64_t seq) -> Result<std::string> {
      ARBITER_ASSIGN_OR_RETURN(ledger::StoredEntry e, ledger_.Get(seq));
      return e.time;
    };
    uint64_t first = 0, end = 0;
    if (lo >= hi) return SeqRange{1, 0};
    auto seq_of = [lo](uint64_t pos) { return lo + pos; };
    auto time_at = [&](uint64_t pos) { return time_of(lo + pos); };
    ARBITER_ASSIGN_OR_RETURN(SeqRange r,
                             SelectPositions(times, hi - lo, seq_of, time_at, &first, &end));
    return r;
  }

  Status Scan(SeqRange range, const std::vector<std::string>& kinds,
              const std::function<Status(const AuditEntry&)>& visit) const override {
    if (range.empty()) return Status::Ok();
    const uint64_t last = std::min(range.last, ledger_.Size() == 0 ? 0 : ledger_.Size() - 1);
    if (ledger_.Size() == 0) return Status::Ok();
    for (uint64_t seq = range.first; seq <= last; ++seq) {
      ARBITER_ASSIGN_OR_RETURN(ledger::StoredEntry stored, ledger_.Get(seq));
      if (!KindAdmitted(kinds, stored.kind)) continue;
      ARBITER_ASSIGN_OR_RETURN(AuditEntry entry, ParseAuditEntry(seq, std::move(stored.raw)));
      ARBITER_RETURN_IF_ERROR(visit(entry));
    }
    return Status::Ok();
  }

  Status ScanRaw(SeqRange range, const std::vector<std::string>& kinds,
                 const std::function<Status(const RawAuditEntry&)>& visit) const override {
    if (range.empty() || ledger_.Size() == 0) return Status::Ok();
    const uint64_t last = std::min(range.last, ledger_.Size() - 1);
    for (uint64_t seq = range.first; seq <= last; ++seq) {
      ARBITER_ASSIGN_OR_RETURN(ledger::StoredEntry stored, ledger_.Get(seq));
      if (!KindAdmitted(kinds, stored.kind)) continue;
      // Get checked the envelope: the payload lies between the kind and the fixed-shape
      // members after it, the last `,"prev":"` of the entry.
      const std::string_view raw = stored.raw;
      const size_t begin = kKindPrefix.size() + stored.kind.size() + kPayloadAfterKind.size();
      const size_t end = raw.rfind(kPrevAfterPayload);
      if (end == std::string_view::npos || end < begin) {
        return Status::Corruption(fmt::format("entry {} is not a well-formed entry", seq));
      }
      ARBITER_RETURN_IF_ERROR(
          visit(RawAuditEntry{seq, stored.kind, stored.time, raw.substr(begin, end - begin)}));
    }
    return Status::Ok();
  }

  Result<std::optional<AuditEntry>> Get(uint64_t seq) const override {
    if (seq >= ledger_.Size()) return std::optional<AuditEntry>();
    ARBITER_ASSIGN_OR_RETURN(ledger::StoredEntry stored, ledger_.Get(seq));
    ARBITER_ASSIGN_OR_RETURN(AuditEntry entry, ParseAuditEntry(seq, std::move(stored.raw)));
    return std::optional<AuditEntry>(std::move(entry));
  }

  Result<std::optional<AuditEntry>> FindDecision(std::string_view decision_id) const override {
    ARBITER_ASSIGN_OR_RETURN(std::optional<uint64_t> seq, ledger_.FindDecision(decision_id));
    if (!seq) return std::optional<AuditEntry>();
    return Get(*seq);
  }

  SeqRange All() const override {
    uint64_t size = ledger_.Size();
    return size == 0 ? SeqRange{1, 0} : SeqRange{0, size - 1};
  }

  std::string Describe() const override {
    return fmt::format("ledger {} ({} entries)", ledger_.origin(), ledger_.Size());
  }

 private:
  const ledger::Ledger& ledger_;
};

// A verified bundle's entries, held in memory in seq order (a bundle is what an auditor
// takes away: a selection, not a whole production ledger).
class BundleHistory : public History {
 public:
  BundleHistory(std::string path, std::vector<std::pair<uint64_t, std::string>> entries,
                uint64_t dependencies)
      : path_(std::move(path)), entries_(std::move(entries)), dependencies_(dependencies) {}

  Result<SeqRange> Select(const EntryFilter& filter) const override {
    uint64_t first = 0, end = 0;
    auto seq_of = [this](uint64_t pos) { return entries_[pos].first; };
    auto time_of = [this](uint64_t pos) -> Result<std::string> {
      ARBITER_ASSIGN_OR_RETURN(AuditEntry e, ParseAuditEntry(entries_[pos].first,
                                                             entries_[pos].second));
      return e.time;
    };
    return SelectPositions(filter, entries_.size(), seq_of, time_of, &first, &end);
  }

  Status Scan(SeqRange range, const std::vector<std::string>& kinds,
              const std::function<Status(const AuditEntry&)>& visit) const override {
    if (range.empty()) return Status::Ok();
    auto it = std::lower_bound(entries_.begin(), entries_.end(), range.first,
                               [](const auto& e, uint64_t seq) { return e.first < seq; });
    for (; it != entries_.end() && it->first <= range.last; ++it) {
      if (!KindAdmitted(kinds, KindOf(it->second))) continue;
      ARBITER_ASSIGN_OR_RETURN(AuditEntry entry, ParseAuditEntry(it->first, it->second));
      ARBITER_RETURN_IF_ERROR(visit(entry));
    }
    return Status::Ok();
  }

  Status ScanRaw(SeqRange range, const std::vector<std::string>& kinds,
                 const std::function<Status(const RawAuditEntry&)>& visit) const override {
    if (range.empty()) return Status::Ok();
    auto it = std::lower_bound(entries_.begin(), entries_.end(), range.first,
                               [](const auto& e, uint64_t seq) { return e.first < seq; });
    for (; it != entries_.end() && it->first <= range.last; ++it) {
      if (!KindAdmitted(kinds, KindOf(it->second))) continue;
      ARBITER_RETURN_IF_ERROR(VisitRaw(it->first, it->second, visit));
    }
    return Status::Ok();
  }

  Result<std::optional<AuditEntry>> Get(uint64_t seq) const override {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), seq,
                               [](const auto& e, uint64_t s) { return e.first < s; });
    if (it == entries_.end() || it->first != seq) return std::optional<AuditEntry>();
    ARBITER_ASSIGN_OR_RETURN(AuditEntry entry, ParseAuditEntry(it->first, it->second));
    return std::optional<AuditEntry>(std::move(entry));
  }

  Result<std::optional<AuditEntry>> FindDecision(std::string_view decision_id) const override {
    std::optional<AuditEntry> found;
    Status st = Scan(All(), {"decision"}, [&](const AuditEntry& e) {
      if (!found && e.payload.value("decision_id", "") == decision_id) found = e;
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return found;
  }

  SeqRange All() const override {
    if (entries_.empty()) return SeqRange{1, 0};
    return SeqRange{entries_.front().first, entries_.back().first};
  }

  std::string Describe() const override {
    if (entries_.empty()) return fmt::format("bundle {} (no entries)", path_);
    std::string described = fmt::format("bundle {} (seq {}..{}, {} entries", path_,
                                        entries_.front().first, entries_.back().first,
                                        entries_.size());
    if (dependencies_ > 0) {
      described += fmt::format(", {} of them dependencies", dependencies_);
    }
    return described + ")";
  }

 private:
  std::string path_;
  std::vector<std::pair<uint64_t, std::string>> entries_;  // (seq, exact bytes), seq ascending
  uint64_t dependencies_ = 0;  // how many of them came as dependency lines
};

}  // namespace

std::unique_ptr<History> History::FromLedger(const ledger::Ledger& ledger) {
  return std::make_unique<LedgerHistory>(ledger);
}

Result<std::unique_ptr<History>> History::FromBundle(const std::string& path,
                                                     std::span<const ledger::VerifierKey> trusted) {
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound(fmt::format("cannot read bundle '{}'", path));
    ledger::VerifyReport report = ledger::VerifyExportBundle(in, trusted);
    if (!report.ok) {
      return Status::Corruption(fmt::format("bundle '{}' does not verify: {}", path,
                                            report.problem));
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot read bundle '{}'", path));
  // The range's entries, the key chain's rotations and (version 4) the dependency entries,
  // all proven in the checkpoint's tree by the verification above, merged in seq order.
  std::map<uint64_t, std::string> entries;
  uint64_t dependencies = 0;
  std::string line;
  bool header = true;
  auto take = [&entries](const nlohmann::json& item) {
    if (!item.is_object() || !item.contains("entry") || !item["entry"].is_string() ||
        !item.contains("seq") || !item["seq"].is_number_unsigned()) {
      return;
    }
    entries.emplace(item["seq"].get<uint64_t>(), item["entry"].get<std::string>());
  };
  while (std::getline(in, line)) {
    nlohmann::json item = nlohmann::json::parse(line, nullptr, false);
    if (header) {
      header = false;
      if (item.is_object() && item.contains("key_chain") && item["key_chain"].is_array()) {
        for (const auto& link : item["key_chain"]) take(link);
      }
      continue;
    }
    if (item.is_object() && item.contains("dependency")) ++dependencies;
    take(item);
  }
  std::vector<std::pair<uint64_t, std::string>> sorted(std::make_move_iterator(entries.begin()),
                                                       std::make_move_iterator(entries.end()));
  return std::unique_ptr<History>(
      std::make_unique<BundleHistory>(path, std::move(sorted), dependencies));
}

}  // namespace arbiter::audit
