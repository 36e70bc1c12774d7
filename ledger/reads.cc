// Reads: entries, subtree hashes (storage, the in-memory upper levels, batched prefetch),
// decision and policy lookups, roots and proofs. Any thread, no writer lock: what they need
// from the writer is published through Impl's atomics and cache_mu_.
#include <arbiter/ledger.h>

#include <algorithm>

#include "common/encoding.h"
#include "ledger/entry.h"
#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

Result<std::optional<std::string>> GetOptional(const LedgerStorage& s, std::string_view key) {
  std::string value;
  Status st = s.Get(key, &value);
  if (st.code() == StatusCode::kNotFound) return std::optional<std::string>();
  if (!st.ok()) return st;
  return std::optional<std::string>(std::move(value));
}

Result<StoredEntry> Ledger::Impl::Get(uint64_t seq) const {
  StoredEntry e;
  Status st = storage_->Get(layout::EntryKey(seq), &e.raw);
  if (st.code() == StatusCode::kNotFound) {
    return Status::NotFound("no entry " + std::to_string(seq) + " (the ledger has " +
                            std::to_string(Size()) + " entries)");
  }
  ARBITER_RETURN_IF_ERROR(st);
  ARBITER_ASSIGN_OR_RETURN(EntryView view, ParseEntry(e.raw));
  e.seq = view.seq;
  e.kind = std::string(view.kind);
  e.time = std::string(view.time);
  e.entry_hash = LeafHash(e.raw);
  return e;
}

Status Ledger::Impl::LoadUpperLevels(uint64_t size) {
  std::unique_lock lock(cache_mu_);
  upper_levels_.clear();
  for (int level = kCachedLevel; level < 64 && (size >> level) != 0; ++level) {
    std::vector<Hash>& hashes = upper_levels_.emplace_back();
    const uint64_t want = size >> level;
    hashes.reserve(want);
    std::string prefix = layout::SubtreeKey(level, 0).substr(0, layout::kSubtreePrefix.size() + 1);
    auto cursor = storage_->Seek(layout::SubtreeKey(level, 0));
    for (; cursor->Valid() && cursor->key().starts_with(prefix) && hashes.size() < want;
         cursor->Next()) {
      std::string_view run = cursor->value();
      if (cursor->key().size() != layout::kSubtreeKeySize ||
          hashes.size() % layout::kRunSpan != 0 ||
          layout::GetBE64(cursor->key().substr(prefix.size())) !=
              hashes.size() / layout::kRunSpan ||
          run.empty() || run.size() % 32 != 0 || run.size() > layout::kRunSpan * 32) {
        break;  // a gap or damage: leave the rest to storage reads (and verify)
      }
      for (size_t at = 0; at < run.size() && hashes.size() < want; at += 32) {
        Hash& h = hashes.emplace_back();
        std::copy(run.begin() + at, run.begin() + at + 32, h.begin());
      }
    }
    ARBITER_RETURN_IF_ERROR(cursor->status());
  }
  return Status::Ok();
}

void Ledger::Impl::CacheNodes(const std::vector<MerkleFrontier::Node>& nodes) {
  std::unique_lock lock(cache_mu_);
  for (const auto& n : nodes) {
    if (n.level < kCachedLevel) continue;
    size_t slot = n.level - kCachedLevel;
    if (upper_levels_.size() <= slot) upper_levels_.resize(slot + 1);
    if (upper_levels_[slot].size() == n.index) upper_levels_[slot].push_back(n.hash);
  }
}

std::optional<Hash> Ledger::Impl::CachedSubtree(int level, uint64_t index) const {
  if (level < kCachedLevel) return std::nullopt;
  std::shared_lock lock(cache_mu_);
  size_t slot = level - kCachedLevel;
  if (slot >= upper_levels_.size() || index >= upper_levels_[slot].size()) return std::nullopt;
  return upper_levels_[slot][index];
}

Result<Hash> HashFromSpan(int level, uint64_t index, std::string_view span) {
  size_t at = (index % layout::kRunSpan) * 32;
  if (span.size() % 32 != 0) {
    return Status::Corruption("stored Merkle hashes (level " + std::to_string(level) +
                              ") have the wrong length");
  }
  if (at >= span.size()) {
    return Status::Corruption("stored Merkle hash (level " + std::to_string(level) + ", index " +
                              std::to_string(index) + ") is missing");
  }
  Hash h;
  std::copy_n(span.begin() + at, 32, h.begin());
  return h;
}

Result<Hash> Ledger::Impl::ReadSubtree(int level, uint64_t index) const {
  if (level == 0) {
    std::string raw;
    Status st = storage_->Get(layout::EntryKey(index), &raw);
    if (st.code() == StatusCode::kNotFound) {
      return Status::Corruption("entry " + std::to_string(index) + " is missing");
    }
    ARBITER_RETURN_IF_ERROR(st);
    return LeafHash(raw);
  }
  if (auto cached = CachedSubtree(level, index)) return *cached;
  std::string span;
  Status st = storage_->Get(layout::SubtreeKey(level, index), &span);
  if (st.code() == StatusCode::kNotFound) span.clear();
  else ARBITER_RETURN_IF_ERROR(st);
  return HashFromSpan(level, index, span);
}

Status Ledger::Impl::Prefetch(const std::vector<std::pair<int, uint64_t>>& nodes,
                              std::map<std::pair<int, uint64_t>, Hash>* out) const {
  // Leaves are the entries' hashes; higher nodes come from their spans.
  std::vector<std::string> keys;
  keys.reserve(nodes.size());
  for (const auto& [level, index] : nodes) {
    keys.push_back(level == 0 ? layout::EntryKey(index) : layout::SubtreeKey(level, index));
  }
  std::vector<std::string> values;
  std::vector<Status> statuses = storage_->MultiGet(keys, &values);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (statuses[i].code() == StatusCode::kNotFound) continue;  // reported by ReadSubtree
    ARBITER_RETURN_IF_ERROR(statuses[i]);
    const auto& [level, index] = nodes[i];
    if (level == 0) {
      (*out)[nodes[i]] = LeafHash(values[i]);
    } else if (auto h = HashFromSpan(level, index, values[i]); h.ok()) {
      (*out)[nodes[i]] = *h;
    }
  }
  return Status::Ok();
}

Result<std::optional<uint64_t>> Ledger::FindDecision(std::string_view decision_id) const {
  ARBITER_ASSIGN_OR_RETURN(auto v, GetOptional(impl_->storage(), layout::DecisionKey(decision_id)));
  if (!v) return std::optional<uint64_t>();
  return std::optional<uint64_t>(layout::GetBE64(*v));
}

Result<bool> Ledger::HasDecision(std::string_view decision_id) const {
  ARBITER_ASSIGN_OR_RETURN(auto seq, FindDecision(decision_id));
  return seq.has_value();
}

Result<std::optional<uint64_t>> Ledger::FindPolicy(std::string_view bundle_digest) const {
  ARBITER_ASSIGN_OR_RETURN(auto v, GetOptional(impl_->storage(), layout::PolicyKey(bundle_digest)));
  if (!v) return std::optional<uint64_t>();
  return std::optional<uint64_t>(layout::GetBE64(*v));
}

Result<std::optional<uint64_t>> Ledger::FindData(std::string_view data_digest) const {
  ARBITER_ASSIGN_OR_RETURN(auto v, GetOptional(impl_->storage(), layout::DataKey(data_digest)));
  if (!v) return std::optional<uint64_t>();
  return std::optional<uint64_t>(layout::GetBE64(*v));
}

Result<StoredEntry> Ledger::Get(uint64_t seq) const { return impl_->Get(seq); }

Result<Hash> Ledger::RootAt(uint64_t size) const {
  if (size > Size()) {
    return Status::InvalidArgument("tree size " + std::to_string(size) + " is beyond the ledger's " +
                                   std::to_string(Size()) + " entries");
  }
  if (size == 0) return EmptyRoot();
  return impl_->WithPrefetch<Hash>(
      [size](const SubtreeReader& read) { return RangeHash(read, 0, size); });
}

Result<std::vector<Hash>> Ledger::InclusionPath(uint64_t seq, uint64_t size) const {
  if (size > Size()) {
    return Status::InvalidArgument("tree size " + std::to_string(size) + " is beyond the ledger's " +
                                   std::to_string(Size()) + " entries");
  }
  return impl_->WithPrefetch<std::vector<Hash>>(
      [seq, size](const SubtreeReader& read) { return MakeInclusionPath(read, seq, size); });
}

Result<std::vector<Hash>> Ledger::ConsistencyPath(uint64_t old_size, uint64_t new_size) const {
  if (new_size > Size()) {
    return Status::InvalidArgument("tree size " + std::to_string(new_size) +
                                   " is beyond the ledger's " + std::to_string(Size()) + " entries");
  }
  return impl_->WithPrefetch<std::vector<Hash>>([old_size, new_size](const SubtreeReader& read) {
    return MakeConsistencyPath(read, old_size, new_size);
  });
}

Result<std::string> Ledger::InclusionProof(uint64_t seq, std::optional<uint64_t> size) const {
  uint64_t tree_size;
  if (size) {
    tree_size = *size;
  } else {
    ARBITER_ASSIGN_OR_RETURN(tree_size, impl_->LatestCheckpointSize());
  }
  if (seq >= tree_size) {
    return Status::InvalidArgument("entry " + std::to_string(seq) +
                                   " is not covered by the checkpoint of size " +
                                   std::to_string(tree_size) +
                                   (size ? "" : " (the latest; wait for the next checkpoint)"));
  }
  ARBITER_ASSIGN_OR_RETURN(std::string note, impl_->CheckpointAt(tree_size));
  ARBITER_ASSIGN_OR_RETURN(std::vector<Hash> path, InclusionPath(seq, tree_size));
  std::string text = "c2sp.org/tlog-proof@v1\nindex " + std::to_string(seq) + "\n";
  for (const Hash& h : path) text += Base64Encode(h) + "\n";
  text += "\n";
  text += note;
  return text;
}

Result<std::string> Ledger::ConsistencyProof(uint64_t old_size) const {
  ARBITER_ASSIGN_OR_RETURN(uint64_t size, impl_->LatestCheckpointSize());
  if (old_size == 0 || old_size > size) {
    return Status::InvalidArgument("consistency proofs run from a size in 1.." +
                                   std::to_string(size) + " (the latest checkpoint), not " +
                                   std::to_string(old_size));
  }
  ARBITER_ASSIGN_OR_RETURN(std::string note, impl_->CheckpointAt(size));
  ARBITER_ASSIGN_OR_RETURN(std::vector<Hash> path, ConsistencyPath(old_size, size));
  ARBITER_ASSIGN_OR_RETURN(Hash old_root, RootAt(old_size));
  std::string text = "arbiter.dev/tlog-consistency@v1\nold " + std::to_string(old_size) + " " +
                     Base64Encode(old_root) + "\n";
  for (const Hash& h : path) text += Base64Encode(h) + "\n";
  text += "\n";
  text += note;
  return text;
}

nlohmann::json StoredEntry::ToJson() const {
  nlohmann::json j = nlohmann::json::parse(raw, nullptr, false);
  // A damaged entry is shown as it is, never thrown on (entries are objects when intact).
  if (!j.is_object()) j = nlohmann::json::object({{"unparsable", raw}});
  j["entry_hash"] = HexEncode(entry_hash);
  return j;
}

}  // namespace arbiter::ledger
