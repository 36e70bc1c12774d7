// LedgerStorage on RocksDB. RocksDB's LOCK file gives the single-writer rule; read-only
// opens take no lock and see the store as of the open.
#include <rocksdb/db.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/iterator.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include <arbiter/ledger.h>

#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace arbiter::ledger {
namespace {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  return Status::IOError(msg);
}

class RocksCursor final : public LedgerStorage::Cursor {
 public:
  explicit RocksCursor(std::unique_ptr<rocksdb::Iterator> it) : it_(std::move(it)) {}
  bool Valid() const override { return it_->Valid(); }
  std::string_view key() const override { return {it_->key().data(), it_->key().size()}; }
  std::string_view value() const override { return {it_->value().data(), it_->value().size()}; }
  void Next() override { it_->Next(); }
  Status status() const override { return FromRocks(it_->status(), "ledger scan"); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

// Batch::Append as a RocksDB merge: operands are concatenated in write order.
class ConcatOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    new_value->clear();
    if (existing != nullptr) new_value->assign(existing->data(), existing->size());
    new_value->append(value.data(), value.size());
    return true;
  }
  const char* Name() const override { return "arbiter.Concat"; }
};

class RocksBatch final : public LedgerStorage::Batch {
 public:
  explicit RocksBatch(size_t reserve_bytes) : batch_(reserve_bytes) {}
  void Put(std::string_view key, std::string_view value) override {
    batch_.Put(rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()))
        .PermitUncheckedError();
  }
  void Append(std::string_view key, std::string_view value) override {
    batch_.Merge(rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()))
        .PermitUncheckedError();
  }
  void Delete(std::string_view key) override {
    batch_.Delete(rocksdb::Slice(key.data(), key.size())).PermitUncheckedError();
  }
  void Clear() override { batch_.Clear(); }
  bool empty() const override { return batch_.Count() == 0; }
  rocksdb::WriteBatch* rocks() const { return &batch_; }

 private:
  mutable rocksdb::WriteBatch batch_;  // DB::Write takes it non-const but does not change it
};

class RocksStorage final : public LedgerStorage {
 public:
  RocksStorage(std::unique_ptr<rocksdb::DB> db, bool read_only)
      : db_(std::move(db)), read_only_(read_only) {}
  ~RocksStorage() override {
    // A clean shutdown leaves everything in sorted tables, so audit opens need no WAL replay
    // and point reads (proofs) hit indexed blocks rather than one huge memtable.
    if (!read_only_) db_->Flush(rocksdb::FlushOptions()).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }
  using LedgerStorage::Write;
  std::unique_ptr<Batch> NewBatch(size_t reserve_bytes) const override {
    return std::make_unique<RocksBatch>(reserve_bytes);
  }
  Status Write(const Batch& batch, bool sync) override {
    if (read_only_) return Status::FailedPrecondition("ledger is open read-only");
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocks(db_->Write(wo, static_cast<const RocksBatch&>(batch).rocks()),
                     "ledger write");
  }
  Status SyncWal() override {
    if (read_only_) return Status::Ok();
    return FromRocks(db_->SyncWAL(), "ledger WAL sync");
  }
  Status Get(std::string_view key, std::string* value) const override {
    return FromRocks(db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), value),
                     "ledger read");
  }
  std::vector<Status> MultiGet(const std::vector<std::string>& keys,
                               std::vector<std::string>* values) const override {
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::Status> rs = db_->MultiGet(rocksdb::ReadOptions(), slices, values);
    std::vector<Status> out;
    out.reserve(rs.size());
    for (const auto& s : rs) out.push_back(FromRocks(s, "ledger read"));
    return out;
  }
  std::unique_ptr<Cursor> Seek(std::string_view start) const override {
    rocksdb::ReadOptions ro;
    ro.readahead_size = 1 << 20;
    ro.fill_cache = false;  // scans (verify, export) would only evict what proofs use
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    it->Seek(rocksdb::Slice(start.data(), start.size()));
    return std::make_unique<RocksCursor>(std::move(it));
  }
  bool read_only() const override { return read_only_; }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  bool read_only_;
};

}  // namespace

Result<std::shared_ptr<LedgerStorage>> OpenRocksDbStorage(const std::string& dir, bool read_only,
                                                          bool create_if_missing) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(dir, ec);
  if (!exists && (read_only || !create_if_missing)) {
    return Status::NotFound("no ledger at " + dir + " (the directory does not exist)");
  }
  if (exists) {
    if (!fs::is_directory(dir, ec)) return Status::InvalidArgument(dir + " is not a directory");
    if (::access(dir.c_str(), R_OK | X_OK) != 0 || (!read_only && ::access(dir.c_str(), W_OK) != 0)) {
      return Status::PermissionDenied("cannot " + std::string(read_only ? "read" : "write") +
                                      " ledger directory " + dir + ": permission denied");
    }
    if (!fs::exists(fs::path(dir) / "CURRENT", ec)) {
      bool empty = fs::is_empty(dir, ec);
      if (read_only || !empty) {
        return Status::NotFound(dir + " is not an arbiter ledger (no RocksDB store in it)");
      }
    }
  }
  rocksdb::Options options;
  options.create_if_missing = !read_only && create_if_missing;
  options.compression = rocksdb::kLZ4Compression;
  options.max_background_jobs = 2;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 2;
  // The writer appends at the end of each key range ("e/", "t/", "d/" with time-ordered
  // ids, "m/" overwrites), so each memtable insert starts from where the last one with the
  // same two-byte prefix went instead of searching the skip list from its head. Hints need
  // single-threaded memtable writes, which is what the ledger's one writer does anyway.
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(2));
  options.allow_concurrent_memtable_write = false;
  options.merge_operator = std::make_shared<ConcatOperator>();
  // Start the WAL's writeback every 256 KiB as it is written, so a group's fsync finds
  // most of its bytes already on their way (about +5% durable appends/s in ledger_bench).
  options.wal_bytes_per_sync = 256 << 10;
  rocksdb::BlockBasedTableOptions table;
  // Tables are checksummed with XXH3 rather than CRC32C: Debian's RocksDB has only the
  // portable CRC32C, and verify reads every block. (The WAL always uses CRC32C.)
  table.checksum = rocksdb::kXXH3;
  // 16 KiB blocks (default 4): a verify scan pays per-block costs (read, checksum, LZ4
  // frame) over ~20 entries instead of ~5, and LZ4 compresses larger blocks better.
  table.block_size = 16 << 10;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = rocksdb::NewLRUCache(64 << 20);
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(options, dir, &raw)
                                : rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    std::string text = s.ToString();
    if (!read_only && s.IsIOError() && text.find("lock") != std::string::npos) {
      return Status::FailedPrecondition("ledger " + dir +
                                        " is already open for writing by another process or "
                                        "ledger (only one writer at a time): " + text);
    }
    if (text.find("ermission denied") != std::string::npos) {
      return Status::PermissionDenied("cannot open ledger " + dir + ": " + text);
    }
    return FromRocks(s, "cannot open ledger " + dir);
  }
  return std::shared_ptr<LedgerStorage>(
      std::make_shared<RocksStorage>(std::unique_ptr<rocksdb::DB>(raw), read_only));
}

}  // namespace arbiter::ledger
