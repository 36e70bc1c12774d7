// LedgerStorage on RocksDB with the options that only the ledger and its tests use (this
// header names RocksDB types, so it is not public).
#pragma once

#include <rocksdb/file_system.h>

#include <arbiter/ledger.h>

#include <memory>
#include <string>

namespace arbiter::ledger {

struct RocksDbStorageOptions {
  bool read_only = false;
  bool create_if_missing = true;
  // The file system RocksDB works on; null: the real one. Tests pass a fault-injecting one
  // (tests/ledger/fault_fs.h). It must outlive the storage (the storage keeps a reference).
  std::shared_ptr<rocksdb::FileSystem> file_system;
};

Result<std::shared_ptr<LedgerStorage>> OpenRocksDbStorage(const std::string& dir,
                                                          const RocksDbStorageOptions& options);

}  // namespace arbiter::ledger
