// An in-memory LedgerStorage: for tests and the playground's scratch ledger.
#include <arbiter/ledger.h>

#include <map>
#include <mutex>
#include <shared_mutex>

namespace arbiter::ledger {

std::vector<Status> LedgerStorage::MultiGet(const std::vector<std::string>& keys,
                                            std::vector<std::string>* values) const {
  std::vector<Status> statuses;
  values->assign(keys.size(), std::string());
  for (size_t i = 0; i < keys.size(); ++i) statuses.push_back(Get(keys[i], &(*values)[i]));
  return statuses;
}

Status LedgerStorage::Write(const std::vector<Op>& ops, bool sync) {
  size_t bytes = 0;
  for (const auto& op : ops) bytes += op.key.size() + (op.value ? op.value->size() : 0) + 8;
  std::unique_ptr<Batch> batch = NewBatch(bytes);
  for (const auto& op : ops) {
    if (op.value) {
      batch->Put(op.key, *op.value);
    } else {
      batch->Delete(op.key);
    }
  }
  return Write(*batch, sync);
}

namespace {

class MemoryBatch final : public LedgerStorage::Batch {
 public:
  void Put(std::string_view key, std::string_view value) override {
    ops_.push_back({std::string(key), std::string(value), false});
  }
  void Append(std::string_view key, std::string_view value) override {
    ops_.push_back({std::string(key), std::string(value), true});
  }
  void Delete(std::string_view key) override { ops_.push_back({std::string(key), std::nullopt}); }
  void Clear() override { ops_.clear(); }
  bool empty() const override { return ops_.empty(); }
  struct Op {
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
    bool append = false;
  };
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

class MemoryStorage final : public LedgerStorage {
 public:
  using LedgerStorage::Write;
  std::unique_ptr<Batch> NewBatch(size_t) const override { return std::make_unique<MemoryBatch>(); }
  Status Write(const Batch& batch, bool) override {
    std::unique_lock lock(mu_);
    for (const auto& op : static_cast<const MemoryBatch&>(batch).ops()) {
      if (op.append) {
        data_[op.key] += *op.value;
      } else if (op.value) {
        data_[op.key] = *op.value;
      } else {
        data_.erase(op.key);
      }
    }
    return Status::Ok();
  }
  Status SyncWal() override { return Status::Ok(); }
  Status Get(std::string_view key, std::string* value) const override {
    std::shared_lock lock(mu_);
    auto it = data_.find(key);
    if (it == data_.end()) return Status::NotFound("no such key");
    *value = it->second;
    return Status::Ok();
  }
  // A cursor copies rows in chunks so it never holds the lock between calls.
  class MemCursor final : public Cursor {
   public:
    MemCursor(const MemoryStorage* s, std::string start) : storage_(s) { Fill(start, true); }
    bool Valid() const override { return pos_ < rows_.size(); }
    std::string_view key() const override { return rows_[pos_].first; }
    std::string_view value() const override { return rows_[pos_].second; }
    void Next() override {
      if (++pos_ == rows_.size() && !rows_.empty() && more_) Fill(rows_.back().first, false);
    }
    Status status() const override { return Status::Ok(); }

   private:
    void Fill(const std::string& from, bool inclusive) {
      std::shared_lock lock(storage_->mu_);
      rows_.clear();
      pos_ = 0;
      auto it = inclusive ? storage_->data_.lower_bound(from) : storage_->data_.upper_bound(from);
      for (; it != storage_->data_.end() && rows_.size() < 1024; ++it) rows_.emplace_back(*it);
      more_ = it != storage_->data_.end();
    }
    const MemoryStorage* storage_;
    std::vector<std::pair<std::string, std::string>> rows_;
    size_t pos_ = 0;
    bool more_ = false;
  };
  std::unique_ptr<Cursor> Seek(std::string_view start) const override {
    return std::make_unique<MemCursor>(this, std::string(start));
  }
  bool read_only() const override { return false; }

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::string, std::less<>> data_;
};

}  // namespace

std::shared_ptr<LedgerStorage> NewMemoryStorage() { return std::make_shared<MemoryStorage>(); }

}  // namespace arbiter::ledger
