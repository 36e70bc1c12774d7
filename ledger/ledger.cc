// The ledger: one writer thread group-commits appends (one storage batch and one WAL sync
// per group), keeps the Merkle frontier and signs checkpoints; reads go straight to storage.
#include <arbiter/ledger.h>

#include <algorithm>
#include <future>
#include <unordered_set>

#include "common/encoding.h"
#include "ledger/entry.h"
#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

namespace {

constexpr std::string_view kRotationHeader = "arbiter-ledger key rotation\n";

Result<std::optional<std::string>> GetOptional(const LedgerStorage& s, std::string_view key) {
  std::string value;
  Status st = s.Get(key, &value);
  if (st.code() == StatusCode::kNotFound) return std::optional<std::string>();
  if (!st.ok()) return st;
  return std::optional<std::string>(std::move(value));
}

}  // namespace

std::string_view DurabilityName(Durability d) {
  switch (d) {
    case Durability::kSync: return "sync";
    case Durability::kBatch: return "batch";
    case Durability::kNone: return "none";
  }
  return "sync";
}

Result<Durability> ParseDurability(std::string_view name) {
  if (name == "sync") return Durability::kSync;
  if (name == "batch") return Durability::kBatch;
  if (name == "none") return Durability::kNone;
  return Status::InvalidArgument("durability must be sync, batch or none, not '" +
                                 std::string(name) + "'");
}

// ------------------------------------------------------------------------------------------
// Impl: opening.

Status Ledger::Impl::Init(std::shared_ptr<LedgerStorage> storage, LedgerOptions options) {
  storage_ = std::move(storage);
  options_ = std::move(options);
  read_only_ = storage_->read_only() || options_.read_only;
  if (!read_only_) {
    if (options_.signing_key) {
      key_ = options_.signing_key;
    } else if (!options_.key_file.empty()) {
      ARBITER_ASSIGN_OR_RETURN(
          SigningKey k, SigningKey::LoadFile(options_.key_file, options_.key_file_permissions));
      key_ = std::make_shared<const SigningKey>(std::move(k));
    } else {
      return Status::InvalidArgument(
          "a signing key is required to write to the ledger (give --key KEYFILE; create one "
          "with `arbiter keygen`)");
    }
  }
  ARBITER_ASSIGN_OR_RETURN(auto format, GetOptional(*storage_, layout::kMetaFormat));
  if (!format) {
    if (read_only_) return Status::NotFound("not an arbiter ledger (no format marker)");
    if (!options_.create_if_missing) return Status::NotFound("no ledger here and creation is off");
    origin_ = options_.origin.empty() ? key_->name() : options_.origin;
    if (origin_.empty() || origin_.find('\n') != std::string::npos) {
      return Status::InvalidArgument("origin must be one non-empty line");
    }
    std::vector<LedgerStorage::Op> ops = {
        {std::string(layout::kMetaFormat), std::to_string(kFormatVersion)},
        {std::string(layout::kMetaOrigin), origin_},
        {std::string(layout::kMetaSigner), key_->VerifierText()},
        {std::string(layout::kMetaSize), layout::BE64(0)},
    };
    ARBITER_RETURN_IF_ERROR(storage_->Write(ops, true));
  } else {
    int version = 0;
    for (char c : *format) {
      if (c < '0' || c > '9' || version > 100000) return Status::Corruption("ledger format marker is malformed");
      version = version * 10 + (c - '0');
    }
    if (format->empty()) return Status::Corruption("ledger format marker is malformed");
    if (version > kFormatVersion) {
      return Status::Unsupported("ledger format version " + std::to_string(version) +
                                 " is newer than this arbiter supports (" +
                                 std::to_string(kFormatVersion) + "); upgrade arbiter");
    }
    if (version < kFormatVersion) {
      return Status::Unsupported("ledger format version " + std::to_string(version) +
                                 " is older than this arbiter reads (" +
                                 std::to_string(kFormatVersion) +
                                 "); audit it with the arbiter that wrote it");
    }
    ARBITER_ASSIGN_OR_RETURN(auto origin, GetOptional(*storage_, layout::kMetaOrigin));
    if (!origin) return Status::Corruption("ledger has no origin");
    origin_ = *origin;
    if (!read_only_ && !options_.origin.empty() && options_.origin != origin_) {
      return Status::InvalidArgument("ledger origin is '" + origin_ + "', not '" + options_.origin + "'");
    }
    if (!read_only_) {
      ARBITER_ASSIGN_OR_RETURN(auto signer, GetOptional(*storage_, layout::kMetaSigner));
      if (signer && *signer != key_->VerifierText()) {
        return Status::PermissionDenied("the key " + key_->name() +
                                        " does not match this ledger's signing key (" + *signer +
                                        "); use that key, or rotate keys with it");
      }
    }
  }
  ARBITER_ASSIGN_OR_RETURN(auto size_bytes, GetOptional(*storage_, layout::kMetaSize));
  uint64_t size = size_bytes ? layout::GetBE64(*size_bytes) : 0;
  std::vector<Hash> roots;
  for (int level = 0; level < 64 && (size >> level) != 0; ++level) {
    roots.emplace_back();
    if ((size >> level) & 1) {
      auto h = ReadSubtree(level, (size >> level) - 1);
      if (!h.ok()) {
        if (read_only_) break;  // verify reports it
        return h.status();
      }
      roots.back() = *h;
    }
  }
  frontier_ = MerkleFrontier(size, std::move(roots));
  ARBITER_RETURN_IF_ERROR(LoadUpperLevels(size));
  if (!read_only_) batch_ = storage_->NewBatch(1 << 20);
  if (size > 0 && !read_only_) {
    ARBITER_ASSIGN_OR_RETURN(last_hash_, ReadSubtree(0, size - 1));
    ARBITER_ASSIGN_OR_RETURN(StoredEntry last, Get(size - 1));
    last_time_ = last.time;
  }
  ARBITER_ASSIGN_OR_RETURN(auto cp, GetOptional(*storage_, layout::kMetaCheckpoint));
  last_checkpoint_size_ = cp ? layout::GetBE64(*cp) : 0;
  latest_checkpoint_ = last_checkpoint_size_;
  last_checkpoint_time_ = last_sync_time_ = Clock::now();
  committed_size_ = size;
  if (!read_only_) writer_ = std::thread([this] { WriterLoop(); });
  return Status::Ok();
}

Ledger::Impl::~Impl() { Close().ok(); }

// ------------------------------------------------------------------------------------------
// Impl: reads.

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

Result<uint64_t> Ledger::Impl::LatestCheckpointSize() const {
  uint64_t size = latest_checkpoint_.load(std::memory_order_acquire);
  if (size == 0) return Status::NotFound("the ledger has no signed checkpoint yet");
  return size;
}

Result<std::string> Ledger::Impl::CheckpointAt(uint64_t size) const {
  std::string note;
  Status st = storage_->Get(layout::CheckpointKey(size), &note);
  if (st.code() == StatusCode::kNotFound) {
    return Status::NotFound("no signed checkpoint at tree size " + std::to_string(size));
  }
  ARBITER_RETURN_IF_ERROR(st);
  return note;
}

Result<std::vector<uint64_t>> Ledger::Impl::CheckpointSizes() const {
  std::vector<uint64_t> sizes;
  auto cursor = storage_->Seek(layout::kCheckpointPrefix);
  for (; cursor->Valid() && cursor->key().starts_with(layout::kCheckpointPrefix); cursor->Next()) {
    sizes.push_back(layout::GetBE64(cursor->key().substr(layout::kCheckpointPrefix.size())));
  }
  ARBITER_RETURN_IF_ERROR(cursor->status());
  return sizes;
}

// ------------------------------------------------------------------------------------------
// Impl: the writer.

void Ledger::Impl::Enqueue(Pending p) {
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_ && !read_only_) {
      queue_.push_back(std::move(p));
      if (queue_.size() == 1) queue_cv_.notify_one();
      return;
    }
  }
  p.done(Status::FailedPrecondition(read_only_ ? "the ledger is open read-only"
                                               : "the ledger is closed"));
}

bool Ledger::Impl::CheckpointDueByTime(Clock::time_point now) const {
  return options_.checkpoint_every_ms > 0 && frontier_.size() > last_checkpoint_size_ &&
         now - last_checkpoint_time_ >= std::chrono::milliseconds(options_.checkpoint_every_ms);
}

void Ledger::Impl::WriterLoop() {
  std::vector<Pending> group;
  std::vector<Result<Receipt>> results;
  for (;;) {
    bool stop = false;
    auto deadline = Clock::now() + std::chrono::seconds(1);
    {
      std::lock_guard commit(commit_mu_);
      if (options_.checkpoint_every_ms > 0 && frontier_.size() > last_checkpoint_size_) {
        deadline = std::min(deadline, last_checkpoint_time_ +
                                          std::chrono::milliseconds(options_.checkpoint_every_ms));
      }
      if (options_.durability == Durability::kBatch && unsynced_) {
        deadline = std::min(deadline, last_sync_time_ + std::chrono::milliseconds(
                                                            options_.batch_sync_interval_ms));
      }
    }
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_until(lock, deadline, [&] { return !queue_.empty() || stopping_; });
      group.swap(queue_);
      stop = stopping_ && group.empty();
    }
    if (!group.empty()) {
      {
        std::lock_guard commit(commit_mu_);
        CommitGroup(group, &results);
      }
      for (size_t i = 0; i < group.size(); ++i) group[i].done(std::move(results[i]));
      group.clear();
      results.clear();
    }
    auto now = Clock::now();
    bool sync_due = false;
    {
      std::lock_guard commit(commit_mu_);
      if (CheckpointDueByTime(now)) {
        std::string note;
        WriteCheckpoint(options_.durability == Durability::kSync, &note).ok();
      }
      // Claimed under the lock, synced outside it: a commit meanwhile sets unsynced_ again.
      const auto interval = std::chrono::milliseconds(options_.batch_sync_interval_ms);
      sync_due = options_.durability == Durability::kBatch && unsynced_ &&
                 now - last_sync_time_ >= interval;
      if (sync_due) {
        unsynced_ = false;
        last_sync_time_ = now;
      }
    }
    if (sync_due && !storage_->SyncWal().ok()) {
      std::lock_guard commit(commit_mu_);
      unsynced_ = true;  // retried after the next interval
    }
    if (stop) break;
  }
}

Status Ledger::Impl::AddCheckpoint(LedgerStorage::Batch* batch, std::string* note) {
  CheckpointBody body{origin_, frontier_.size(), frontier_.Root()};
  ARBITER_ASSIGN_OR_RETURN(*note, SignNote(FormatCheckpointBody(body), *key_));
  batch->Put(layout::CheckpointKey(body.size), *note);
  batch->Put(layout::kMetaCheckpoint, layout::BE64(body.size));
  // Applied optimistically: a failed write leaves the next checkpoint to a later attempt.
  last_checkpoint_size_ = body.size;
  last_checkpoint_time_ = Clock::now();
  return Status::Ok();
}

Status Ledger::Impl::WriteCheckpoint(bool sync, std::string* note) {
  std::unique_ptr<LedgerStorage::Batch> batch = storage_->NewBatch(1024);
  uint64_t saved = last_checkpoint_size_;
  ARBITER_RETURN_IF_ERROR(AddCheckpoint(batch.get(), note));
  Status st = storage_->Write(*batch, sync);
  if (!st.ok()) {
    last_checkpoint_size_ = saved;
    return st;
  }
  latest_checkpoint_.store(last_checkpoint_size_, std::memory_order_release);
  return Status::Ok();
}

void SubtreeRuns::Add(const MerkleFrontier::Node& node, LedgerStorage::Batch* batch) {
  if (levels_.size() <= static_cast<size_t>(node.level)) levels_.resize(node.level + 1);
  Run& run = levels_[node.level];
  if (!run.hashes.empty() && node.index % layout::kRunSpan == 0) Put(node.level, &run, batch);
  if (run.hashes.empty()) run.first = node.index;
  run.hashes.append(reinterpret_cast<const char*>(node.hash.data()), node.hash.size());
}

void SubtreeRuns::Flush(LedgerStorage::Batch* batch) {
  for (size_t level = 1; level < levels_.size(); ++level) {
    if (!levels_[level].hashes.empty()) Put(static_cast<int>(level), &levels_[level], batch);
  }
}

void SubtreeRuns::Clear() {
  for (Run& run : levels_) run.hashes.clear();
}

void SubtreeRuns::Put(int level, Run* run, LedgerStorage::Batch* batch) {
  key_.assign(layout::kSubtreePrefix);
  key_.push_back(static_cast<char>(level));
  layout::PutBE64(&key_, run->first / layout::kRunSpan);
  if (run->first % layout::kRunSpan == 0) {
    batch->Put(key_, run->hashes);
  } else {
    batch->Append(key_, run->hashes);
  }
  run->hashes.clear();
}

void Ledger::Impl::CommitGroup(std::vector<Pending>& group, std::vector<Result<Receipt>>* results,
                               const std::vector<LedgerStorage::Op>& extra_ops) {
  results->clear();
  results->reserve(group.size());
  std::string time = NowTime();
  if (time < last_time_) time = last_time_;  // the wall clock stepped back: keep time ordered
  MerkleFrontier saved_frontier = frontier_;
  Hash saved_last = last_hash_;
  uint64_t saved_cp_size = last_checkpoint_size_;
  auto saved_cp_time = last_checkpoint_time_;

  // Keys go into the batch in the order they are made: RocksDB's insert hints (one per key
  // prefix) keep each memtable insert next to the previous one of its kind.
  LedgerStorage::Batch& batch = *batch_;
  batch.Clear();
  runs_.Clear();
  std::vector<MerkleFrontier::Node> upper_nodes;
  // Ids made by NewDecisionId are unique by construction; only caller-supplied ones need
  // checking against the store and against the rest of the group.
  bool caller_ids = false;
  for (const Pending& p : group) {
    caller_ids |= !p.record.decision_id.empty() && !p.record.fresh_decision_id;
  }
  std::unordered_set<std::string_view> batch_ids;
  std::unordered_set<std::string_view> policies_seen;
  std::vector<bool> accepted(group.size(), false);
  for (size_t i = 0; i < group.size(); ++i) {
    const Record& r = group[i].record;
    if (!ValidKind(r.kind)) {
      results->push_back(Status::InvalidArgument("record kind '" + r.kind + "' is not valid"));
      continue;
    }
    if (r.payload.size() < 2 || r.payload.front() != '{' || r.payload.back() != '}') {
      results->push_back(Status::InvalidArgument("record payload must be a JSON object"));
      continue;
    }
    if (!r.decision_id.empty() && !r.fresh_decision_id) {
      std::string existing;
      Status st = storage_->Get(layout::DecisionKey(r.decision_id), &existing);
      if (st.ok() || batch_ids.count(r.decision_id)) {
        results->push_back(Status::FailedPrecondition(
            "decision id " + r.decision_id + " is already recorded" +
            (st.ok() ? " at seq " + std::to_string(layout::GetBE64(existing)) : "")));
        continue;
      }
      if (st.code() != StatusCode::kNotFound) {
        results->push_back(st);
        continue;
      }
    }
    if (caller_ids && !r.decision_id.empty()) batch_ids.insert(r.decision_id);
    uint64_t seq = frontier_.size();
    EncodeEntry(r.kind, r.payload, last_hash_, seq, time, &raw_);
    Hash leaf = LeafHash(raw_);
    nodes_.clear();
    frontier_.Append(leaf, &nodes_);
    scratch_key_.assign(layout::kEntryPrefix);
    layout::PutBE64(&scratch_key_, seq);
    batch.Put(scratch_key_, raw_);
    for (const auto& n : nodes_) {
      if (n.level == 0) continue;  // leaves are not stored: they are the entries' hashes
      runs_.Add(n, &batch);
      if (n.level >= kCachedLevel) upper_nodes.push_back(n);
    }
    char seq_be[8];
    for (int b = 0; b < 8; ++b) seq_be[b] = static_cast<char>(seq >> (8 * (7 - b)));
    if (!r.decision_id.empty()) {
      scratch_key_.assign(layout::kDecisionPrefix).append(r.decision_id);
      batch.Put(scratch_key_, std::string_view(seq_be, 8));
    }
    if (!r.bundle_digest.empty() && r.kind == "policy" && !policies_seen.count(r.bundle_digest)) {
      std::string existing;
      if (storage_->Get(layout::PolicyKey(r.bundle_digest), &existing).code() == StatusCode::kNotFound) {
        batch.Put(layout::PolicyKey(r.bundle_digest), std::string_view(seq_be, 8));
      }
      policies_seen.insert(r.bundle_digest);
    }
    last_hash_ = leaf;
    results->push_back(Receipt{seq, HexEncode(leaf), r.decision_id});
    accepted[i] = true;
  }
  if (frontier_.size() == saved_frontier.size() && extra_ops.empty()) return;
  runs_.Flush(&batch);
  batch.Put(layout::kMetaSize, layout::BE64(frontier_.size()));
  for (const auto& op : extra_ops) {
    if (op.value) {
      batch.Put(op.key, *op.value);
    } else {
      batch.Delete(op.key);
    }
  }
  if (options_.checkpoint_every_entries > 0 &&
      frontier_.size() - last_checkpoint_size_ >= options_.checkpoint_every_entries) {
    std::string note;
    AddCheckpoint(&batch, &note).ok();
  }
  Status st = storage_->Write(batch, options_.durability == Durability::kSync);
  if (!st.ok()) {
    frontier_ = std::move(saved_frontier);
    last_hash_ = saved_last;
    last_checkpoint_size_ = saved_cp_size;
    last_checkpoint_time_ = saved_cp_time;
    Status failed(st.code(), "the ledger could not be written: " + st.message());
    for (size_t i = 0; i < group.size(); ++i) {
      if (accepted[i]) (*results)[i] = failed;
    }
    return;
  }
  last_time_ = time;
  CacheNodes(upper_nodes);
  if (options_.durability == Durability::kBatch) unsynced_ = true;
  committed_size_.store(frontier_.size(), std::memory_order_release);
  latest_checkpoint_.store(last_checkpoint_size_, std::memory_order_release);
}

Result<std::string> Ledger::Impl::MakeCheckpoint() {
  if (read_only_) return Status::FailedPrecondition("the ledger is open read-only");
  std::lock_guard commit(commit_mu_);
  if (frontier_.size() == 0) return Status::FailedPrecondition("the ledger is empty");
  if (frontier_.size() == last_checkpoint_size_) return CheckpointAt(last_checkpoint_size_);
  std::string note;
  ARBITER_RETURN_IF_ERROR(WriteCheckpoint(options_.durability != Durability::kNone, &note));
  return note;
}

Result<Receipt> Ledger::Impl::RotateKey(SigningKey new_key_value) {
  if (read_only_) return Status::FailedPrecondition("the ledger is open read-only");
  auto next = std::make_shared<const SigningKey>(std::move(new_key_value));
  const SigningKey& new_key = *next;
  std::string statement = std::string(kRotationHeader) + origin_ + "\n" + new_key.VerifierText() + "\n";
  // key_ is read under the lock: a rotation is signed by the key that is current when it is
  // committed, also when two rotations race.
  std::lock_guard commit(commit_mu_);
  ARBITER_ASSIGN_OR_RETURN(std::string note, SignNote(statement, *key_));
  nlohmann::json payload = {{"action", "rotate"},
                            {"old_key", key_->VerifierText()},
                            {"new_key", new_key.VerifierText()},
                            {"note", note}};
  ARBITER_ASSIGN_OR_RETURN(Record record, MakeRecord("key", payload));
  // Entries before the rotation get a checkpoint by the old key.
  if (frontier_.size() > last_checkpoint_size_) {
    std::string cp;
    ARBITER_RETURN_IF_ERROR(WriteCheckpoint(true, &cp));
  }
  std::vector<Pending> group;
  group.push_back({std::move(record), nullptr});
  std::vector<Result<Receipt>> results;
  std::shared_ptr<const SigningKey> old = key_;
  key_ = next;  // checkpoints made in this group are signed by the new key
  CommitGroup(group, &results,
              {{std::string(layout::kMetaSigner), new_key.VerifierText()}});
  if (!results[0].ok()) key_ = old;
  return results[0];
}

Status Ledger::Impl::Close() {
  {
    std::lock_guard lock(queue_mu_);
    if (closed_) return Status::Ok();
    closed_ = true;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (read_only_) return Status::Ok();
  std::lock_guard commit(commit_mu_);
  Status result;
  if (frontier_.size() > last_checkpoint_size_) {
    std::string note;
    result = WriteCheckpoint(true, &note);
  }
  Status sync = storage_->SyncWal();
  return result.ok() ? sync : result;
}

// ------------------------------------------------------------------------------------------
// Ledger.

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

Result<std::unique_ptr<Ledger>> Ledger::OpenWithStorage(std::shared_ptr<LedgerStorage> storage,
                                                        LedgerOptions options) {
  auto impl = std::make_unique<Impl>();
  ARBITER_RETURN_IF_ERROR(impl->Init(std::move(storage), std::move(options)));
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, LedgerOptions options) {
  if (!options.signing_key && options.key_file.empty()) {
    return Status::InvalidArgument(
        "a signing key is required to write to the ledger (give --key KEYFILE; create one with "
        "`arbiter keygen`)");
  }
  if (!options.signing_key) {
    ARBITER_ASSIGN_OR_RETURN(SigningKey k,
                             SigningKey::LoadFile(options.key_file, options.key_file_permissions));
    options.signing_key = std::make_shared<const SigningKey>(std::move(k));
  }
  ARBITER_ASSIGN_OR_RETURN(auto storage,
                           OpenRocksDbStorage(dir, false, options.create_if_missing));
  auto ledger = OpenWithStorage(std::move(storage), std::move(options));
  if (!ledger.ok()) return Status(ledger.status().code(), dir + ": " + ledger.status().message());
  return ledger;
}

Result<std::unique_ptr<Ledger>> Ledger::OpenReadOnly(const std::string& dir) {
  ARBITER_ASSIGN_OR_RETURN(auto storage, OpenRocksDbStorage(dir, true, false));
  LedgerOptions options;
  options.read_only = true;
  auto ledger = OpenWithStorage(std::move(storage), options);
  if (!ledger.ok()) return Status(ledger.status().code(), dir + ": " + ledger.status().message());
  return ledger;
}

Result<Receipt> Ledger::Append(Record record) {
  std::promise<Result<Receipt>> promise;
  auto future = promise.get_future();
  impl_->Enqueue({std::move(record), [&promise](Result<Receipt> r) { promise.set_value(std::move(r)); }});
  return future.get();
}

void Ledger::AppendAsync(Record record, std::function<void(Result<Receipt>)> done) {
  impl_->Enqueue({std::move(record), std::move(done)});
}

Result<Receipt> Ledger::RotateKey(SigningKey new_key) {
  return impl_->RotateKey(std::move(new_key));
}
Result<std::string> Ledger::MakeCheckpoint() { return impl_->MakeCheckpoint(); }
Status Ledger::Close() { return impl_->Close(); }
uint64_t Ledger::Size() const { return impl_->Size(); }
const std::string& Ledger::origin() const { return impl_->origin(); }

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

Result<std::string> Ledger::LatestCheckpoint() const {
  ARBITER_ASSIGN_OR_RETURN(uint64_t size, impl_->LatestCheckpointSize());
  return impl_->CheckpointAt(size);
}

Result<std::string> Ledger::CheckpointAt(uint64_t size) const { return impl_->CheckpointAt(size); }
Result<std::vector<uint64_t>> Ledger::CheckpointSizes() const { return impl_->CheckpointSizes(); }

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
