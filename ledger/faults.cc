// Faults (spec/ledger-format.md, "Faults"). A storage error on a write or sync turns the
// ledger failed: sticky, every append, checkpoint and rotation fails with that error (so
// the daemon answers deny, fail closed) and nothing touches the store, until a recovery
// succeeds. The writer tries to recover every recovery_interval_ms (and before a group
// when due): it reopens the store (LedgerStorage::Reopen), then reloads its whole state
// from what the store holds, because the batch whose write failed may or may not be there
// (whole, never in part). A store that holds fewer entries than were acknowledged is not
// recovered from: that is corruption, and the ledger stays failed.
#include <arbiter/ledger.h>

#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

namespace {

// The 8-byte number stored under `key`; 0 when absent.
Result<uint64_t> GetNumber(const LedgerStorage& storage, std::string_view key) {
  std::string value;
  Status st = storage.Get(key, &value);
  if (st.code() == StatusCode::kNotFound) return uint64_t{0};
  ARBITER_RETURN_IF_ERROR(st);
  return layout::GetBE64(value);
}

}  // namespace

Status Ledger::Impl::LoadWriterState() {
  ARBITER_ASSIGN_OR_RETURN(uint64_t size, GetNumber(*storage_, layout::kMetaSize));
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
  last_hash_ = Hash{};
  last_time_.clear();
  if (size > 0 && !read_only_) {
    ARBITER_ASSIGN_OR_RETURN(last_hash_, ReadSubtree(0, size - 1));
    ARBITER_ASSIGN_OR_RETURN(StoredEntry last, Get(size - 1));
    last_time_ = last.time;
  }
  ARBITER_ASSIGN_OR_RETURN(last_checkpoint_size_, GetNumber(*storage_, layout::kMetaCheckpoint));
  last_checkpoint_time_ = last_sync_time_ = Clock::now();
  unsynced_ = false;
  committed_size_.store(size, std::memory_order_release);
  latest_checkpoint_.store(last_checkpoint_size_, std::memory_order_release);
  return Status::Ok();
}

void Ledger::Impl::EnterFailed(const Status& cause) {
  Status failed(cause.code(), "the ledger cannot be written (" + cause.message() +
                                  "); it refuses writes until the storage recovers");
  if (failure_.ok()) next_recovery_time_ = Clock::now();  // the first retry comes at once
  failure_ = failed;
  std::lock_guard lock(health_mu_);
  health_.failed = true;
  health_.error = cause.message();
  ++health_.write_failures;
}

Status Ledger::Impl::Recover() {
  const uint64_t acknowledged = committed_size_.load(std::memory_order_relaxed);
  next_recovery_time_ = Clock::now() + std::chrono::milliseconds(options_.recovery_interval_ms);
  Status st = storage_->Reopen();
  if (st.ok()) st = LoadWriterState();
  if (st.ok() && frontier_.size() < acknowledged) {
    st = Status::Corruption("after reopening, the store holds " +
                            std::to_string(frontier_.size()) + " entries, but " +
                            std::to_string(acknowledged) + " were committed");
  }
  if (!st.ok()) {
    // Still failed: keep the reason up to date (the state is reloaded again next time).
    failure_ = Status(st.code(), "the ledger cannot be written (" + st.message() +
                                     "); it refuses writes until the storage recovers");
    std::lock_guard lock(health_mu_);
    health_.error = st.message();
    return st;
  }
  failure_ = Status::Ok();
  std::lock_guard lock(health_mu_);
  health_.failed = false;
  health_.error.clear();
  ++health_.recoveries;
  return Status::Ok();
}

LedgerHealth Ledger::Impl::Health() const {
  LedgerHealth health;
  {
    std::lock_guard lock(health_mu_);
    health = health_;
  }
  health.commit_groups = commit_groups_.load(std::memory_order_relaxed);
  health.committed_appends = committed_appends_.load(std::memory_order_relaxed);
  return health;
}

}  // namespace arbiter::ledger
