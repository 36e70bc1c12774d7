// LedgerStorage on RocksDB. RocksDB's LOCK file gives the single-writer rule; read-only
// opens take no lock and see the store as of the open.
//
// Reopen (after a failed write, spec/ledger-format.md "Faults"): a RocksDB instance that saw
// a failed WAL write or sync keeps a background error and refuses writes; closing it and
// opening the directory again replays the WAL (a failed batch is either wholly there or not
// at all) and, by flushing what it replayed into a new synced table, makes durable whatever
// is visible, so nothing readable afterwards rests on a sync that failed. Readers hold a
// reference to the DB they read from; Reopen waits until they are done before closing it.
// While the reopen fails (the disk is still full), a read-only instance serves the reads.
#include "ledger/rocksdb_storage.h"

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

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <condition_variable>
#include <filesystem>
#include <mutex>
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
  RocksCursor(std::shared_ptr<rocksdb::DB> db, std::unique_ptr<rocksdb::Iterator> it)
      : db_(std::move(db)), it_(std::move(it)) {}
  bool Valid() const override { return it_->Valid(); }
  std::string_view key() const override { return {it_->key().data(), it_->key().size()}; }
  std::string_view value() const override { return {it_->value().data(), it_->value().size()}; }
  void Next() override { it_->Next(); }
  Status status() const override { return FromRocks(it_->status(), "ledger scan"); }

 private:
  std::shared_ptr<rocksdb::DB> db_;  // declared first: the iterator goes before the DB
  std::unique_ptr<rocksdb::Iterator> it_;
};

// A cursor over nothing, with an error (the store is being reopened).
class ErrorCursor final : public LedgerStorage::Cursor {
 public:
  explicit ErrorCursor(Status status) : status_(std::move(status)) {}
  bool Valid() const override { return false; }
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  void Next() override {}
  Status status() const override { return status_; }

 private:
  Status status_;
};

// RocksDB's info log for a writable store: DIR/LOG, appended with plain write(2) whose
// errors are ignored. RocksDB's own file logger asserts (aborts, in Debian's build) when it
// writes again after a failed write, which a full disk causes: a log line is not worth the
// process.
class AppendOnlyLogger final : public rocksdb::Logger {
 public:
  explicit AppendOnlyLogger(const std::string& path)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL),
        fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {}
  ~AppendOnlyLogger() override {
    if (fd_ >= 0) ::close(fd_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    char line[1024];
    int n = std::vsnprintf(line, sizeof line - 1, format, ap);
    if (n < 0) return;
    size_t len = std::min(static_cast<size_t>(n), sizeof line - 2);
    line[len++] = '\n';
    ssize_t written = ::write(fd_, line, len);
    (void)written;  // a full disk loses the line, nothing else
  }

 private:
  int fd_;
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
  RocksStorage(std::string dir, rocksdb::Options options, std::unique_ptr<rocksdb::Env> env,
               rocksdb::DB* db, bool read_only)
      : dir_(std::move(dir)), options_(std::move(options)), env_(std::move(env)),
        read_only_(read_only) {
    Publish(db);
  }
  ~RocksStorage() override {
    std::unique_ptr<rocksdb::DB> db = Withdraw();
    if (!db) return;
    // A clean shutdown leaves everything in sorted tables, so audit opens need no WAL replay
    // and point reads (proofs) hit indexed blocks rather than one huge memtable. After a
    // failed write the flush fails too (the WAL keeps the data); that is fine.
    if (!read_only_ && !write_failed_.load()) {
      db->Flush(rocksdb::FlushOptions()).PermitUncheckedError();
    }
    db->Close().PermitUncheckedError();
  }
  using LedgerStorage::Write;
  std::unique_ptr<Batch> NewBatch(size_t reserve_bytes) const override {
    return std::make_unique<RocksBatch>(reserve_bytes);
  }
  Status Write(const Batch& batch, bool sync) override {
    if (read_only_) return Status::FailedPrecondition("ledger is open read-only");
    if (write_failed_.load()) return NeedsReopen();
    auto db = Db();
    if (!db) return Unavailable();
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    Status st = FromRocks(db->Write(wo, static_cast<const RocksBatch&>(batch).rocks()),
                          "ledger write");
    if (!st.ok()) write_failed_.store(true);
    return st;
  }
  Status SyncWal() override {
    if (read_only_) return Status::Ok();
    if (write_failed_.load()) return NeedsReopen();
    auto db = Db();
    if (!db) return Unavailable();
    Status st = FromRocks(db->SyncWAL(), "ledger WAL sync");
    if (!st.ok()) write_failed_.store(true);
    return st;
  }
  Status Reopen() override {
    if (read_only_) return Status::Ok();
    {
      std::lock_guard lock(mu_);
      reopening_ = true;
    }
    Status st = ReopenDb();
    {
      std::lock_guard lock(mu_);
      reopening_ = false;
    }
    reopened_.notify_all();
    return st;
  }
  Status ReopenDb() {
    if (std::unique_ptr<rocksdb::DB> old = Withdraw()) {
      // No flush: after a failed write it would fail too, and the WAL holds the data.
      old->Close().PermitUncheckedError();
    }
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options_, dir_, &raw);
    if (!s.ok()) {
      // Until a reopen succeeds, reads go on from a read-only instance (it writes nothing;
      // write_failed_ stays set, so writes and syncs are refused without reaching it).
      rocksdb::DB* reader = nullptr;
      if (rocksdb::DB::OpenForReadOnly(options_, dir_, &reader).ok()) Publish(reader);
      return FromRocks(s, "reopening ledger " + dir_);
    }
    Publish(raw);
    write_failed_.store(false);
    return Status::Ok();
  }
  Status Get(std::string_view key, std::string* value) const override {
    auto db = Db();
    if (!db) return Unavailable();
    return FromRocks(db->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), value),
                     "ledger read");
  }
  std::vector<Status> MultiGet(const std::vector<std::string>& keys,
                               std::vector<std::string>* values) const override {
    auto db = Db();
    if (!db) {
      values->assign(keys.size(), std::string());
      return std::vector<Status>(keys.size(), Unavailable());
    }
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::Status> rs = db->MultiGet(rocksdb::ReadOptions(), slices, values);
    std::vector<Status> out;
    out.reserve(rs.size());
    for (const auto& s : rs) out.push_back(FromRocks(s, "ledger read"));
    return out;
  }
  std::unique_ptr<Cursor> Seek(std::string_view start) const override {
    auto db = Db();
    if (!db) return std::make_unique<ErrorCursor>(Unavailable());
    rocksdb::ReadOptions ro;
    ro.readahead_size = 1 << 20;
    ro.fill_cache = false;  // scans (verify, export) would only evict what proofs use
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
    it->Seek(rocksdb::Slice(start.data(), start.size()));
    return std::make_unique<RocksCursor>(std::move(db), std::move(it));
  }
  bool read_only() const override { return read_only_; }

 private:
  // RocksDB must not touch a log file after an error on it (Debian's build asserts, and a
  // retried sync could succeed without the data the failed one lost): after a failed write
  // or sync, nothing more is written until Reopen.
  static Status NeedsReopen() {
    return Status::IOError("an earlier write to the ledger store failed; it must be reopened");
  }
  static Status Unavailable() {
    return Status::IOError("the ledger store is being reopened after a write failure");
  }
  // The DB to use. During a reopen, waits (a while: a reader that holds a cursor, hence
  // the old DB, and reads again must not wait for the reopen that waits for it).
  std::shared_ptr<rocksdb::DB> Db() const {
    std::unique_lock lock(mu_);
    reopened_.wait_for(lock, std::chrono::seconds(2), [this] { return !reopening_; });
    return db_;
  }
  // Makes `db` the one readers and writes use. The shared_ptr does not own it: its deleter
  // tells Withdraw that the last user let go.
  void Publish(rocksdb::DB* db) {
    std::lock_guard lock(mu_);
    owned_.reset(db);
    in_use_ = true;
    db_ = std::shared_ptr<rocksdb::DB>(db, [this](rocksdb::DB*) {
      std::lock_guard released(mu_);
      in_use_ = false;
      released_.notify_all();
    });
  }
  // Stops handing out the DB, waits until no read or cursor holds it, and returns it.
  std::unique_ptr<rocksdb::DB> Withdraw() {
    std::shared_ptr<rocksdb::DB> last;
    {
      std::lock_guard lock(mu_);
      last = std::move(db_);
    }
    last.reset();
    std::unique_lock lock(mu_);
    released_.wait(lock, [this] { return !in_use_; });
    return std::move(owned_);
  }

  const std::string dir_;
  const rocksdb::Options options_;
  const std::unique_ptr<rocksdb::Env> env_;  // options_.env when a file system was given
  const bool read_only_;
  // mu_ guards db_, owned_, in_use_ and reopening_; released_ signals in_use_ turning
  // false, reopened_ reopening_ turning false.
  mutable std::mutex mu_;
  std::condition_variable released_;
  mutable std::condition_variable reopened_;
  bool reopening_ = false;
  std::shared_ptr<rocksdb::DB> db_;     // null while reopening (or after a failed reopen)
  std::unique_ptr<rocksdb::DB> owned_;  // the DB db_ points to
  bool in_use_ = false;                 // db_ or a copy of it is alive
  std::atomic<bool> write_failed_{false};  // a Write or SyncWal failed since the last open
};

}  // namespace

Result<std::shared_ptr<LedgerStorage>> OpenRocksDbStorage(const std::string& dir, bool read_only,
                                                          bool create_if_missing) {
  RocksDbStorageOptions options;
  options.read_only = read_only;
  options.create_if_missing = create_if_missing;
  return OpenRocksDbStorage(dir, options);
}

Result<std::shared_ptr<LedgerStorage>> OpenRocksDbStorage(const std::string& dir,
                                                          const RocksDbStorageOptions& storage) {
  const bool read_only = storage.read_only;
  const bool create_if_missing = storage.create_if_missing;
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
  std::unique_ptr<rocksdb::Env> env;
  if (storage.file_system) {
    env = rocksdb::NewCompositeEnv(storage.file_system);
    options.env = env.get();
  }
  options.create_if_missing = !read_only && create_if_missing;
  options.compression = rocksdb::kLZ4Compression;
  options.max_background_jobs = 2;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  if (!read_only) {
    std::error_code dir_ec;
    fs::create_directories(dir, dir_ec);  // RocksDB would; the logger's file goes there first
    options.info_log = std::make_shared<AppendOnlyLogger>((fs::path(dir) / "LOG").string());
  }
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
      std::make_shared<RocksStorage>(dir, options, std::move(env), raw, read_only));
}

}  // namespace arbiter::ledger
