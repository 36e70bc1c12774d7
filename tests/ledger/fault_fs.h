// A RocksDB FileSystem for tests that fails writes and syncs on command and can simulate a
// power cut. It wraps the real file system (files live in a real temporary directory) and
// remembers, per file written through it, how much of it was durable at its last successful
// sync.
//
// - Inject(kind, op, error, skip, times): after `skip` more successes, the next `times`
//   writes (Append) or syncs (Sync/Fsync/RangeSync is not a sync) of files of that kind fail
//   with `error`. A failed write writes nothing; a failed sync leaves the data in the file
//   (the page cache) but not durable.
// - A failed sync poisons its file, as Linux does after a failed fsync (the dirty pages are
//   dropped and marked clean): nothing written to that file after its last successful sync
//   becomes durable, whatever later syncs return. A store that retries the sync and calls
//   the data durable loses it at the power cut.
// - PowerCut(): from now on every write, sync, create, rename and delete fails, as if the
//   machine had stopped; after the store is closed, DropUnsynced() truncates each file to its
//   durable size (files never synced become empty) and ends the power cut.
//
// Directory syncs are not modelled (renames and creations are taken as durable at once).
#pragma once

#include <rocksdb/file_system.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace arbiter::ledger::testing {

enum class FileKind { kAny, kWal, kTable, kManifest, kOther };
enum class FaultOp { kWrite, kSync };

FileKind KindOfFile(const std::string& path);

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultFs(std::shared_ptr<rocksdb::FileSystem> base = rocksdb::FileSystem::Default());
  static std::shared_ptr<FaultFs> Make() { return std::make_shared<FaultFs>(); }

  const char* Name() const override { return "ArbiterFaultFs"; }

  static rocksdb::IOStatus NoSpace() { return rocksdb::IOStatus::NoSpace("injected ENOSPC"); }
  static rocksdb::IOStatus Eio() { return rocksdb::IOStatus::IOError("injected EIO"); }

  // Fails the next `times` (-1: every) `op`s on files of `kind` after `skip` more succeed.
  void Inject(FileKind kind, FaultOp op, rocksdb::IOStatus error, int skip = 0, int times = -1);
  // Removes every injected fault (not the poison of files whose sync failed, nor a power cut).
  void Heal();
  // How many operations failed because of Inject.
  int injected() const;

  void PowerCut();
  // Call with the store closed. Truncates every file to its durable size, ends the power cut.
  void DropUnsynced();

  // File system operations that the wrapper tracks or fails.
  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname,
                                       const rocksdb::FileOptions& opts,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& opts,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions& opts,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& opts,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions& opts,
                             rocksdb::IODebugContext* dbg) override;

  struct FileState {
    std::string path;
    uint64_t written = 0;  // bytes appended (what a reader sees)
    uint64_t durable = 0;  // bytes that survive a power cut
    bool poisoned = false;
  };
  // Called by the file wrapper (with the lock not held).
  rocksdb::IOStatus BeforeOp(FileState* file, FaultOp op);
  void AfterAppend(FileState* file, uint64_t bytes);
  void AfterSync(FileState* file);

 private:
  rocksdb::IOStatus Wrap(const std::string& fname, uint64_t existing,
                         std::unique_ptr<rocksdb::FSWritableFile>* result);

  struct Rule {
    FileKind kind;
    FaultOp op;
    rocksdb::IOStatus error;
    int skip;
    int times;
  };
  mutable std::mutex mu_;  // guards everything below and every FileState's fields
  std::vector<Rule> rules_;
  std::map<std::string, std::shared_ptr<FileState>> files_;
  bool power_cut_ = false;
  int injected_ = 0;
};

}  // namespace arbiter::ledger::testing
