// Ledger::Impl: shared by ledger.cc (writer, reads), verify.cc and export.cc.
#pragma once

#include <arbiter/ledger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ledger/merkle.h"

namespace arbiter::ledger {

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
  Result<Hash> ReadSubtree(int level, uint64_t index) const;
  SubtreeReader Reader() const;
  Result<uint64_t> LatestCheckpointSize() const;
  Result<std::string> CheckpointAt(uint64_t size) const;
  Result<std::vector<uint64_t>> CheckpointSizes() const;

  // Writes.
  void Enqueue(Pending p);
  Result<Receipt> RotateKey(const SigningKey& new_key);
  Result<std::string> MakeCheckpoint();
  Status Close();

  const LedgerStorage& storage() const { return *storage_; }
  const std::string& origin() const { return origin_; }
  bool read_only() const { return read_only_; }

 private:
  void WriterLoop();
  // Needs commit_mu_. Assigns seqs, writes one batch, fills results (one per pending).
  void CommitGroup(std::vector<Pending>& group, std::vector<Result<Receipt>>* results,
                   std::vector<LedgerStorage::Op> extra_ops = {});
  // Needs commit_mu_. Adds the checkpoint of the current frontier to ops.
  Status AddCheckpointOps(std::vector<LedgerStorage::Op>* ops, std::string* note);
  bool CheckpointDueByTime(Clock::time_point now) const;

  std::shared_ptr<LedgerStorage> storage_;
  LedgerOptions options_;
  bool read_only_ = true;
  std::string origin_;
  std::optional<SigningKey> key_;

  std::mutex commit_mu_;  // guards the writer state below
  MerkleFrontier frontier_;
  Hash last_hash_{};
  std::string last_time_;
  uint64_t last_checkpoint_size_ = 0;
  Clock::time_point last_checkpoint_time_;
  Clock::time_point last_sync_time_;
  bool unsynced_ = false;
  std::atomic<uint64_t> committed_size_{0};
  std::atomic<uint64_t> latest_checkpoint_{0};

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<Pending> queue_;
  bool stopping_ = false;
  bool closed_ = false;
  std::thread writer_;
};

}  // namespace arbiter::ledger
