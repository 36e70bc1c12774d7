// Ledger::Impl: the ledger's internals, shared by ledger.cc (opening, the public methods),
// writer.cc (group commit), checkpoints.cc (checkpoints, key rotation), reads.cc (reads,
// proofs), verify.cc and export.cc.
#pragma once

#include <arbiter/ledger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <map>
#include <shared_mutex>
#include <thread>

#include "ledger/merkle.h"

namespace arbiter::ledger {

// Collects the subtree hashes (levels >= 1) that one group commit completes into runs, one
// per level and span of kRunSpan nodes (spec/ledger-format.md, "Storage layout"). A group
// completes a contiguous index range at every level, in increasing order, so each run
// begins its span (a put) or continues what earlier groups stored there (an append).
class SubtreeRuns {
 public:
  void Add(const MerkleFrontier::Node& node, LedgerStorage::Batch* batch);
  // Puts every pending run into the batch and empties them.
  void Flush(LedgerStorage::Batch* batch);
  void Clear();

 private:
  struct Run {
    uint64_t first = 0;
    std::string hashes;
  };
  void Put(int level, Run* run, LedgerStorage::Batch* batch);
  std::vector<Run> levels_;  // [level]
  std::string key_;
};

// The value of `key`, or nullopt when it is absent.
Result<std::optional<std::string>> GetOptional(const LedgerStorage& s, std::string_view key);

// The hash of subtree (level, index) from the stored value of SubtreeKey(level, index).
Result<Hash> HashFromSpan(int level, uint64_t index, std::string_view span);

class Ledger::Impl {
 public:
  struct Pending {
    Record record;
    std::function<void(Result<Receipt>)> done;
  };
  using Clock = std::chrono::steady_clock;

  ~Impl();
  Status Init(std::shared_ptr<LedgerStorage> storage, LedgerOptions options);

  // Reads (any thread).
  uint64_t Size() const { return committed_size_.load(std::memory_order_acquire); }
  Result<StoredEntry> Get(uint64_t seq) const;
  // The hash of the complete subtree (level, index): level 0 hashes the stored entry,
  // higher levels come from the stored runs (or the cache).
  Result<Hash> ReadSubtree(int level, uint64_t index) const;
  // Subtree hashes at kCachedLevel and above are kept in memory (1/128 of the leaves), so a
  // proof reads storage only for the few levels below.
  static constexpr int kCachedLevel = 8;
  std::optional<Hash> CachedSubtree(int level, uint64_t index) const;
  // Runs `compute` twice: first to learn which subtree hashes it reads, then, after one
  // batched read of all of them, for real. Proofs become one MultiGet instead of ~2 log n Gets.
  template <typename T>
  Result<T> WithPrefetch(const std::function<Result<T>(const SubtreeReader&)>& compute) const;
  Status Prefetch(const std::vector<std::pair<int, uint64_t>>& nodes,
                  std::map<std::pair<int, uint64_t>, Hash>* out) const;
  Result<uint64_t> LatestCheckpointSize() const;
  Result<std::string> CheckpointAt(uint64_t size) const;
  Result<std::vector<uint64_t>> CheckpointSizes() const;

  // Writes.
  void Enqueue(Pending p);
  Result<Receipt> RotateKey(SigningKey new_key);
  Result<std::string> MakeCheckpoint();
  Status Close();

  // Faults (faults.cc): any thread.
  LedgerHealth Health() const;

  const LedgerStorage& storage() const { return *storage_; }
  const std::string& origin() const { return origin_; }
  bool read_only() const { return read_only_; }

 private:
  void WriterLoop();
  // Needs commit_mu_. Assigns seqs, writes one batch, fills results (one per pending).
  void CommitGroup(std::vector<Pending>& group, std::vector<Result<Receipt>>* results,
                   const std::vector<LedgerStorage::Op>& extra_ops = {});
  // Needs commit_mu_. Adds the checkpoint of the current frontier to the batch.
  Status AddCheckpoint(LedgerStorage::Batch* batch, std::string* note);
  // Needs commit_mu_. Signs and writes a checkpoint of the current frontier on its own.
  Status WriteCheckpoint(bool sync, std::string* note);
  bool CheckpointDueByTime(Clock::time_point now) const;

  // Faults (faults.cc; spec/ledger-format.md, "Faults"). All need commit_mu_.
  // Loads the writer state (size, frontier, last hash and time, latest checkpoint, cached
  // upper levels) from storage and publishes it: at open, and after a recovery, when a
  // batch whose write failed may or may not be in the store.
  Status LoadWriterState();
  // A storage write or sync failed: the ledger turns failed (sticky) until Recover succeeds.
  void EnterFailed(const Status& cause);
  // The error every write gets while failed (ok when healthy).
  const Status& failure() const { return failure_; }
  // Reopens the storage and reloads the writer state; on success the ledger is healthy.
  Status Recover();
  // Whether a failed ledger should try to recover now.
  bool RecoveryDue(Clock::time_point now) const {
    return !failure_.ok() && now >= next_recovery_time_;
  }

  // Set by Init before the writer thread starts, then never written: read without a lock.
  std::shared_ptr<LedgerStorage> storage_;  // thread-safe itself
  LedgerOptions options_;
  bool read_only_ = true;
  std::string origin_;

  // commit_mu_ guards the writer state: every member from key_ to next_recovery_time_. The writer
  // thread, RotateKey, MakeCheckpoint and Close take it; CommitGroup, AddCheckpoint,
  // WriteCheckpoint and CheckpointDueByTime expect it held. Readers never take it: what they
  // need is published through the atomics and cache_mu_.
  std::mutex commit_mu_;
  std::shared_ptr<const SigningKey> key_;  // replaced by RotateKey
  MerkleFrontier frontier_;
  Hash last_hash_{};
  std::string last_time_;
  uint64_t last_checkpoint_size_ = 0;
  Clock::time_point last_checkpoint_time_;
  Clock::time_point last_sync_time_;  // kBatch: the last WAL sync
  bool unsynced_ = false;             // kBatch: commits since the last WAL sync
  // The writer's reusable buffers.
  std::unique_ptr<LedgerStorage::Batch> batch_;
  SubtreeRuns runs_;
  std::vector<MerkleFrontier::Node> nodes_;
  std::string raw_;
  std::string scratch_key_;
  // Failed state: not ok after a storage error, until a recovery succeeds.
  Status failure_;
  Clock::time_point next_recovery_time_;

  // Published by the writer (release) for lock-free reads (acquire).
  std::atomic<uint64_t> committed_size_{0};
  std::atomic<uint64_t> latest_checkpoint_{0};
  std::atomic<uint64_t> commit_groups_{0};
  std::atomic<uint64_t> committed_appends_{0};

  // health_mu_ guards health_ (a copy of the failed state for Health; the writer updates it
  // under commit_mu_, then this).
  mutable std::mutex health_mu_;
  LedgerHealth health_;

  // cache_mu_ guards upper_levels_: the writer adds to it (exclusive), proofs read it (shared).
  mutable std::shared_mutex cache_mu_;
  std::vector<std::vector<Hash>> upper_levels_;  // [level - kCachedLevel][index]
  Status LoadUpperLevels(uint64_t size);
  void CacheNodes(const std::vector<MerkleFrontier::Node>& nodes);

  // queue_mu_ guards the queue and the stop flags, queue_cv_ signals them; never held together
  // with commit_mu_ (the writer takes one, releases it, then the other).
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<Pending> queue_;
  // Group gathering: the writer waits up to kGatherWindow for the queue to reach the size of
  // the last group (at most kGatherMax) before committing (writer.cc).
  static constexpr std::chrono::microseconds kGatherWindow{100};
  static constexpr size_t kGatherMax = 64;
  size_t gather_target_ = 1;
  bool stopping_ = false;
  bool closed_ = false;
  std::thread writer_;
};

template <typename T>
Result<T> Ledger::Impl::WithPrefetch(
    const std::function<Result<T>(const SubtreeReader&)>& compute) const {
  std::vector<std::pair<int, uint64_t>> wanted;
  SubtreeReader record = [&wanted, this](int level, uint64_t index) -> Result<Hash> {
    if (auto h = CachedSubtree(level, index)) return *h;
    wanted.emplace_back(level, index);
    return Hash{};
  };
  ARBITER_RETURN_IF_ERROR(compute(record).status());
  std::map<std::pair<int, uint64_t>, Hash> fetched;
  ARBITER_RETURN_IF_ERROR(Prefetch(wanted, &fetched));
  SubtreeReader cached = [&fetched, this](int level, uint64_t index) -> Result<Hash> {
    auto it = fetched.find({level, index});
    if (it != fetched.end()) return it->second;
    return ReadSubtree(level, index);
  };
  return compute(cached);
}

}  // namespace arbiter::ledger
