// Record modes and erasure (spec/ledger-format.md, "Record modes and erasure"): each promise
// the spec makes, shown on the in-memory ledger and private store, then on RocksDB and
// through `arbiter audit erase` / `audit show`.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "common/sha256.h"
#include "recorder/privacy.h"
#include "recorder/recorder.h"
#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;
using arbiter::recorder::RequestMode;
using arbiter::recorder::RequestPrivacy;

namespace {

constexpr const char* kPolicy = R"(permit read_ok { when action == Action::"read" reason "reading is fine" })";

Engine Compile() {
  CompileResult r = Engine::CompileSources({{"test.arbiter", kPolicy}});
  INFO(r.FormattedDiagnostics());
  REQUIRE(r.ok());
  return std::move(*r.engine);
}

std::string RequestText(const std::string& user, const std::string& email,
                    const std::string& prompt = "summarise my file") {
  return R"({"subject":{"type":"User","id":")" + user +
         R"(","properties":{"email":")" + email + R"(","team":"ml"}},"action":{"name":"read"},)"
         R"("resource":{"type":"Doc","id":"d1"},"context":{"prompt":")" + prompt + R"("}})";
}

Decision Decide(const Engine& engine, const std::string& request) {
  auto d = engine.DecideJson(request, EntityStore());
  REQUIRE(d.ok());
  return std::move(d).value();
}

std::unique_ptr<RequestPrivacy> Privacy(RequestMode mode, std::shared_ptr<PrivacyStore> store,
                                        std::vector<std::string> masks = {}) {
  auto p = RequestPrivacy::Make(mode, std::move(masks), std::move(store));
  REQUIRE(p.ok());
  return std::move(p).value();
}

nlohmann::json Payload(const ledger::Record& r) { return nlohmann::json::parse(r.payload); }

ledger::Record Recorded(const Engine& engine, const std::string& request,
                        const RequestPrivacy* privacy, const std::string& id = "") {
  recorder::DecisionRecordOptions options;
  options.decision_id = id;
  options.privacy = privacy;
  auto r = recorder::MakeDecisionRecord(Decide(engine, request), request, options);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every byte of every file under `dir`.
std::string AllBytes(const std::filesystem::path& dir) {
  std::string all;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) all += Slurp(f.path());
  }
  return all;
}

}  // namespace

TEST_CASE("privacy: full mode with no mask records exactly what the plain recorder does") {
  Engine engine = Compile();
  auto store = std::shared_ptr<PrivacyStore>(PrivacyStore::InMemory());
  auto full = Privacy(RequestMode::kFull, store);
  std::string request = RequestText("alice", "alice@example.com");
  CHECK(Recorded(engine, request, full.get(), "d-1").payload ==
        Recorded(engine, request, nullptr, "d-1").payload);
}

TEST_CASE("privacy: digest mode stores a salted commitment that request and salt prove") {
  Engine engine = Compile();
  auto store = std::shared_ptr<PrivacyStore>(PrivacyStore::InMemory());
  auto digest = Privacy(RequestMode::kDigest, store);
  std::string request = RequestText("alice", "alice@example.com");
  ledger::Record a = Recorded(engine, request, digest.get(), "d-1");
  ledger::Record b = Recorded(engine, request, digest.get(), "d-2");
  CHECK(a.payload.find("alice") == std::string::npos);
  CHECK(a.payload.find("\"request\"") == std::string::npos);
  std::string commitment = Payload(a)["request_commitment"];
  CHECK(commitment.starts_with("sha256:"));
  // The same request in two entries: unrelated commitments (per-entry salts), so neither
  // equality nor a guess of a small request shows without the salt.
  CHECK(Payload(b)["request_commitment"] != commitment);
  CHECK(commitment != "sha256:" + HexEncode(Sha256Of(Payload(Recorded(engine, request, nullptr))["request"].dump())));

  // The holder of the request and the entry's salt proves the commitment; no one else can.
  Secret salt = recorder::CommitmentSalt(*store, "d-1");
  auto proved = recorder::RequestCommitment(salt.view(), request);
  REQUIRE(proved.ok());
  CHECK(*proved == commitment);
  auto other = recorder::RequestCommitment(salt.view(), RequestText("alice", "alice@example.org"));
  REQUIRE(other.ok());
  CHECK(*other != commitment);
  Secret wrong = recorder::CommitmentSalt(*store, "d-2");
  CHECK(*recorder::RequestCommitment(wrong.view(), request) != commitment);

  // The salt is in the private store, not in the entry: the ledger holds no trace of it.
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions());
  REQUIRE(ledger.ok());
  auto receipt = (*ledger)->Append(a);
  REQUIRE(receipt.ok());
  auto stored = (*ledger)->Get(receipt->seq);
  REQUIRE(stored.ok());
  std::string salt_hex = HexEncode(AsBytes(salt.view()));
  CHECK(stored->raw.find(salt_hex) == std::string::npos);
  CHECK(stored->raw.find(std::string(salt.view())) == std::string::npos);
  auto revealed = recorder::RevealEntry(*stored, *store);
  REQUIRE(revealed.ok());
  CHECK((*revealed)["request_salt"] == salt_hex);
}

TEST_CASE("privacy: digest mode also works on the slow record path") {
  Engine engine = Compile();
  auto store = std::shared_ptr<PrivacyStore>(PrivacyStore::InMemory());
  auto digest = Privacy(RequestMode::kDigest, store);
  // A non-integer number sends the record through the nlohmann construction.
  std::string request = R"({"subject":{"type":"User","id":"alice"},"action":{"name":"read"},)"
                        R"("resource":{"type":"Doc","id":"d1"},"context":{"score":0.5}})";
  ledger::Record r = Recorded(engine, request, digest.get(), "slow-1");
  CHECK(r.decision_id == "slow-1");
  auto payload = Payload(r);
  CHECK_FALSE(payload.contains("request"));
  CHECK(r.payload == CanonicalJson(payload).value());
  Secret salt = recorder::CommitmentSalt(*store, "slow-1");
  CHECK(*recorder::RequestCommitment(salt.view(), request) == payload["request_commitment"]);
}

TEST_CASE("privacy: masking hides the named values as keyed digests and keeps the rest") {
  Engine engine = Compile();
  auto store = std::shared_ptr<PrivacyStore>(PrivacyStore::InMemory());
  auto masked = Privacy(RequestMode::kFull, store,
                        {"/subject/properties/email", "/context/prompt", "/not/there"});
  auto a = Payload(Recorded(engine, RequestText("alice", "alice@example.com", "p1"), masked.get()));
  auto b = Payload(Recorded(engine, RequestText("bob", "alice@example.com", "p2"), masked.get()));
  auto c = Payload(Recorded(engine, RequestText("carol", "carol@example.com", "p1"), masked.get()));
  // Unmasked fields stay readable.
  CHECK(a["request"]["subject"]["id"] == "alice");
  CHECK(a["request"]["subject"]["properties"]["team"] == "ml");
  CHECK(a["request"]["action"]["name"] == "read");
  // Masked ones are digests; equal values show equal digests, different ones differ.
  const auto& email_a = a["request"]["subject"]["properties"]["email"];
  REQUIRE(email_a.is_object());
  CHECK(email_a["masked"].get<std::string>().starts_with("hmac-sha256:"));
  CHECK(email_a == b["request"]["subject"]["properties"]["email"]);
  CHECK(email_a != c["request"]["subject"]["properties"]["email"]);
  CHECK(a["request"]["context"]["prompt"] == c["request"]["context"]["prompt"]);
  CHECK(a["request"]["context"]["prompt"] != b["request"]["context"]["prompt"]);
  CHECK(a.dump().find("alice@example.com") == std::string::npos);
  // The entry says which paths it masked (present ones only).
  CHECK(a["request_masked"] == nlohmann::json::array({"/context/prompt", "/subject/properties/email"}));
  // Not a salt-free hash: a guess of the value does not reproduce the digest.
  CHECK(email_a["masked"] != "hmac-sha256:" + HexEncode(Sha256Of("\"alice@example.com\"")));
  // Another ledger (private store) gives other digests.
  auto other_store = std::shared_ptr<PrivacyStore>(PrivacyStore::InMemory());
  auto other = Privacy(RequestMode::kFull, other_store, {"/subject/properties/email"});
  auto d = Payload(Recorded(engine, RequestText("alice", "alice@example.com", "p1"), other.get()));
  CHECK(d["request"]["subject"]["properties"]["email"] != email_a);

  // Masked records chain and verify like any other.
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions(2));
  REQUIRE(ledger.ok());
  for (int i = 0; i < 4; ++i) {
    REQUIRE((*ledger)->Append(Recorded(engine, RequestText("u" + std::to_string(i), "x@y"), masked.get())).ok());
  }
  CHECK((*ledger)->Verify(TrustedOptions()).ok);
}

TEST_CASE("privacy: mask pointers follow RFC 6901 and are applied once each, in sorted order") {
  Engine engine = Compile();
  auto store = std::shared_ptr<PrivacyStore>(PrivacyStore::InMemory());
  auto masked = Privacy(RequestMode::kFull, store,
                        {"/context/a~1b", "/context/list/1", "/context/list/1", "/context/~0t",
                         "/context/list/x"});
  std::string request = R"({"subject":{"type":"User","id":"alice"},"action":{"name":"read"},)"
                        R"("resource":{"type":"Doc","id":"d1"},)"
                        R"("context":{"a/b":"slash","~t":"tilde","list":["keep","hide"]}})";
  auto p = Payload(Recorded(engine, request, masked.get()));
  const auto& context = p["request"]["context"];
  CHECK(context["a/b"].contains("masked"));
  CHECK(context["~t"].contains("masked"));
  CHECK(context["list"][0] == "keep");
  CHECK(context["list"][1].contains("masked"));
  CHECK(p["request_masked"] == nlohmann::json::array({"/context/a~1b", "/context/list/1", "/context/~0t"}));
  // A masked value's digest is its canonical JSON's: the same for the same value anywhere.
  auto again = Privacy(RequestMode::kFull, store, {"/context/other"});
  std::string other = R"({"subject":{"type":"User","id":"alice"},"action":{"name":"read"},)"
                      R"("resource":{"type":"Doc","id":"d1"},"context":{"other":"hide"}})";
  CHECK(Payload(Recorded(engine, other, again.get()))["request"]["context"]["other"] ==
        context["list"][1]);
}

TEST_CASE("privacy: a mask file lists one pointer per line") {
  TempDir scratch("privacy-masks");
  std::filesystem::create_directories(scratch.path);
  auto file = scratch.path / "masks";
  std::ofstream(file) << "# personal data\n/subject/properties/email\n\n  /context/prompt \r\n";
  auto paths = recorder::ReadMaskFile(file.string());
  REQUIRE(paths.ok());
  CHECK(*paths == std::vector<std::string>{"/subject/properties/email", "/context/prompt"});
  CHECK(recorder::ReadMaskFile((scratch.path / "missing").string()).status().code() ==
        StatusCode::kNotFound);
}

TEST_CASE("privacy: bad mask paths and masks outside full mode are refused") {
  auto store = std::shared_ptr<PrivacyStore>(PrivacyStore::InMemory());
  CHECK_FALSE(RequestPrivacy::Make(RequestMode::kFull, {"subject/id"}, store).ok());
  CHECK_FALSE(RequestPrivacy::Make(RequestMode::kFull, {""}, store).ok());
  CHECK_FALSE(RequestPrivacy::Make(RequestMode::kFull, {"/a~2"}, store).ok());
  CHECK_FALSE(RequestPrivacy::Make(RequestMode::kDigest, {"/subject/id"}, store).ok());
  CHECK_FALSE(RequestPrivacy::Make(RequestMode::kEncrypted, {}, nullptr).ok());
  CHECK(recorder::ParseRequestMode("requests=encrypted").value() == RequestMode::kEncrypted);
  CHECK(recorder::ParseRequestMode("digest").value() == RequestMode::kDigest);
  CHECK_FALSE(recorder::ParseRequestMode("requests=hidden").ok());
}

TEST_CASE("privacy: encrypted requests read back with the key; erasure makes them unreadable "
          "and every hash, proof and checkpoint still verifies") {
  Engine engine = Compile();
  auto store = std::shared_ptr<PrivacyStore>(PrivacyStore::InMemory());
  auto sealed = Privacy(RequestMode::kEncrypted, store);
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions(3));
  REQUIRE(ledger.ok());
  Ledger& l = **ledger;
  std::vector<uint64_t> alice, bob;
  for (int i = 0; i < 3; ++i) {
    auto a = l.Append(Recorded(engine, RequestText("alice", "alice@example.com"), sealed.get()));
    auto b = l.Append(Recorded(engine, RequestText("bob", "bob@example.com"), sealed.get()));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    alice.push_back(a->seq);
    bob.push_back(b->seq);
  }
  REQUIRE(l.MakeCheckpoint().ok());
  auto before = l.LatestCheckpoint();
  REQUIRE(before.ok());
  auto proof = l.InclusionProof(alice[0]);
  REQUIRE(proof.ok());

  auto first = l.Get(alice[0]);
  REQUIRE(first.ok());
  CHECK(first->raw.find("alice") == std::string::npos);
  auto sealed_json = first->ToJson()["payload"]["request_encrypted"];
  CHECK(sealed_json["alg"] == "xsalsa20poly1305");
  CHECK(sealed_json["key_id"].get<std::string>().size() == 32);
  auto opened = recorder::RevealEntry(*first, *store);
  REQUIRE(opened.ok());
  CHECK((*opened)["request"] == nlohmann::json::parse(RequestText("alice", "alice@example.com")));
  // One key per subject: every alice entry names the same key id, bob's another.
  auto second = l.Get(alice[1]);
  auto bobs = l.Get(bob[0]);
  CHECK(second->ToJson()["payload"]["request_encrypted"]["key_id"] == sealed_json["key_id"]);
  CHECK(bobs->ToJson()["payload"]["request_encrypted"]["key_id"] != sealed_json["key_id"]);

  // The data key is in the private store only: no entry holds it, in bytes or hex.
  auto key_id = HexDecode(sealed_json["key_id"].get<std::string>());
  REQUIRE(key_id);
  KeyId id;
  std::copy(key_id->begin(), key_id->end(), id.begin());
  auto data_key = store->DataKeyById(id);
  REQUIRE(data_key.ok());
  for (uint64_t seq = 0; seq < l.Size(); ++seq) {
    auto e = l.Get(seq);
    CHECK(e->raw.find(std::string(data_key->view())) == std::string::npos);
    CHECK(e->raw.find(HexEncode(AsBytes(data_key->view()))) == std::string::npos);
    CHECK(e->raw.find(Base64Encode(AsBytes(data_key->view()))) == std::string::npos);
  }

  auto erased = recorder::EraseSubject(l, *store, "User", "alice", "data subject request");
  INFO(erased.status().ToString());
  REQUIRE(erased.ok());
  CHECK(erased->entries == 3);
  CHECK(erased->key_id == sealed_json["key_id"]);
  auto entry = l.Get(erased->receipt.seq);
  REQUIRE(entry.ok());
  CHECK(entry->kind == "erasure");
  auto payload = entry->ToJson()["payload"];
  CHECK(payload["entries"] == 3);
  CHECK(payload["key_id"] == erased->key_id);
  CHECK(payload["reason"] == "data subject request");
  CHECK(payload["subject"] == recorder::SubjectDigest(*store, "User", "alice"));
  // Keyed: not a hash anyone could compute from a guessed id.
  CHECK(payload["subject"] != "hmac-sha256:" + HexEncode(Sha256Of(R"({"id":"alice","type":"User"})")));
  CHECK(payload["subject"] != recorder::SubjectDigest(*PrivacyStore::InMemory(), "User", "alice"));
  CHECK(entry->raw.find("alice") == std::string::npos);

  for (uint64_t seq : alice) {
    auto e = l.Get(seq);
    auto r = recorder::RevealEntry(*e, *store);
    REQUIRE(r.ok());
    CHECK(*r == nlohmann::json{{"erased", true}});
  }
  for (uint64_t seq : bob) {
    auto e = l.Get(seq);
    auto r = recorder::RevealEntry(*e, *store);
    REQUIRE(r.ok());
    CHECK((*r)["request"]["subject"]["id"] == "bob");
  }
  // Nothing in the ledger changed: the old checkpoint, its proof and the whole chain verify.
  auto again = l.Get(alice[0]);
  CHECK(again->raw == first->raw);
  CHECK(VerifyTlogProof(*proof, again->raw, Trusted()).ok());
  auto report = l.Verify(TrustedOptions());
  INFO(report.Summary());
  CHECK(report.ok);
  VerifyOptions deep = TrustedOptions();
  deep.deep = true;
  CHECK(l.Verify(deep).ok);
  // A second erasure finds nothing to erase; a new request makes a new key.
  CHECK(recorder::EraseSubject(l, *store, "User", "alice").status().code() == StatusCode::kNotFound);
  auto fresh = l.Append(Recorded(engine, RequestText("alice", "alice@example.com"), sealed.get()));
  REQUIRE(fresh.ok());
  auto fresh_entry = l.Get(fresh->seq);
  CHECK(fresh_entry->ToJson()["payload"]["request_encrypted"]["key_id"] != sealed_json["key_id"]);
  CHECK((*recorder::RevealEntry(*fresh_entry, *store))["request"]["subject"]["id"] == "alice");
}

TEST_CASE("privacy: encrypted mode refuses a request without a subject") {
  Engine engine = Compile();
  auto store = std::shared_ptr<PrivacyStore>(PrivacyStore::InMemory());
  auto sealed = Privacy(RequestMode::kEncrypted, store);
  std::string request = R"({"subject":{"type":"User","id":7},"action":{"name":"read"},)"
                        R"("resource":{"type":"Doc","id":"d1"},"context":{}})";
  auto decided = engine.DecideJson(request, EntityStore());
  if (!decided.ok()) return;  // the engine refuses it first: nothing to record
  recorder::DecisionRecordOptions options;
  options.privacy = sealed.get();
  CHECK_FALSE(recorder::MakeDecisionRecord(*decided, request, options).ok());
}

TEST_CASE("privacy: the RocksDB private store is owner-only, keeps its secrets, and erasure "
          "removes the key bytes from its files") {
  TempDir scratch("privacy-store");
  std::filesystem::create_directories(scratch.path);
  std::string dir = (scratch.path / "ledger.private").string();
  std::string digest = "hmac-sha256:subject";
  std::string key_bytes, commitment_key;
  KeyId id{};
  {
    auto store = PrivacyStore::Open(dir, false);
    INFO(store.status().ToString());
    REQUIRE(store.ok());
    struct stat st;
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    auto key = (*store)->SubjectDataKey(digest);
    REQUIRE(key.ok());
    key_bytes = std::string(key->key.view());
    id = key->id;
    commitment_key = std::string((*store)->commitment_key().view());
    auto busy = PrivacyStore::Open(dir, false);  // one writer
    CHECK(busy.status().code() == StatusCode::kFailedPrecondition);
  }
  {
    auto store = PrivacyStore::Open(dir, true);
    REQUIRE(store.ok());
    CHECK(std::string((*store)->commitment_key().view()) == commitment_key);
    auto key = (*store)->DataKeyById(id);
    REQUIRE(key.ok());
    CHECK(std::string(key->view()) == key_bytes);
  }
  CHECK(AllBytes(dir).find(key_bytes) != std::string::npos);  // the check below can see it
  {
    auto store = PrivacyStore::Open(dir, false);
    REQUIRE(store.ok());
    REQUIRE((*store)->EraseSubjectKey(digest).ok());
    CHECK((*store)->DataKeyById(id).status().code() == StatusCode::kNotFound);
  }
  CHECK(AllBytes(dir).find(key_bytes) == std::string::npos);
  auto reopened = PrivacyStore::Open(dir, true);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->DataKeyById(id).status().code() == StatusCode::kNotFound);

  ::chmod(dir.c_str(), 0755);
  CHECK(PrivacyStore::Open(dir, false).status().code() == StatusCode::kPermissionDenied);
  CHECK(PrivacyStore::Open((scratch.path / "missing").string(), true).status().code() ==
        StatusCode::kNotFound);
}

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run Arbiter(const std::string& args, const TempDir& scratch) {
  auto out = scratch.path / "stdout", err = scratch.path / "stderr";
  std::string cmd = std::string(ARBITER_BINARY_DIR) + "/arbiter " + args + " >" + out.string() +
                    " 2>" + err.string() + " </dev/null";
  int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
}

}  // namespace

TEST_CASE("cli: audit erase makes a subject's requests unreadable and audit verify still passes") {
  TempDir scratch("privacy-cli");
  std::filesystem::create_directories(scratch.path);
  std::string dir = (scratch.path / "ledger").string();
  auto keys = WriteKeyFiles(TestKey(), (scratch.path / "keys").string());
  REQUIRE(keys.ok());
  Engine engine = Compile();
  {
    auto store = PrivacyStore::Open(PrivacyStore::DefaultDir(dir), false);
    REQUIRE(store.ok());
    auto sealed = Privacy(RequestMode::kEncrypted, std::shared_ptr<PrivacyStore>(std::move(*store)));
    auto ledger = Ledger::Open(dir, TestOptions(2));
    REQUIRE(ledger.ok());
    for (const char* user : {"alice", "bob", "alice"}) {
      REQUIRE((*ledger)->Append(Recorded(engine, RequestText(user, "x@example.com"), sealed.get())).ok());
    }
    REQUIRE((*ledger)->Close().ok());
  }
  auto shown = Arbiter("audit show --ledger " + dir + " --seq 0", scratch);
  INFO(shown.err);
  REQUIRE(shown.code == 0);
  CHECK(nlohmann::json::parse(shown.out)["private"]["request"]["subject"]["id"] == "alice");

  auto erased = Arbiter("audit erase --ledger " + dir + " --key " + keys->first +
                            " --subject alice --subject-type User --reason 'GDPR art. 17'",
                        scratch);
  INFO(erased.err);
  REQUIRE(erased.code == 0);
  CHECK(erased.out.find("2 entries unreadable") != std::string::npos);
  CHECK(erased.out.find("alice") == std::string::npos);

  for (int seq : {0, 2}) {
    auto r = Arbiter("audit show --ledger " + dir + " --seq " + std::to_string(seq), scratch);
    REQUIRE(r.code == 0);
    CHECK(nlohmann::json::parse(r.out)["private"] == nlohmann::json{{"erased", true}});
  }
  auto bob = Arbiter("audit show --ledger " + dir + " --seq 1", scratch);
  REQUIRE(bob.code == 0);
  CHECK(nlohmann::json::parse(bob.out)["private"]["request"]["subject"]["id"] == "bob");
  auto erasure = Arbiter("audit show --ledger " + dir + " --seq 3", scratch);
  REQUIRE(erasure.code == 0);
  auto erasure_json = nlohmann::json::parse(erasure.out);
  CHECK(erasure_json["kind"] == "erasure");
  CHECK(erasure_json["payload"]["entries"] == 2);
  CHECK(erasure_json["payload"]["reason"] == "GDPR art. 17");

  auto verified = Arbiter("audit verify --ledger " + dir + " --key " + keys->second, scratch);
  INFO(verified.out << verified.err);
  CHECK(verified.code == 0);
  // TYPE:ID names the same subject; an id alone names none.
  auto again = Arbiter("audit erase --ledger " + dir + " --key " + keys->first +
                           " --subject User:alice",
                       scratch);
  CHECK(again.code == 1);
  CHECK(again.err.find("no data key") != std::string::npos);
  auto untyped = Arbiter("audit erase --ledger " + dir + " --key " + keys->first +
                             " --subject bob",
                         scratch);
  CHECK(untyped.code == 1);
  CHECK(untyped.err.find("names no type") != std::string::npos);
}
