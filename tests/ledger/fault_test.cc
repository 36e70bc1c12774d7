// Storage faults (spec/ledger-format.md, "Faults"): RocksDB on a fault-injecting file system
// (fault_fs.h) that fails writes and syncs and simulates power cuts, and an in-memory store
// whose failed write still lands. What was acknowledged is never lost, what was not is
// never half-written, a failed sync is never reported as durable, and the ledger recovers.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "common/encoding.h"
#include "ledger/rocksdb_storage.h"
#include "tests/ledger/fault_fs.h"
#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

namespace {

LedgerOptions FaultOptions() {
  LedgerOptions o = TestOptions(4);
  o.recovery_interval_ms = 5;
  return o;
}

std::unique_ptr<Ledger> OpenOn(const std::string& dir, std::shared_ptr<FaultFs> fs,
                               LedgerOptions options = FaultOptions()) {
  RocksDbStorageOptions so;
  so.file_system = std::move(fs);
  auto storage = OpenRocksDbStorage(dir, so);
  REQUIRE(storage.ok());
  auto ledger = Ledger::OpenWithStorage(*storage, options);
  INFO(ledger.status().ToString());
  REQUIRE(ledger.ok());
  return std::move(ledger).value();
}

// Appends until one succeeds (the ledger recovering meanwhile); the hang guard is generous
// and not an assertion on time.
Result<Receipt> AppendOnceRecovered(Ledger& ledger, int i) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto r = ledger.Append(SampleDecision(i));
    if (r.ok() || std::chrono::steady_clock::now() > deadline) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// Opens DIR on the real file system (after a simulated power cut) and checks that it
// verifies and holds every acknowledged entry, byte for byte.
void CheckSurvivors(const std::string& dir, const std::vector<Receipt>& acknowledged) {
  auto ledger = Ledger::OpenReadOnly(dir);
  INFO(ledger.status().ToString());
  REQUIRE(ledger.ok());
  auto report = (*ledger)->Verify(TrustedOptions());
  INFO(report.Summary());
  REQUIRE(report.ok);
  for (const Receipt& r : acknowledged) {
    auto e = (*ledger)->Get(r.seq);
    INFO("acknowledged seq " << r.seq);
    REQUIRE(e.ok());
    CHECK(HexEncode(e->entry_hash) == r.entry_hash);
  }
}

}  // namespace

TEST_CASE("faults: acknowledged appends survive a power cut") {
  TempDir dir("fault-power");
  auto fs = FaultFs::Make();
  std::vector<Receipt> acked;
  {
    auto ledger = OpenOn(dir.str(), fs);
    std::vector<std::thread> threads;
    std::mutex mu;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          auto r = ledger->Append(SampleDecision(t * 100 + i));
          if (!r.ok()) std::abort();
          std::lock_guard lock(mu);
          acked.push_back(*r);
        }
      });
    }
    for (auto& th : threads) th.join();
    fs->PowerCut();
    // Closing with the power off fails (no final checkpoint, no flush) and must not abort.
    CHECK(!ledger->Close().ok());
  }
  fs->DropUnsynced();
  CheckSurvivors(dir.str(), acked);
}

TEST_CASE("faults: a failed WAL sync is never acknowledged; the ledger fails, then recovers") {
  TempDir dir("fault-sync");
  auto fs = FaultFs::Make();
  std::vector<Receipt> acked;
  {
    auto ledger = OpenOn(dir.str(), fs);
    for (int i = 0; i < 10; ++i) {
      auto r = ledger->Append(SampleDecision(i));
      REQUIRE(r.ok());
      acked.push_back(*r);
    }
    fs->Inject(FileKind::kWal, FaultOp::kSync, FaultFs::Eio(), 0, 1);
    auto failed = ledger->Append(SampleDecision(10));
    INFO(failed.status().ToString());
    REQUIRE(!failed.ok());
    CHECK(fs->injected() == 1);
    CHECK(ledger->Health().write_failures == 1);
    // Recovery reopens the store; appends then succeed, in a new log.
    for (int i = 11; i < 30; ++i) {
      auto r = AppendOnceRecovered(*ledger, i);
      INFO(r.status().ToString());
      REQUIRE(r.ok());
      acked.push_back(*r);
    }
    CHECK(!ledger->Health().failed);
    CHECK(ledger->Health().recoveries >= 1);
    fs->PowerCut();
    ledger->Close().ok();
  }
  // The log whose sync failed is poisoned: had anything acknowledged after the failure
  // relied on syncing it again, the power cut would lose it here.
  fs->DropUnsynced();
  CheckSurvivors(dir.str(), acked);
}

TEST_CASE("faults: ENOSPC on the log: appends fail (fail closed), no abort, then recovery") {
  TempDir dir("fault-enospc");
  auto fs = FaultFs::Make();
  std::vector<Receipt> acked;
  {
    auto ledger = OpenOn(dir.str(), fs);
    for (int i = 0; i < 5; ++i) acked.push_back(ledger->Append(SampleDecision(i)).value());
    fs->Inject(FileKind::kAny, FaultOp::kWrite, FaultFs::NoSpace());
    for (int i = 5; i < 10; ++i) {
      auto r = ledger->Append(SampleDecision(i));
      REQUIRE(!r.ok());
    }
    LedgerHealth health = ledger->Health();
    CHECK(health.failed);
    CHECK(health.error.find("space") != std::string::npos);
    CHECK(!ledger->MakeCheckpoint().ok());
    // Reads still answer what was committed: a read-only instance serves them while the
    // writable reopen keeps failing.
    CHECK(ledger->Size() >= 5);
    for (const Receipt& r : acked) {
      auto e = ledger->Get(r.seq);
      INFO(e.status().ToString());
      CHECK(e.ok());
    }
    CHECK(ledger->InclusionProof(0).ok());
    fs->Heal();  // space freed
    for (int i = 10; i < 20; ++i) {
      auto r = AppendOnceRecovered(*ledger, i);
      INFO(r.status().ToString());
      REQUIRE(r.ok());
      acked.push_back(*r);
    }
    CHECK(!ledger->Health().failed);
    Status closed = ledger->Close();
    INFO(closed.ToString());
    REQUIRE(closed.ok());
  }
  CheckSurvivors(dir.str(), acked);
}

TEST_CASE("faults: closing while the disk is full returns an error; the next open has it all") {
  TempDir dir("fault-close-full");
  auto fs = FaultFs::Make();
  std::vector<Receipt> acked;
  {
    auto ledger = OpenOn(dir.str(), fs);
    for (int i = 0; i < 7; ++i) acked.push_back(ledger->Append(SampleDecision(i)).value());
    fs->Inject(FileKind::kAny, FaultOp::kWrite, FaultFs::NoSpace());
    REQUIRE(!ledger->Append(SampleDecision(7)).ok());
    Status closed = ledger->Close();
    INFO(closed.ToString());
    CHECK(!closed.ok());
  }  // the store's destructor runs with the disk still full
  fs->Heal();
  {
    auto ledger = OpenOn(dir.str(), fs);
    CHECK(ledger->Size() >= 7);
    acked.push_back(ledger->Append(SampleDecision(8)).value());
    Status closed = ledger->Close();
    INFO(closed.ToString());
    REQUIRE(closed.ok());
  }
  CheckSurvivors(dir.str(), acked);
}

TEST_CASE("faults: EIO on table writes (flush) is survived without losing entries") {
  TempDir dir("fault-flush");
  auto fs = FaultFs::Make();
  std::vector<Receipt> acked;
  {
    auto ledger = OpenOn(dir.str(), fs);
    for (int i = 0; i < 5; ++i) acked.push_back(ledger->Append(SampleDecision(i)).value());
    fs->Inject(FileKind::kTable, FaultOp::kWrite, FaultFs::Eio());
    // Close flushes into a table, which fails; the log still holds everything.
    ledger->Close().ok();
  }
  fs->Heal();
  CheckSurvivors(dir.str(), acked);
}

namespace {

// A memory store whose next Write applies the batch and still reports failure: a write
// that failed after its log record went out (the batch is in the store after all).
class LandedButFailedStorage final : public LedgerStorage {
 public:
  LandedButFailedStorage() : inner_(NewMemoryStorage()) {}
  std::atomic<int> fail_next{0};
  std::atomic<int> reopens{0};
  using LedgerStorage::Write;
  std::unique_ptr<Batch> NewBatch(size_t reserve) const override {
    return inner_->NewBatch(reserve);
  }
  Status Write(const Batch& batch, bool sync) override {
    Status st = inner_->Write(batch, sync);
    if (st.ok() && fail_next.exchange(0) > 0) return Status::IOError("injected: sync failed");
    return st;
  }
  Status SyncWal() override { return inner_->SyncWal(); }
  Status Reopen() override {
    ++reopens;
    return Status::Ok();
  }
  Status Get(std::string_view key, std::string* value) const override {
    return inner_->Get(key, value);
  }
  std::unique_ptr<Cursor> Seek(std::string_view start) const override {
    return inner_->Seek(start);
  }
  bool read_only() const override { return false; }

 private:
  std::shared_ptr<LedgerStorage> inner_;
};

}  // namespace

TEST_CASE("faults: a batch that failed but landed is reloaded, never overwritten") {
  auto storage = std::make_shared<LandedButFailedStorage>();
  auto opened = Ledger::OpenWithStorage(storage, FaultOptions());
  REQUIRE(opened.ok());
  Ledger& ledger = **opened;
  std::vector<Receipt> acked;
  for (int i = 0; i < 7; ++i) acked.push_back(ledger.Append(SampleDecision(i)).value());
  // Seq 7 completes subtrees at levels 1 to 3: their hashes are in the landed batch.
  storage->fail_next = 1;
  REQUIRE(!ledger.Append(SampleDecision(7)).ok());
  for (int i = 8; i < 80; ++i) {
    auto r = AppendOnceRecovered(ledger, i);
    REQUIRE(r.ok());
    acked.push_back(*r);
  }
  CHECK(storage->reopens >= 1);
  // The failed entry is there (seq 7) and the chain continues after it.
  CHECK(ledger.Size() == 80);
  REQUIRE(ledger.MakeCheckpoint().ok());
  auto report = ledger.Verify(TrustedOptions());
  INFO(report.Summary());
  CHECK(report.ok);
  for (const Receipt& r : acked) {
    CHECK(HexEncode(ledger.Get(r.seq)->entry_hash) == r.entry_hash);
  }
}

TEST_CASE("faults: reads while the store is reopened answer or fail cleanly") {
  TempDir dir("fault-readers");
  auto fs = FaultFs::Make();
  auto ledger = OpenOn(dir.str(), fs);
  for (int i = 0; i < 20; ++i) REQUIRE(ledger->Append(SampleDecision(i)).ok());
  REQUIRE(ledger->MakeCheckpoint().ok());
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      while (!stop.load()) {
        // Catch assertions are not thread-safe: count, check on the main thread.
        if (ledger->Get(static_cast<uint64_t>(t)).ok()) ++answered;
        (void)ledger->InclusionProof(1);
        (void)ledger->CheckpointSizes();
        (void)ledger->Health();
      }
    });
  }
  for (int round = 0; round < 5; ++round) {
    fs->Inject(FileKind::kWal, FaultOp::kSync, FaultFs::Eio(), 0, 1);
    (void)ledger->Append(SampleDecision(100 + round));
    REQUIRE(AppendOnceRecovered(*ledger, 200 + round).ok());
  }
  stop = true;
  for (auto& th : readers) th.join();
  CHECK(answered.load() > 0);
  CHECK(ledger->Health().recoveries >= 5);
  REQUIRE(ledger->Close().ok());
  auto report = ledger->Verify(TrustedOptions());
  INFO(report.Summary());
  CHECK(report.ok);
}

TEST_CASE("faults: durability=batch: a failed background sync is not retried; recovery makes "
          "acknowledged entries durable") {
  TempDir dir("fault-batch");
  auto fs = FaultFs::Make();
  std::vector<Receipt> acked;
  {
    LedgerOptions options = FaultOptions();
    options.durability = Durability::kBatch;
    options.batch_sync_interval_ms = 1;
    auto ledger = OpenOn(dir.str(), fs, options);
    fs->Inject(FileKind::kWal, FaultOp::kSync, FaultFs::Eio(), 0, 1);
    for (int i = 0; i < 10; ++i) {
      auto r = ledger->Append(SampleDecision(i));
      if (r.ok()) acked.push_back(*r);
    }
    // The background sync fails (poisoning the log), and the ledger recovers by reopening.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (ledger->Health().recoveries == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    REQUIRE(fs->injected() == 1);
    REQUIRE(ledger->Health().recoveries >= 1);
    // Close syncs the log in use; the power then goes before the store's destructor could
    // flush the memtable into a table (which would hide a lost log).
    REQUIRE(ledger->Close().ok());
    fs->PowerCut();
  }
  fs->DropUnsynced();
  // Had the sync been retried on the poisoned log and called good, these would be gone.
  CheckSurvivors(dir.str(), acked);
  CHECK(!acked.empty());
}
