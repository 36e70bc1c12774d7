// Ledger behaviour on the in-memory store: appends, receipts, chain, checkpoints, proofs,
// group commit from many threads, reopen, key rotation.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "common/encoding.h"
#include "ledger/entry.h"
#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

TEST_CASE("decision ids are UUIDv7 text and strictly increase, also across threads") {
  auto valid = [](const std::string& id) {
    if (id.size() != 36) return false;
    for (size_t i = 0; i < id.size(); ++i) {
      bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? id[i] != '-' : !std::isxdigit(static_cast<unsigned char>(id[i])) || std::isupper(id[i])) {
        return false;
      }
    }
    return id[14] == '7' && std::string_view("89ab").find(id[19]) != std::string_view::npos;
  };
  std::string last;
  for (int i = 0; i < 10000; ++i) {  // far more than 4096 a millisecond: the counter borrows
    std::string id = NewDecisionId();
    INFO(id);
    REQUIRE(valid(id));
    REQUIRE(id > last);
    last = id;
  }
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& ids : per_thread) {
    threads.emplace_back([&ids] {
      for (int i = 0; i < 2000; ++i) ids.push_back(NewDecisionId());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& ids : per_thread) {
    CHECK(std::is_sorted(ids.begin(), ids.end()));
    all.insert(ids.begin(), ids.end());
  }
  CHECK(all.size() == 8000);
  // The timestamp is the current unix time in milliseconds (within a minute).
  std::string id = NewDecisionId();
  uint64_t ms = std::stoull(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(ms <= static_cast<uint64_t>(now) + 60000);
  CHECK(ms + 60000 >= static_cast<uint64_t>(now));
}

TEST_CASE("appends get consecutive seqs, receipts and a hash chain") {
  auto storage = NewMemoryStorage();
  auto ledger = Ledger::OpenWithStorage(storage, TestOptions());
  REQUIRE(ledger.ok());
  Hash prev{};
  for (int i = 0; i < 10; ++i) {
    auto receipt = (*ledger)->Append(SampleDecision(i));
    REQUIRE(receipt.ok());
    CHECK(receipt->seq == static_cast<uint64_t>(i));
    CHECK(receipt->decision_id.size() == 36);
    auto entry = (*ledger)->Get(receipt->seq);
    REQUIRE(entry.ok());
    CHECK(HexEncode(entry->entry_hash) == receipt->entry_hash);
    CHECK(HexEncode(LeafHash(entry->raw)) == receipt->entry_hash);
    auto view = ParseEntry(entry->raw);
    REQUIRE(view.ok());
    CHECK(view->prev == prev);
    CHECK(view->kind == "decision");
    prev = entry->entry_hash;
    CHECK((*ledger)->HasDecision(receipt->decision_id).value());
    auto json = entry->ToJson();
    CHECK(json["seq"] == i);
    CHECK(json["payload"]["decision_id"] == receipt->decision_id);
  }
  CHECK((*ledger)->Size() == 10);
  CHECK_FALSE((*ledger)->HasDecision("no-such-id").value());
  CHECK((*ledger)->Get(10).status().code() == StatusCode::kNotFound);
  auto report = (*ledger)->Verify(TrustedOptions());
  CHECK(report.ok);
  CHECK(report.entries == 10);
  CHECK(report.checkpoints == 2);  // every 4 entries: sizes 4 and 8
}

TEST_CASE("entry encoding is the documented canonical JSON") {
  Hash prev{};
  prev[31] = 1;
  std::string raw;
  EncodeEntry("decision", R"({"a":1})", prev, 42, "2026-11-26T23:38:43.123456Z", &raw);
  CHECK(raw ==
        R"({"kind":"decision","payload":{"a":1},"prev":"0000000000000000000000000000000000000000000000000000000000000001","seq":42,"time":"2026-11-26T23:38:43.123456Z","v":1})");
  // It is canonical JSON: parsing and re-dumping with sorted keys gives the same bytes.
  CHECK(nlohmann::json::parse(raw).dump() == raw);
  auto view = ParseEntry(raw);
  REQUIRE(view.ok());
  CHECK(view->seq == 42);
  CHECK(view->payload == R"({"a":1})");
  CHECK(view->time == "2026-11-26T23:38:43.123456Z");
  CHECK(view->version == 1);
  CHECK_FALSE(ParseEntry(raw.substr(0, raw.size() - 1)).ok());
  std::string upper = raw;
  upper[upper.find("0001") + 3] = 'A';
  CHECK_FALSE(ParseEntry(upper).ok());
  std::string bad_seq = raw;
  bad_seq.replace(bad_seq.find("\"seq\":42"), 8, "\"seq\":042");
  CHECK_FALSE(ParseEntry(bad_seq).ok());
}

TEST_CASE("canonical payloads: sorted keys, no whitespace, decision record shape") {
  auto r = MakeRecord("evidence", nlohmann::json::parse(R"({ "z": 1, "a": [ true, null ], "m": "x\ny" })"));
  REQUIRE(r.ok());
  CHECK(r->payload == R"({"a":[true,null],"m":"x\ny","z":1})");
  CHECK_FALSE(MakeRecord("Decision", nlohmann::json::object()).ok());
  CHECK_FALSE(MakeRecord("decision", nlohmann::json::array()).ok());
  DecisionRecord d;
  d.decision_id = "d1";
  d.decision = "allow";
  d.request = {{"subject", {{"id", "alice"}}}};
  d.bundle_digest = "sha256:ab";
  auto rec = d.ToRecord();
  REQUIRE(rec.ok());
  CHECK(rec->payload ==
        R"({"bundle":"sha256:ab","decision":"allow","decision_id":"d1","errors":[],"obligations":[],"reasons":[],"request":{"subject":{"id":"alice"}}})");
  CHECK(rec->decision_id == "d1");
  d.request_digest_only = true;
  rec = d.ToRecord();
  REQUIRE(rec.ok());
  CHECK(rec->payload.find("\"request_digest\":\"sha256:") != std::string::npos);
  CHECK(rec->payload.find("alice") == std::string::npos);
  d.decision = "maybe";
  CHECK_FALSE(d.ToRecord().ok());
  EvidenceRecord e;
  e.decision_ids = {"d1"};
  e.type = "approval";
  e.author = "expert@example.com";
  CHECK(e.ToRecord().ok());
  e.decision_ids.clear();
  CHECK_FALSE(e.ToRecord().ok());
  PolicyRecord p;
  p.bundle_digest = "sha256:ab";
  p.sources = {{"a.arbiter", "sha256:cd"}};
  p.activated_by = "test";
  auto pr = p.ToRecord();
  REQUIRE(pr.ok());
  CHECK(pr->payload == R"({"activated_by":"test","bundle":"sha256:ab","sources":[{"digest":"sha256:cd","path":"a.arbiter"}]})");
}

TEST_CASE("a decision id can be recorded once") {
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions());
  REQUIRE(ledger.ok());
  REQUIRE((*ledger)->Append(SampleDecision(1, "dup")).ok());
  auto again = (*ledger)->Append(SampleDecision(2, "dup"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(again.status().message(), Catch::Contains("at seq 0"));
  CHECK((*ledger)->Size() == 1);
  CHECK((*ledger)->FindDecision("dup").value() == std::optional<uint64_t>(0));
}

TEST_CASE("many threads, blocking and async appends, one consistent ledger") {
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions(100));
  REQUIRE(ledger.ok());
  constexpr int kThreads = 8, kPerThread = 250;
  std::atomic<int> async_done{0}, failures{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (t % 2 == 0) {
          auto r = (*ledger)->Append(SampleDecision(i));
          if (r.ok()) seqs[t].push_back(r->seq); else ++failures;
        } else {
          (*ledger)->AppendAsync(SampleDecision(i), [&](Result<Receipt> r) {
            if (!r.ok()) ++failures;
            ++async_done;
          });
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  while (async_done < kThreads / 2 * kPerThread) std::this_thread::yield();
  CHECK(failures == 0);
  CHECK((*ledger)->Size() == kThreads * kPerThread);
  std::set<uint64_t> unique;
  for (const auto& s : seqs) unique.insert(s.begin(), s.end());
  CHECK(unique.size() == kThreads / 2 * kPerThread);
  // Every append went through some group commit, each group carrying at least one.
  LedgerHealth health = (*ledger)->Health();
  CHECK(health.committed_appends == kThreads * kPerThread);
  CHECK(health.commit_groups >= 1);
  CHECK(health.commit_groups <= health.committed_appends);
  REQUIRE((*ledger)->Close().ok());
  auto report = (*ledger)->Verify(TrustedOptions());
  INFO(report.Summary());
  CHECK(report.ok);
  CHECK(report.entries == kThreads * kPerThread);
}

TEST_CASE("checkpoints: every N entries, on demand, on close; all signed") {
  auto storage = NewMemoryStorage();
  auto ledger = Ledger::OpenWithStorage(storage, TestOptions(3));
  REQUIRE(ledger.ok());
  CHECK((*ledger)->LatestCheckpoint().status().code() == StatusCode::kNotFound);
  for (int i = 0; i < 7; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
  CHECK((*ledger)->CheckpointSizes().value() == std::vector<uint64_t>{3, 6});
  auto note = (*ledger)->LatestCheckpoint();
  REQUIRE(note.ok());
  auto text = OpenNote(*note, Trusted());
  REQUIRE(text.ok());
  auto body = ParseCheckpointBody(*text);
  REQUIRE(body.ok());
  CHECK(body->origin == "test.example/ledger");
  CHECK(body->size == 6);
  CHECK(body->root == (*ledger)->RootAt(6).value());
  auto now = (*ledger)->MakeCheckpoint();
  REQUIRE(now.ok());
  CHECK((*ledger)->CheckpointSizes().value() == std::vector<uint64_t>{3, 6, 7});
  REQUIRE((*ledger)->Append(SampleDecision(8)).ok());
  REQUIRE((*ledger)->Close().ok());
  CHECK((*ledger)->CheckpointSizes().value() == std::vector<uint64_t>{3, 6, 7, 8});
  CHECK((*ledger)->Append(SampleDecision(9)).status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("checkpoints every T milliseconds") {
  LedgerOptions o = TestOptions(0);
  o.checkpoint_every_ms = 20;
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), o);
  REQUIRE(ledger.ok());
  REQUIRE((*ledger)->Append(SampleDecision(0)).ok());
  // Waits for an event, not a duration: the writer checkpoints on its own timer.
  for (int i = 0; i < 500 && !(*ledger)->LatestCheckpoint().ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK((*ledger)->CheckpointSizes().value() == std::vector<uint64_t>{1});
}

TEST_CASE("inclusion proofs in tlog-proof text verify for every entry") {
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions(1000));
  REQUIRE(ledger.ok());
  for (int i = 0; i < 21; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
  REQUIRE((*ledger)->MakeCheckpoint().ok());
  for (uint64_t seq = 0; seq < 21; ++seq) {
    auto proof = (*ledger)->InclusionProof(seq);
    REQUIRE(proof.ok());
    CHECK(proof->starts_with("c2sp.org/tlog-proof@v1\nindex " + std::to_string(seq) + "\n"));
    auto entry = (*ledger)->Get(seq);
    REQUIRE(entry.ok());
    auto body = VerifyTlogProof(*proof, entry->raw, Trusted());
    INFO(seq);
    REQUIRE(body.ok());
    CHECK(body->size == 21);
    // The proof does not fit another entry.
    auto other = (*ledger)->Get((seq + 1) % 21);
    CHECK_FALSE(VerifyTlogProof(*proof, other->raw, Trusted()).ok());
  }
  CHECK((*ledger)->InclusionProof(21).status().code() == StatusCode::kInvalidArgument);
  CHECK((*ledger)->InclusionProof(3, 17).status().code() == StatusCode::kNotFound);
  auto parsed = ParseTlogProof((*ledger)->InclusionProof(5).value());
  REQUIRE(parsed.ok());
  CHECK(parsed->index == 5);
  CHECK(parsed->path.size() == 5);
}

TEST_CASE("consistency proofs between tree sizes") {
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions(5));
  REQUIRE(ledger.ok());
  for (int i = 0; i < 23; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
  for (uint64_t old_size = 1; old_size <= 20; ++old_size) {
    auto path = (*ledger)->ConsistencyPath(old_size, 20);
    REQUIRE(path.ok());
    CHECK(VerifyConsistency(old_size, 20, *path, (*ledger)->RootAt(old_size).value(),
                            (*ledger)->RootAt(20).value())
              .ok());
  }
  auto text = (*ledger)->ConsistencyProof(7);
  REQUIRE(text.ok());
  CHECK(text->starts_with("arbiter.dev/tlog-consistency@v1\nold 7 "));
  CHECK((*ledger)->ConsistencyProof(0).status().code() == StatusCode::kInvalidArgument);
  CHECK((*ledger)->ConsistencyProof(21).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("reopening continues the chain; a different key is refused") {
  auto storage = NewMemoryStorage();
  {
    auto ledger = Ledger::OpenWithStorage(storage, TestOptions());
    REQUIRE(ledger.ok());
    for (int i = 0; i < 5; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
  }
  {
    LedgerOptions other = TestOptions();
    other.signing_key = std::make_shared<const SigningKey>(TestKey("someone.else/key"));
    auto refused = Ledger::OpenWithStorage(storage, other);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kPermissionDenied);
    CHECK_THAT(refused.status().message(), Catch::Contains("does not match"));
    LedgerOptions none;
    CHECK(Ledger::OpenWithStorage(storage, none).status().code() == StatusCode::kInvalidArgument);
  }
  auto ledger = Ledger::OpenWithStorage(storage, TestOptions());
  REQUIRE(ledger.ok());
  CHECK((*ledger)->Size() == 5);
  auto r = (*ledger)->Append(SampleDecision(5));
  REQUIRE(r.ok());
  CHECK(r->seq == 5);
  REQUIRE((*ledger)->Close().ok());
  auto report = (*ledger)->Verify(TrustedOptions());
  INFO(report.Summary());
  CHECK(report.ok);
  CHECK(report.entries == 6);
}

TEST_CASE("key rotation: an entry signed by the old key; later checkpoints by the new") {
  auto storage = NewMemoryStorage();
  SigningKey new_key = TestKey("test.example/ledger-2");
  {
    auto ledger = Ledger::OpenWithStorage(storage, TestOptions(3));
    REQUIRE(ledger.ok());
    for (int i = 0; i < 4; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
    auto rot = (*ledger)->RotateKey(new_key.Clone());
    REQUIRE(rot.ok());
    CHECK(rot->seq == 4);
    CHECK((*ledger)->Get(4)->kind == "key");
    for (int i = 0; i < 4; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
    REQUIRE((*ledger)->Close().ok());
    auto text = OpenNote((*ledger)->LatestCheckpoint().value(), Trusted(new_key));
    CHECK(text.ok());
    auto report = (*ledger)->Verify(TrustedOptions());  // starts from the first key
    INFO(report.Summary());
    CHECK(report.ok);
    CHECK(report.checkpoints >= 3);
    // The new key alone cannot vouch for checkpoints made before the rotation.
    VerifyOptions only_new;
    only_new.trusted_keys = Trusted(new_key);
    auto partial = (*ledger)->Verify(only_new);
    CHECK_FALSE(partial.ok);
  }
  // Reopening needs the new key now.
  CHECK(Ledger::OpenWithStorage(storage, TestOptions()).status().code() ==
        StatusCode::kPermissionDenied);
  LedgerOptions o = TestOptions();
  o.signing_key = std::make_shared<const SigningKey>(std::move(new_key));
  CHECK(Ledger::OpenWithStorage(storage, o).ok());
}

TEST_CASE("proofs in larger trees use the in-memory upper levels, before and after reopen") {
  auto storage = NewMemoryStorage();
  std::vector<std::string> raws;
  {
    auto ledger = Ledger::OpenWithStorage(storage, TestOptions(1000));
    REQUIRE(ledger.ok());
    for (int i = 0; i < 1300; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
    REQUIRE((*ledger)->Close().ok());
    for (uint64_t seq : {0, 255, 256, 511, 777, 1024, 1299}) {
      auto proof = (*ledger)->InclusionProof(seq);
      REQUIRE(proof.ok());
      CHECK(VerifyTlogProof(*proof, (*ledger)->Get(seq)->raw, Trusted()).ok());
    }
    for (uint64_t old_size : {1, 256, 257, 1000}) {
      auto path = (*ledger)->ConsistencyPath(old_size, 1300);
      REQUIRE(path.ok());
      CHECK(VerifyConsistency(old_size, 1300, *path, (*ledger)->RootAt(old_size).value(),
                              (*ledger)->RootAt(1300).value())
                .ok());
    }
  }
  LedgerOptions ro;
  ro.read_only = true;
  auto reopened = Ledger::OpenWithStorage(storage, ro);
  REQUIRE(reopened.ok());
  for (uint64_t seq : {3, 300, 999}) {
    auto proof = (*reopened)->InclusionProof(seq, 1000);
    REQUIRE(proof.ok());
    CHECK(VerifyTlogProof(*proof, (*reopened)->Get(seq)->raw, Trusted()).ok());
  }
}

TEST_CASE("durability modes: batch and none commit and verify; names parse") {
  CHECK(ParseDurability("sync").value() == Durability::kSync);
  CHECK(ParseDurability("batch").value() == Durability::kBatch);
  CHECK(ParseDurability("none").value() == Durability::kNone);
  CHECK(ParseDurability("fast").status().code() == StatusCode::kInvalidArgument);
  for (Durability mode : {Durability::kBatch, Durability::kNone}) {
    INFO(DurabilityName(mode));
    LedgerOptions o = TestOptions(10);
    o.durability = mode;
    o.batch_sync_interval_ms = 1;
    auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), o);
    REQUIRE(ledger.ok());
    for (int i = 0; i < 25; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
    REQUIRE((*ledger)->Close().ok());
    auto report = (*ledger)->Verify(TrustedOptions());
    CHECK(report.ok);
    CHECK(report.entries == 25);
  }
}

TEST_CASE("bad records are refused one by one without disturbing the rest") {
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions());
  REQUIRE(ledger.ok());
  Record bad_kind{"Not A Kind", "{}", "", false, ""};
  CHECK((*ledger)->Append(bad_kind).status().code() == StatusCode::kInvalidArgument);
  Record bad_payload{"evidence", "[1,2]", "", false, ""};
  CHECK((*ledger)->Append(bad_payload).status().code() == StatusCode::kInvalidArgument);
  auto ok = (*ledger)->Append(SampleDecision(1));
  REQUIRE(ok.ok());
  CHECK(ok->seq == 0);
  LedgerOptions ro;
  ro.read_only = true;
  auto reader = Ledger::OpenWithStorage(NewMemoryStorage(), ro);
  CHECK(reader.status().code() == StatusCode::kNotFound);  // nothing there to read
}

TEST_CASE("policy records name their data; start records point at the activation in force") {
  PolicyRecord p;
  p.bundle_digest = "sha256:ab";
  p.activated_by = "daemon start";
  p.data_digest = "sha256:ef";
  auto pr = p.ToRecord();
  REQUIRE(pr.ok());
  CHECK(pr->payload ==
        R"({"activated_by":"daemon start","bundle":"sha256:ab","data":"sha256:ef","sources":[]})");
  StartRecord s;
  s.activation_seq = 3;
  s.bundle_digest = "sha256:ab";
  s.data_digest = "sha256:ef";
  s.version = "0.1.0";
  auto sr = s.ToRecord();
  REQUIRE(sr.ok());
  CHECK(sr->kind == "start");
  CHECK(sr->payload == R"({"activation":3,"bundle":"sha256:ab","data":"sha256:ef","version":"0.1.0"})");
  s.data_digest.clear();
  CHECK(s.ToRecord()->payload == R"({"activation":3,"bundle":"sha256:ab","version":"0.1.0"})");
  s.bundle_digest.clear();
  CHECK_FALSE(s.ToRecord().ok());
}

TEST_CASE("verify checks that a start entry points at an earlier activation of its digests") {
  auto make = [](const std::function<void(Ledger&)>& fill) {
    auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions(100));
    REQUIRE(ledger.ok());
    fill(**ledger);
    REQUIRE((*ledger)->Close().ok());
    return (*ledger)->Verify(TrustedOptions());
  };
  PolicyRecord p;
  p.bundle_digest = "sha256:ab";
  p.activated_by = "daemon start";
  p.data_digest = "sha256:ef";
  auto start = [](uint64_t seq, std::string bundle, std::string data) {
    StartRecord s;
    s.activation_seq = seq;
    s.bundle_digest = std::move(bundle);
    s.data_digest = std::move(data);
    s.version = "0.1.0";
    return s.ToRecord().value();
  };
  auto good = make([&](Ledger& l) {
    REQUIRE(l.Append(p.ToRecord().value()).ok());
    REQUIRE(l.Append(SampleDecision(1)).ok());
    REQUIRE(l.Append(start(0, "sha256:ab", "sha256:ef")).ok());
  });
  INFO(good.Summary());
  CHECK(good.ok);
  auto not_policy = make([&](Ledger& l) {
    REQUIRE(l.Append(p.ToRecord().value()).ok());
    REQUIRE(l.Append(SampleDecision(1)).ok());
    REQUIRE(l.Append(start(1, "sha256:ab", "sha256:ef")).ok());
  });
  CHECK_FALSE(not_policy.ok);
  CHECK(not_policy.bad_seq == std::optional<uint64_t>(2));
  CHECK_THAT(not_policy.problem, Catch::Contains("not a policy activation"));
  auto other_data = make([&](Ledger& l) {
    REQUIRE(l.Append(p.ToRecord().value()).ok());
    REQUIRE(l.Append(start(0, "sha256:ab", "sha256:00")).ok());
  });
  CHECK_FALSE(other_data.ok);
  CHECK(other_data.bad_seq == std::optional<uint64_t>(1));
  auto forward = make([&](Ledger& l) {
    REQUIRE(l.Append(start(5, "sha256:ab", "")).ok());
  });
  CHECK_FALSE(forward.ok);
  CHECK(forward.bad_seq == std::optional<uint64_t>(0));
}
