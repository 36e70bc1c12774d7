// The ledger on real RocksDB: format on disk, reopen, one writer, read-only audit opens,
// and clear errors for missing, unreadable, foreign and newer-format ledgers.
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <span>

#include "common/encoding.h"
#include "ledger/entry.h"
#include "ledger/layout.h"
#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

namespace {

void Fill(const std::string& dir, int n) {
  auto ledger = Ledger::Open(dir, TestOptions(4));
  REQUIRE(ledger.ok());
  for (int i = 0; i < n; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
  REQUIRE((*ledger)->Close().ok());
}

}  // namespace

TEST_CASE("rocksdb: write, close, reopen read-only, verify, prove") {
  TempDir dir("ledger-rocks");
  Fill(dir.str(), 10);
  auto ro = Ledger::OpenReadOnly(dir.str());
  REQUIRE(ro.ok());
  CHECK((*ro)->Size() == 10);
  auto report = (*ro)->Verify(TrustedOptions());
  INFO(report.Summary());
  CHECK(report.ok);
  CHECK(report.checkpoints == 3);  // 4, 8 and the final one at 10
  auto entry = (*ro)->Get(3);
  REQUIRE(entry.ok());
  auto view = ParseEntry(entry->raw);
  REQUIRE(view.ok());
  CHECK(view->seq == 3);
  CHECK(nlohmann::json::parse(entry->raw).dump() == entry->raw);  // canonical on disk
  auto proof = (*ro)->InclusionProof(3);
  REQUIRE(proof.ok());
  CHECK(VerifyTlogProof(*proof, entry->raw, Trusted()).ok());
  CHECK((*ro)->Append(SampleDecision(1)).status().code() == StatusCode::kFailedPrecondition);

  // A writer continues where it stopped.
  ro->reset();
  Fill(dir.str(), 3);
  auto again = Ledger::OpenReadOnly(dir.str());
  REQUIRE(again.ok());
  CHECK((*again)->Size() == 13);
  CHECK((*again)->Verify(TrustedOptions()).ok);
}

TEST_CASE("rocksdb: a second writer gets a clear error; readers are fine") {
  TempDir dir("ledger-lock");
  auto first = Ledger::Open(dir.str(), TestOptions());
  REQUIRE(first.ok());
  REQUIRE((*first)->Append(SampleDecision(0)).ok());
  auto second = Ledger::Open(dir.str(), TestOptions());
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(second.status().message(), Catch::Contains("already open for writing"));
  auto reader = Ledger::OpenReadOnly(dir.str());
  CHECK(reader.ok());
}

TEST_CASE("rocksdb: missing, foreign and unreadable ledgers") {
  TempDir dir("ledger-missing");
  auto missing = Ledger::OpenReadOnly(dir.str());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK_THAT(missing.status().message(), Catch::Contains("no ledger at"));

  std::filesystem::create_directories(dir.path);
  { std::ofstream(dir.path / "notes.txt") << "hello"; }
  auto foreign = Ledger::OpenReadOnly(dir.str());
  REQUIRE_FALSE(foreign.ok());
  CHECK_THAT(foreign.status().message(), Catch::Contains("not an arbiter ledger"));
  auto foreign_writer = Ledger::Open(dir.str(), TestOptions());
  REQUIRE_FALSE(foreign_writer.ok());
  CHECK_THAT(foreign_writer.status().message(), Catch::Contains("not an arbiter ledger"));

  if (::geteuid() != 0) {  // root reads anything
    TempDir locked("ledger-unreadable");
    Fill(locked.str(), 1);
    ::chmod(locked.str().c_str(), 0);
    auto unreadable = Ledger::OpenReadOnly(locked.str());
    ::chmod(locked.str().c_str(), 0755);
    REQUIRE_FALSE(unreadable.ok());
    CHECK(unreadable.status().code() == StatusCode::kPermissionDenied);
  }
}

TEST_CASE("rocksdb: a ledger from a newer format version is refused") {
  TempDir dir("ledger-newer");
  Fill(dir.str(), 2);
  {
    auto storage = OpenRocksDbStorage(dir.str(), false, false);
    REQUIRE(storage.ok());
    REQUIRE((*storage)->Write({{std::string(layout::kMetaFormat),
                                std::to_string(kFormatVersion + 1)}}, true).ok());
  }
  auto ro = Ledger::OpenReadOnly(dir.str());
  REQUIRE_FALSE(ro.ok());
  CHECK(ro.status().code() == StatusCode::kUnsupported);
  CHECK_THAT(ro.status().message(), Catch::Contains("newer"));
  auto rw = Ledger::Open(dir.str(), TestOptions());
  CHECK(rw.status().code() == StatusCode::kUnsupported);
}

TEST_CASE("rocksdb: a ledger in an older storage format is refused with a clear error") {
  TempDir dir("ledger-older");
  Fill(dir.str(), 2);
  {
    auto storage = OpenRocksDbStorage(dir.str(), false, false);
    REQUIRE(storage.ok());
    REQUIRE((*storage)->Write({{std::string(layout::kMetaFormat), std::string("1")}}, true).ok());
  }
  auto ro = Ledger::OpenReadOnly(dir.str());
  REQUIRE_FALSE(ro.ok());
  CHECK(ro.status().code() == StatusCode::kUnsupported);
  CHECK_THAT(ro.status().message(), Catch::Contains("older"));
}

TEST_CASE("rocksdb: an entry with a newer version is named by verify") {
  TempDir dir("ledger-newer-entry");
  Fill(dir.str(), 3);
  {
    auto storage = OpenRocksDbStorage(dir.str(), false, false);
    REQUIRE(storage.ok());
    std::string raw;
    REQUIRE((*storage)->Get(layout::EntryKey(1), &raw).ok());
    raw.replace(raw.size() - 2, 1, "2");  // ..."v":1} → ..."v":2}
    REQUIRE((*storage)->Write({{layout::EntryKey(1), raw}}, true).ok());
  }
  auto ro = Ledger::OpenReadOnly(dir.str());
  REQUIRE(ro.ok());
  auto report = (*ro)->Verify(TrustedOptions());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(1));
  CHECK_THAT(report.problem, Catch::Contains("newer"));
}

TEST_CASE("rocksdb: wrong or missing key file for a writer") {
  TempDir dir("ledger-keys");
  Fill(dir.str(), 1);
  LedgerOptions wrong = TestOptions();
  wrong.signing_key = std::make_shared<const SigningKey>(TestKey("another.example/key"));
  auto refused = Ledger::Open(dir.str(), wrong);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kPermissionDenied);
  LedgerOptions none;
  CHECK(Ledger::Open(dir.str(), none).status().code() == StatusCode::kInvalidArgument);
  LedgerOptions missing_file;
  missing_file.key_file = (dir.path / "nope.key").string();
  auto no_file = Ledger::Open(dir.str(), missing_file);
  CHECK(no_file.status().code() == StatusCode::kNotFound);
}

// Subtree hashes are stored as runs, one per level and group commit, split at kRunSpan.
// Large async groups, single appends and a reopen must all give proofs against the
// reference tree, through both the storage reads and the in-memory upper levels.
TEST_CASE("rocksdb: proofs from subtree runs written by groups of every size") {
  TempDir dir("ledger-runs");
  std::vector<Record> records;
  for (int i = 0; i < 64; ++i) records.push_back(SampleDecision(i));
  std::atomic<int> failed{0};  // Catch assertions are not for the writer thread
  auto append_async = [&](Ledger& ledger, int n) {
    for (int i = 0; i < n; ++i) {
      Record r = records[i % records.size()];
      r.decision_id.clear();  // the index row is not what this test is about
      ledger.AppendAsync(std::move(r), [&failed](Result<Receipt> rc) { failed += !rc.ok(); });
    }
  };
  {
    auto ledger = Ledger::Open(dir.str(), TestOptions(1000));
    REQUIRE(ledger.ok());
    append_async(**ledger, 1700);
    for (int i = 0; i < 37; ++i) REQUIRE((*ledger)->Append(records[i]).ok());
    append_async(**ledger, 900);
    REQUIRE((*ledger)->Close().ok());
  }
  {
    auto ledger = Ledger::Open(dir.str(), TestOptions(1000));  // reopen: cache from runs
    REQUIRE(ledger.ok());
    append_async(**ledger, 600);
    REQUIRE((*ledger)->Close().ok());
  }
  CHECK(failed == 0);
  auto ro = Ledger::OpenReadOnly(dir.str());
  REQUIRE(ro.ok());
  const uint64_t size = (*ro)->Size();
  REQUIRE(size == 1700 + 37 + 900 + 600);
  std::vector<Hash> leaves;
  for (uint64_t seq = 0; seq < size; ++seq) leaves.push_back((*ro)->Get(seq)->entry_hash);
  for (uint64_t tree : {size, uint64_t{2600}, uint64_t{1024}, uint64_t{513}, uint64_t{2}}) {
    Hash root = RootFromLeafHashes(std::span(leaves).subspan(0, tree));
    CHECK((*ro)->RootAt(tree).value() == root);
    for (uint64_t seq = 0; seq < tree; seq += (tree > 600 ? 7 : 1)) {
      auto path = (*ro)->InclusionPath(seq, tree);
      REQUIRE(path.ok());
      INFO("seq " << seq << " tree " << tree);
      CHECK(VerifyInclusion(seq, tree, leaves[seq], *path, root).ok());
    }
    for (uint64_t old_size : {uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{1000}}) {
      if (old_size > tree) continue;
      auto path = (*ro)->ConsistencyPath(old_size, tree);
      REQUIRE(path.ok());
      CHECK(VerifyConsistency(old_size, tree, *path,
                              RootFromLeafHashes(std::span(leaves).subspan(0, old_size)), root)
                .ok());
    }
  }
  CHECK((*ro)->Verify(TrustedOptions()).ok);
}
