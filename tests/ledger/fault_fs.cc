#include "tests/ledger/fault_fs.h"

#include <filesystem>
#include <system_error>

namespace arbiter::ledger::testing {

namespace {

class FaultFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultFile(std::unique_ptr<rocksdb::FSWritableFile> target, FaultFs* fs,
            std::shared_ptr<FaultFs::FileState> state)
      : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs), state_(std::move(state)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->BeforeOp(state_.get(), FaultOp::kWrite);
    if (!s.ok()) return s;
    s = target()->Append(data, options, dbg);
    if (s.ok()) fs_->AfterAppend(state_.get(), data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo&,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                                     rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("FaultFs: positioned appends");
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                                     const rocksdb::DataVerificationInfo&,
                                     rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("FaultFs: positioned appends");
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->BeforeOp(state_.get(), FaultOp::kSync);
    if (!s.ok()) return s;
    s = target()->Sync(options, dbg);
    if (s.ok()) fs_->AfterSync(state_.get());
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->BeforeOp(state_.get(), FaultOp::kSync);
    if (!s.ok()) return s;
    s = target()->Fsync(options, dbg);
    if (s.ok()) fs_->AfterSync(state_.get());
    return s;
  }
  // Writeback hints make nothing durable here.
  rocksdb::IOStatus RangeSync(uint64_t, uint64_t, const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  bool IsSyncThreadSafe() const override { return target()->IsSyncThreadSafe(); }
  bool use_direct_io() const override { return false; }

 private:
  FaultFs* fs_;
  std::shared_ptr<FaultFs::FileState> state_;
};

}  // namespace

FileKind KindOfFile(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  auto ends = [&](std::string_view suffix) { return name.ends_with(suffix); };
  if (ends(".log")) return FileKind::kWal;
  if (ends(".sst")) return FileKind::kTable;
  if (name.starts_with("MANIFEST-")) return FileKind::kManifest;
  return FileKind::kOther;
}

FaultFs::FaultFs(std::shared_ptr<rocksdb::FileSystem> base) : FileSystemWrapper(base) {}

void FaultFs::Inject(FileKind kind, FaultOp op, rocksdb::IOStatus error, int skip, int times) {
  std::lock_guard lock(mu_);
  rules_.push_back({kind, op, std::move(error), skip, times});
}

void FaultFs::Heal() {
  std::lock_guard lock(mu_);
  rules_.clear();
}

int FaultFs::injected() const {
  std::lock_guard lock(mu_);
  return injected_;
}

void FaultFs::PowerCut() {
  std::lock_guard lock(mu_);
  power_cut_ = true;
}

void FaultFs::DropUnsynced() {
  std::lock_guard lock(mu_);
  for (auto& [path, file] : files_) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    if (std::filesystem::file_size(path, ec) > file->durable) {
      std::filesystem::resize_file(path, file->durable, ec);
    }
    file->written = file->durable;
  }
  power_cut_ = false;
}

rocksdb::IOStatus FaultFs::BeforeOp(FileState* file, FaultOp op) {
  std::lock_guard lock(mu_);
  if (power_cut_) return rocksdb::IOStatus::IOError("FaultFs: the power is off");
  FileKind kind = KindOfFile(file->path);
  for (Rule& rule : rules_) {
    if (rule.op != op || (rule.kind != FileKind::kAny && rule.kind != kind)) continue;
    if (rule.times == 0) continue;
    if (rule.skip > 0) {
      --rule.skip;
      continue;
    }
    if (rule.times > 0) --rule.times;
    ++injected_;
    if (op == FaultOp::kSync) {
      // What the kernel could not write back is dropped from the page cache's dirty set:
      // it will never be durable, even if a later sync of this file succeeds.
      file->poisoned = true;
    }
    return rule.error;
  }
  return rocksdb::IOStatus::OK();
}

void FaultFs::AfterAppend(FileState* file, uint64_t bytes) {
  std::lock_guard lock(mu_);
  file->written += bytes;
}

void FaultFs::AfterSync(FileState* file) {
  std::lock_guard lock(mu_);
  if (!file->poisoned) file->durable = file->written;
}

rocksdb::IOStatus FaultFs::Wrap(const std::string& fname, uint64_t existing,
                                std::unique_ptr<rocksdb::FSWritableFile>* result) {
  std::shared_ptr<FileState> state;
  {
    std::lock_guard lock(mu_);
    state = std::make_shared<FileState>();
    state->path = fname;
    state->written = state->durable = existing;
    files_[fname] = state;
  }
  *result = std::make_unique<FaultFile>(std::move(*result), this, std::move(state));
  return rocksdb::IOStatus::OK();
}

rocksdb::IOStatus FaultFs::NewWritableFile(const std::string& fname,
                                           const rocksdb::FileOptions& opts,
                                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                                           rocksdb::IODebugContext* dbg) {
  {
    std::lock_guard lock(mu_);
    if (power_cut_) return rocksdb::IOStatus::IOError("FaultFs: the power is off");
  }
  rocksdb::IOStatus s = target()->NewWritableFile(fname, opts, result, dbg);
  if (!s.ok()) return s;
  return Wrap(fname, 0, result);
}

rocksdb::IOStatus FaultFs::ReopenWritableFile(const std::string& fname,
                                              const rocksdb::FileOptions& opts,
                                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                                              rocksdb::IODebugContext* dbg) {
  uint64_t existing = 0;
  {
    std::lock_guard lock(mu_);
    if (power_cut_) return rocksdb::IOStatus::IOError("FaultFs: the power is off");
    auto it = files_.find(fname);
    if (it != files_.end()) existing = it->second->durable;
  }
  rocksdb::IOStatus s = target()->ReopenWritableFile(fname, opts, result, dbg);
  if (!s.ok()) return s;
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(fname, ec);
  // Bytes already there that were not durable stay not durable.
  auto wrapped = Wrap(fname, existing, result);
  std::lock_guard lock(mu_);
  files_[fname]->written = ec ? existing : size;
  return wrapped;
}

rocksdb::IOStatus FaultFs::ReuseWritableFile(const std::string&, const std::string&,
                                             const rocksdb::FileOptions&,
                                             std::unique_ptr<rocksdb::FSWritableFile>*,
                                             rocksdb::IODebugContext*) {
  return rocksdb::IOStatus::NotSupported("FaultFs: recycled log files");
}

rocksdb::IOStatus FaultFs::RenameFile(const std::string& src, const std::string& target_name,
                                      const rocksdb::IOOptions& opts,
                                      rocksdb::IODebugContext* dbg) {
  std::lock_guard lock(mu_);
  if (power_cut_) return rocksdb::IOStatus::IOError("FaultFs: the power is off");
  rocksdb::IOStatus s = target()->RenameFile(src, target_name, opts, dbg);
  if (!s.ok()) return s;
  auto it = files_.find(src);
  if (it != files_.end()) {
    std::shared_ptr<FileState> state = it->second;
    files_.erase(it);
    state->path = target_name;
    files_[target_name] = std::move(state);
  } else {
    files_.erase(target_name);
  }
  return s;
}

rocksdb::IOStatus FaultFs::DeleteFile(const std::string& fname, const rocksdb::IOOptions& opts,
                                      rocksdb::IODebugContext* dbg) {
  std::lock_guard lock(mu_);
  if (power_cut_) return rocksdb::IOStatus::IOError("FaultFs: the power is off");
  rocksdb::IOStatus s = target()->DeleteFile(fname, opts, dbg);
  if (s.ok()) files_.erase(fname);
  return s;
}

rocksdb::IOStatus FaultFs::LinkFile(const std::string& src, const std::string& target_name,
                                    const rocksdb::IOOptions& opts, rocksdb::IODebugContext* dbg) {
  {
    std::lock_guard lock(mu_);
    if (power_cut_) return rocksdb::IOStatus::IOError("FaultFs: the power is off");
  }
  return target()->LinkFile(src, target_name, opts, dbg);
}

}  // namespace arbiter::ledger::testing
