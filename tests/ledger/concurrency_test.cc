// The ledger's writer under concurrent callers: appends from several threads, key rotations
// and checkpoints from others, in batch durability so the writer's WAL-sync bookkeeping is in
// play. The result must be one ledger that verifies from the first key through every rotation.
// The ThreadSanitizer build (make test-tsan) runs this to find unsynchronised state.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

TEST_CASE("appends, rotations and checkpoints from many threads: one verifiable ledger") {
  LedgerOptions options = TestOptions(3);
  options.durability = Durability::kBatch;
  options.batch_sync_interval_ms = 1;
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), options);
  REQUIRE(ledger.ok());
  constexpr int kAppenders = 3, kAppends = 150, kRotators = 2, kRotations = 6;
  // Records are made here: Catch's assertions (inside SampleDecision) are not thread-safe.
  std::vector<std::vector<Record>> records(kAppenders);
  for (int t = 0; t < kAppenders; ++t) {
    for (int i = 0; i < kAppends; ++i) records[t].push_back(SampleDecision(t * 1000 + i));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kAppenders; ++t) {
    threads.emplace_back([&, t] {
      for (Record& r : records[t]) {
        if (!(*ledger)->Append(std::move(r)).ok()) ++failures;
      }
    });
  }
  // Two threads rotate at once: each rotation must be signed by the key current when it is
  // committed, or verify cannot follow the chain.
  for (int t = 0; t < kRotators; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRotations; ++i) {
        std::string name("rotated.example/");
        name.append(std::to_string(t * 100 + i));
        auto key = SigningKey::Generate(name);
        if (!key.ok() || !(*ledger)->RotateKey(std::move(key).value()).ok()) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) (void)(*ledger)->MakeCheckpoint();
  });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  REQUIRE((*ledger)->Close().ok());
  CHECK((*ledger)->Size() == kAppenders * kAppends + kRotators * kRotations);
  auto report = (*ledger)->Verify(TrustedOptions());
  INFO(report.Summary());
  CHECK(report.ok);
}
