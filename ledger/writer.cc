// The writer: appends queue to one thread, which commits everything queued as one group
// (one storage batch, one WAL sync), assigning seqs, chaining hashes, growing the Merkle
// frontier and storing the subtree hashes each group completes; and Close, which drains it.
// The writer state is guarded by commit_mu_ (ledger_impl.h).
#include <arbiter/ledger.h>

#include <algorithm>
#include <unordered_set>

#include "common/encoding.h"
#include "ledger/entry.h"
#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

void Ledger::Impl::Enqueue(Pending p) {
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_ && !read_only_) {
      queue_.push_back(std::move(p));
      if (queue_.size() == 1 || queue_.size() == gather_target_) queue_cv_.notify_one();
      return;
    }
  }
  p.done(Status::FailedPrecondition(read_only_ ? "the ledger is open read-only"
                                               : "the ledger is closed"));
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
      if (!failure_.ok()) deadline = std::min(deadline, next_recovery_time_);
    }
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_until(lock, deadline, [&] { return !queue_.empty() || stopping_; });
      // Callers released by the last group tend to append again within microseconds of
      // each other: wait a moment for them, so they share one sync instead of splitting
      // into a group of the first to arrive and a group of the rest.
      if (!stopping_ && !queue_.empty() && queue_.size() < gather_target_) {
        queue_cv_.wait_for(lock, kGatherWindow,
                           [&] { return queue_.size() >= gather_target_ || stopping_; });
      }
      group.swap(queue_);
      stop = stopping_ && group.empty();
    }
    if (!group.empty()) {
      {
        std::lock_guard commit(commit_mu_);
        // Space may have been freed since the last attempt: try before failing the group.
        if (RecoveryDue(Clock::now())) Recover().ok();
        CommitGroup(group, &results);
      }
      for (size_t i = 0; i < group.size(); ++i) group[i].done(std::move(results[i]));
      {
        std::lock_guard lock(queue_mu_);
        gather_target_ = std::min<size_t>(group.size(), kGatherMax);
      }
      group.clear();
      results.clear();
    }
    auto now = Clock::now();
    bool sync_due = false;
    {
      std::lock_guard commit(commit_mu_);
      if (RecoveryDue(now)) Recover().ok();
      if (CheckpointDueByTime(now)) {
        std::string note;
        WriteCheckpoint(options_.durability == Durability::kSync, &note).ok();
      }
      // Claimed under the lock, synced outside it: a commit meanwhile sets unsynced_ again.
      const auto interval = std::chrono::milliseconds(options_.batch_sync_interval_ms);
      sync_due = options_.durability == Durability::kBatch && unsynced_ && failure_.ok() &&
                 now - last_sync_time_ >= interval;
      if (sync_due) {
        unsynced_ = false;
        last_sync_time_ = now;
      }
    }
    if (sync_due) {
      // A failed sync is not retried on the same log (after a failed fsync the kernel may
      // have dropped the data and a retry could succeed without it): the ledger fails and
      // recovery reopens the store.
      if (Status st = storage_->SyncWal(); !st.ok()) {
        std::lock_guard commit(commit_mu_);
        EnterFailed(st);
      }
    }
    if (stop) break;
  }
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
  if (!failure_.ok()) {
    results->assign(group.size(), failure_);
    return;
  }
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
  std::unordered_set<std::string> content_keys_seen;
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
    // Content indexes (policy: bundle digest, data: data digest) keep the first entry.
    if (!r.content_digest.empty() && (r.kind == "policy" || r.kind == "data")) {
      std::string key = r.kind == "policy" ? layout::PolicyKey(r.content_digest)
                                           : layout::DataKey(r.content_digest);
      if (!content_keys_seen.count(key)) {
        std::string existing;
        if (storage_->Get(key, &existing).code() == StatusCode::kNotFound) {
          batch.Put(key, std::string_view(seq_be, 8));
        }
        content_keys_seen.insert(std::move(key));
      }
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
    // The batch may be in the store or not (a write can fail after its log record went
    // out): nothing is acknowledged, and the state is reloaded from the store on recovery.
    EnterFailed(st);
    Status failed(st.code(), "the ledger could not be written: " + st.message());
    for (size_t i = 0; i < group.size(); ++i) {
      if (accepted[i]) (*results)[i] = failed;
    }
    return;
  }
  last_time_ = time;
  CacheNodes(upper_nodes);
  if (options_.durability == Durability::kBatch) unsynced_ = true;
  if (uint64_t appended = frontier_.size() - saved_frontier.size(); appended > 0) {
    commit_groups_.fetch_add(1, std::memory_order_relaxed);
    committed_appends_.fetch_add(appended, std::memory_order_relaxed);
  }
  committed_size_.store(frontier_.size(), std::memory_order_release);
  latest_checkpoint_.store(last_checkpoint_size_, std::memory_order_release);
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
  if (!failure_.ok() && !Recover().ok()) {
    // No final checkpoint: what was acknowledged is in the store's log, and the next open
    // replays it.
    return failure_;
  }
  Status result;
  if (frontier_.size() > last_checkpoint_size_) {
    std::string note;
    result = WriteCheckpoint(true, &note);
  }
  if (!result.ok()) return result;  // and no sync: the store saw the failure
  Status synced = storage_->SyncWal();
  if (!synced.ok()) EnterFailed(synced);
  return synced;
}

}  // namespace arbiter::ledger
