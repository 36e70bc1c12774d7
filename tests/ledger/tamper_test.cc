// Tampering with a stored ledger is caught by Verify and pinned to the right seq.
#include "common/encoding.h"
#include "ledger/layout.h"
#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

namespace {

// 20 decisions with checkpoints at 5, 10, 15, 20.
std::shared_ptr<LedgerStorage> BuildLedger() {
  auto storage = NewMemoryStorage();
  auto ledger = Ledger::OpenWithStorage(storage, TestOptions(5));
  REQUIRE(ledger.ok());
  for (int i = 0; i < 20; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
  REQUIRE((*ledger)->Close().ok());
  return storage;
}

VerifyReport VerifyStorage(std::shared_ptr<LedgerStorage> storage) {
  LedgerOptions options;
  options.read_only = true;  // as `audit verify` opens it: no signing key
  auto ledger = Ledger::OpenWithStorage(storage, options);
  REQUIRE(ledger.ok());
  return (*ledger)->Verify(TrustedOptions());
}

std::string Read(LedgerStorage& s, const std::string& key) {
  std::string v;
  REQUIRE(s.Get(key, &v).ok());
  return v;
}

void Put(LedgerStorage& s, const std::string& key, const std::string& value) {
  REQUIRE(s.Write({{key, value}}, true).ok());
}

void Delete(LedgerStorage& s, const std::string& key) {
  REQUIRE(s.Write({{key, std::nullopt}}, true).ok());
}

}  // namespace

TEST_CASE("an untouched ledger verifies") {
  auto report = VerifyStorage(BuildLedger());
  INFO(report.Summary());
  CHECK(report.ok);
  CHECK(report.entries == 20);
  CHECK(report.checkpoints == 4);
  CHECK(report.Summary() ==
        "ok: 20 entries, 4 checkpoints verified; latest signed size 20, no unsigned tail; "
        "keys: test.example/ledger");
}

TEST_CASE("tamper: one flipped byte in an entry") {
  for (size_t offset : {size_t{30}, size_t{60}, size_t{5}}) {
    auto storage = BuildLedger();
    std::string raw = Read(*storage, layout::EntryKey(7));
    raw[offset] ^= 0x01;
    Put(*storage, layout::EntryKey(7), raw);
    auto report = VerifyStorage(storage);
    INFO(report.Summary());
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(7));
    CHECK(report.bad_checkpoint_size == std::nullopt);
  }
}

TEST_CASE("tamper: one flipped byte in the last entry a checkpoint covers") {
  auto storage = BuildLedger();
  std::string raw = Read(*storage, layout::EntryKey(9));
  raw[30] ^= 0x01;
  Put(*storage, layout::EntryKey(9), raw);
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(9));
  CHECK_THAT(report.problem, Catch::Contains("entry 9 was altered"));
}

// Recomputes every stored subtree hash from the stored entries, as a tamperer who rewrote
// entries would, so that proofs agree with the rewritten entries.
void RewriteStoredHashes(LedgerStorage& s) {
  std::vector<Hash> leaves;
  for (auto c = s.Seek(layout::kEntryPrefix);
       c->Valid() && c->key().starts_with(layout::kEntryPrefix); c->Next()) {
    leaves.push_back(LeafHash(c->value()));
  }
  std::vector<std::pair<std::string, std::string>> runs;
  for (auto c = s.Seek(layout::kSubtreePrefix);
       c->Valid() && c->key().starts_with(layout::kSubtreePrefix); c->Next()) {
    int level = static_cast<uint8_t>(c->key()[2]);
    uint64_t first = layout::GetBE64(c->key().substr(3)) * layout::kRunSpan;
    std::string value;
    for (uint64_t i = first; i < first + c->value().size() / 32; ++i) {
      Hash h = RootFromLeafHashes(std::span(leaves).subspan(i << level, uint64_t{1} << level));
      value.append(h.begin(), h.end());
    }
    CHECK(value.size() == c->value().size());
    runs.emplace_back(std::string(c->key()), value);
  }
  CHECK(runs.size() > 0);
  for (const auto& [key, value] : runs) Put(s, key, value);
}

TEST_CASE("tamper: an entry rewritten together with every stored hash above it") {
  auto storage = BuildLedger();
  std::string raw = Read(*storage, layout::EntryKey(7));
  raw.replace(raw.find("\"allow\""), 7, "\"deny\"");
  Put(*storage, layout::EntryKey(7), raw);
  RewriteStoredHashes(*storage);
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(7));
  CHECK_THAT(report.problem, Catch::Contains("entry 7 was altered"));
}

TEST_CASE("tamper: a stored subtree hash changed (the entries intact)") {
  for (int level : {1, 2, 3}) {
    auto storage = BuildLedger();
    // The subtree of entries 4..7 at level 2 (index 1), 6..7 at level 1 (index 3), 0..7 at
    // level 3 (index 0): each is completed by entry 7.
    uint64_t index = 7 >> level;
    std::string key = layout::SubtreeKey(level, index);
    std::string span = Read(*storage, key);
    span[index * 32 + 5] ^= 0x20;
    Put(*storage, key, span);
    auto report = VerifyStorage(storage);
    INFO(report.Summary());
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(7));
    CHECK_THAT(report.problem, Catch::Contains("stored Merkle hash of entries"));
  }
}

TEST_CASE("tamper: a stored subtree hash deleted") {
  auto storage = BuildLedger();
  Delete(*storage, layout::SubtreeKey(2, 0));  // entries 0..3, 4..7, ...
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(3));
  CHECK_THAT(report.problem, Catch::Contains("missing"));
}

TEST_CASE("tamper: only the prev field of an entry changed") {
  auto storage = BuildLedger();
  std::string raw = Read(*storage, layout::EntryKey(7));
  size_t prev = raw.find("\"prev\":\"") + 8;
  raw[prev] = raw[prev] == 'a' ? 'b' : 'a';
  Put(*storage, layout::EntryKey(7), raw);
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(7));
  CHECK_THAT(report.problem, Catch::Contains("entry 7 was altered"));
}

TEST_CASE("tamper: a deleted entry") {
  auto storage = BuildLedger();
  Delete(*storage, layout::EntryKey(7));
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(7));
  CHECK_THAT(report.problem, Catch::Contains("missing"));
}

TEST_CASE("tamper: two entries swapped") {
  auto storage = BuildLedger();
  std::string a = Read(*storage, layout::EntryKey(7)), b = Read(*storage, layout::EntryKey(8));
  Put(*storage, layout::EntryKey(7), b);
  Put(*storage, layout::EntryKey(8), a);
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(7));
  CHECK_THAT(report.problem, Catch::Contains("says it is seq 8"));
}

TEST_CASE("tamper: a truncated tail") {
  auto storage = BuildLedger();
  for (uint64_t seq = 17; seq < 20; ++seq) Delete(*storage, layout::EntryKey(seq));
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(17));
  CHECK_THAT(report.problem, Catch::Contains("truncated"));
}

TEST_CASE("tamper: a truncated tail with the recorded size rewritten") {
  auto storage = BuildLedger();
  for (uint64_t seq = 17; seq < 20; ++seq) Delete(*storage, layout::EntryKey(seq));
  Put(*storage, std::string(layout::kMetaSize), layout::BE64(17));
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(17));
  CHECK(report.bad_checkpoint_size == std::optional<uint64_t>(20));
}

TEST_CASE("tamper: a forged checkpoint (root changed, signature kept)") {
  auto storage = BuildLedger();
  std::string note = Read(*storage, layout::CheckpointKey(10));
  size_t root_line = note.find('\n', note.find('\n') + 1) + 1;
  note[root_line + 3] = note[root_line + 3] == 'A' ? 'B' : 'A';
  Put(*storage, layout::CheckpointKey(10), note);
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(9));
  CHECK(report.bad_checkpoint_size == std::optional<uint64_t>(10));
  CHECK_THAT(report.problem, Catch::Contains("checkpoint at tree size 10"));
}

TEST_CASE("tamper: a forged checkpoint signed under the same name with a forger's key") {
  auto storage = BuildLedger();
  CheckpointBody body{"test.example/ledger", 10, {}};  // a root of the forger's choosing
  auto note = SignNote(FormatCheckpointBody(body), TestKey("test.example/ledger-forger"));
  REQUIRE(note.ok());
  // Rename the signer to the ledger's key name: the key id still gives it away.
  std::string forged = *note;
  forged.replace(forged.find("test.example/ledger-forger"), 26, "test.example/ledger");
  Put(*storage, layout::CheckpointKey(10), forged);
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_checkpoint_size == std::optional<uint64_t>(10));
  CHECK(report.bad_seq == std::optional<uint64_t>(9));
}

TEST_CASE("tamper: a correct checkpoint signed by another key") {
  auto storage = BuildLedger();
  auto ledger = Ledger::OpenWithStorage(storage, TestOptions(5));
  REQUIRE(ledger.ok());
  CheckpointBody body{"test.example/ledger", 15, (*ledger)->RootAt(15).value()};
  (*ledger)->Close().ok();
  auto note = SignNote(FormatCheckpointBody(body), TestKey("other.example/key"));
  REQUIRE(note.ok());
  Put(*storage, layout::CheckpointKey(15), *note);
  auto report = VerifyStorage(storage);
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_checkpoint_size == std::optional<uint64_t>(15));
  CHECK(report.bad_seq == std::optional<uint64_t>(14));
  CHECK_THAT(report.problem, Catch::Contains("not signed by a trusted key"));
}

TEST_CASE("verify with the wrong public key names the signer it expected") {
  auto storage = BuildLedger();
  auto ledger = Ledger::OpenWithStorage(storage, TestOptions(5));
  REQUIRE(ledger.ok());
  (*ledger)->Close().ok();
  VerifyOptions wrong;
  wrong.trusted_keys = Trusted(TestKey("wrong.example/key"));
  auto report = (*ledger)->Verify(wrong);
  CHECK_FALSE(report.ok);
  CHECK(report.bad_checkpoint_size == std::optional<uint64_t>(5));
  CHECK_THAT(report.problem, Catch::Contains("wrong.example/key"));
}
