// Checkpoints and key rotation: signing C2SP checkpoints of the writer's frontier (in a
// group's batch or on their own), reading them back, and the key entry that hands signing
// over to a new key. The writing functions expect commit_mu_ held (ledger_impl.h).
#include <arbiter/ledger.h>

#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

namespace {

constexpr std::string_view kRotationHeader = "arbiter-ledger key rotation\n";

}  // namespace

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

bool Ledger::Impl::CheckpointDueByTime(Clock::time_point now) const {
  return options_.checkpoint_every_ms > 0 && frontier_.size() > last_checkpoint_size_ &&
         now - last_checkpoint_time_ >= std::chrono::milliseconds(options_.checkpoint_every_ms);
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
  if (!failure_.ok()) return failure_;
  std::unique_ptr<LedgerStorage::Batch> batch = storage_->NewBatch(1024);
  uint64_t saved = last_checkpoint_size_;
  ARBITER_RETURN_IF_ERROR(AddCheckpoint(batch.get(), note));
  Status st = storage_->Write(*batch, sync);
  if (!st.ok()) {
    last_checkpoint_size_ = saved;
    EnterFailed(st);
    return st;
  }
  latest_checkpoint_.store(last_checkpoint_size_, std::memory_order_release);
  return Status::Ok();
}

Result<std::string> Ledger::Impl::MakeCheckpoint() {
  if (read_only_) return Status::FailedPrecondition("the ledger is open read-only");
  std::lock_guard commit(commit_mu_);
  if (!failure_.ok()) return failure_;
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
  if (!failure_.ok()) return failure_;
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

Result<std::string> Ledger::LatestCheckpoint() const {
  ARBITER_ASSIGN_OR_RETURN(uint64_t size, impl_->LatestCheckpointSize());
  return impl_->CheckpointAt(size);
}

Result<std::string> Ledger::CheckpointAt(uint64_t size) const { return impl_->CheckpointAt(size); }
Result<std::vector<uint64_t>> Ledger::CheckpointSizes() const { return impl_->CheckpointSizes(); }

}  // namespace arbiter::ledger
