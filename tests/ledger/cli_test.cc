// The `arbiter keygen` and `arbiter audit ...` commands, run as a user would.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "ledger/layout.h"
#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Run Arbiter(const std::string& args, const TempDir& scratch) {
  auto out = scratch.path / "stdout", err = scratch.path / "stderr";
  std::string cmd = std::string(ARBITER_BINARY_DIR) + "/arbiter " + args + " >" + out.string() +
                    " 2>" + err.string() + " </dev/null";
  int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
}

// A ledger of 12 decisions with checkpoints at 5, 10 and 12, and its key files.
struct Fixture {
  TempDir scratch{"ledger-cli"};
  std::string dir, key, pub;
  Fixture() {
    std::filesystem::create_directories(scratch.path);
    dir = (scratch.path / "ledger").string();
    SigningKey k = TestKey();
    auto paths = WriteKeyFiles(k, (scratch.path / "keys").string());
    REQUIRE(paths.ok());
    key = paths->first;
    pub = paths->second;
    auto ledger = Ledger::Open(dir, TestOptions(5));
    REQUIRE(ledger.ok());
    for (int i = 0; i < 12; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
    REQUIRE((*ledger)->Close().ok());
  }
  Run operator()(const std::string& args) { return Arbiter(args, scratch); }
};

}  // namespace

TEST_CASE("cli: keygen writes a 0600 private key and a verifier public key") {
  TempDir scratch("ledger-keygen");
  std::filesystem::create_directories(scratch.path);
  auto keys = scratch.path / "keys";
  auto run = Arbiter("keygen --name example.com/arbiter --out " + keys.string(), scratch);
  INFO(run.err);
  REQUIRE(run.code == 0);
  struct stat st;
  REQUIRE(::stat((keys / "example.com_arbiter.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto pub = VerifierKey::LoadFile((keys / "example.com_arbiter.pub").string());
  REQUIRE(pub.ok());
  CHECK(pub->name() == "example.com/arbiter");
  auto priv = SigningKey::LoadFile((keys / "example.com_arbiter.key").string());
  REQUIRE(priv.ok());
  CHECK(priv->VerifierText() == pub->Text());
  CHECK(run.out.find(pub->Text()) != std::string::npos);
  CHECK(run.out.find(priv->PrivateText()) == std::string::npos);  // never printed
  auto again = Arbiter("keygen --name example.com/arbiter --out " + keys.string(), scratch);
  CHECK(again.code == 1);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
  CHECK(Arbiter("keygen --name 'bad name' --out " + keys.string(), scratch).code == 1);
}

TEST_CASE("cli: audit verify, checkpoint, proof, show") {
  Fixture f;
  auto ok = f("audit verify --ledger " + f.dir + " --key " + f.pub);
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK(ok.out ==
        "ok: 12 entries, 3 checkpoints verified; latest signed size 12, no unsigned tail; "
        "keys: test.example/ledger\n");

  auto cp = f("audit checkpoint --ledger " + f.dir);
  CHECK(cp.code == 0);
  CHECK(cp.out.starts_with("test.example/ledger\n12\n"));

  auto raw = f("audit show --ledger " + f.dir + " --seq 3 --raw");
  CHECK(raw.code == 0);
  CHECK(raw.out.starts_with("{\"kind\":\"decision\""));
  CHECK(raw.out.back() == '}');
  auto json = f("audit show --ledger " + f.dir + " --seq 3");
  CHECK(json.code == 0);
  auto parsed = nlohmann::json::parse(json.out);
  CHECK(parsed["seq"] == 3);
  CHECK(parsed["entry_hash"].get<std::string>().size() == 64);
  CHECK(f("audit show --ledger " + f.dir + " --seq 99").code == 1);

  auto proof = f("audit proof --ledger " + f.dir + " --seq 3");
  CHECK(proof.code == 0);
  CHECK(proof.out.starts_with("c2sp.org/tlog-proof@v1\nindex 3\n"));
  auto pubkey = VerifierKey::LoadFile(f.pub);
  std::vector<VerifierKey> trusted{*pubkey};
  CHECK(VerifyTlogProof(proof.out, raw.out, trusted).ok());
  auto at10 = f("audit proof --ledger " + f.dir + " --seq 3 --size 10");
  CHECK(at10.code == 0);
  CHECK(VerifyTlogProof(at10.out, raw.out, trusted)->size == 10);
  auto no_cp = f("audit proof --ledger " + f.dir + " --seq 3 --size 7");
  CHECK(no_cp.code == 1);
  CHECK_THAT(no_cp.err, Catch::Contains("no signed checkpoint at tree size 7"));
  auto cons = f("audit proof --ledger " + f.dir + " --consistency 5");
  CHECK(cons.code == 0);
  CHECK(cons.out.starts_with("arbiter.dev/tlog-consistency@v1\nold 5 "));
  CHECK(f("audit proof --ledger " + f.dir).code == 1);
}

TEST_CASE("cli: audit verify names the first bad seq; clear errors for bad input") {
  Fixture f;
  {
    auto storage = OpenRocksDbStorage(f.dir, false, false);
    REQUIRE(storage.ok());
    std::string raw;
    REQUIRE((*storage)->Get(layout::EntryKey(7), &raw).ok());
    raw[40] ^= 1;
    REQUIRE((*storage)->Write({{layout::EntryKey(7), raw}}, true).ok());
  }
  auto bad = f("audit verify --ledger " + f.dir + " --key " + f.pub);
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Catch::StartsWith("FAILED at seq 7:"));

  auto missing = f("audit verify --ledger " + f.dir + "-nope --key " + f.pub);
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::Contains("no ledger at"));
  auto wrong_key_file = f("audit verify --ledger " + f.dir + " --key " + f.key);
  CHECK(wrong_key_file.code == 1);
  CHECK_THAT(wrong_key_file.err, Catch::Contains("private key"));
  auto no_key = f("audit verify --ledger " + f.dir);
  CHECK(no_key.code == 1);
  CHECK_THAT(no_key.err, Catch::Contains("--key"));
}

TEST_CASE("cli: verify with another key's public key") {
  Fixture f;
  auto other = SigningKey::Generate("other.example/key");
  auto paths = WriteKeyFiles(*other, (f.scratch.path / "other").string());
  REQUIRE(paths.ok());
  auto run = f("audit verify --ledger " + f.dir + " --key " + paths->second);
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("checkpoint at tree size 5"));
  CHECK_THAT(run.err, Catch::Contains("not signed by a trusted key"));
}

TEST_CASE("cli: audit rotate-key hands the ledger to a new key that verify follows") {
  Fixture f;
  auto next = SigningKey::Generate("next.example/key");
  REQUIRE(next.ok());
  auto next_paths = WriteKeyFiles(*next, (f.scratch.path / "next").string());
  REQUIRE(next_paths.ok());
  // Refused: no such ledger, a wrong current key, an unreadable new key.
  CHECK(f("audit rotate-key --ledger " + f.dir + "-missing --key " + f.key + " --new-key " +
          next_paths->first).code == 1);
  auto wrong = f("audit rotate-key --ledger " + f.dir + " --key " + next_paths->first +
                 " --new-key " + next_paths->first);
  CHECK(wrong.code == 1);
  CHECK_THAT(wrong.err, Catch::Contains("does not match this ledger's signing key"));
  CHECK(f("audit rotate-key --ledger " + f.dir + " --key " + f.key + " --new-key " + f.key +
          ".missing").code == 1);
  CHECK(Ledger::OpenReadOnly(f.dir).value()->Size() == 12);  // nothing written by refusals

  auto run = f("audit rotate-key --ledger " + f.dir + " --key " + f.key + " --new-key " +
               next_paths->first);
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK_THAT(run.out, Catch::Contains("rotated to next.example/key+"));
  CHECK_THAT(run.out, Catch::Contains("at seq 12"));
  // The old key can no longer write; the new one can, and its checkpoints verify from the
  // old public key through the rotation.
  LedgerOptions old_options = TestOptions(5);
  auto with_old = Ledger::Open(f.dir, old_options);
  CHECK_FALSE(with_old.ok());
  LedgerOptions new_options = TestOptions(5);
  new_options.signing_key = std::make_shared<const SigningKey>(std::move(next).value());
  {
    auto with_new = Ledger::Open(f.dir, new_options);
    REQUIRE(with_new.ok());
    REQUIRE((*with_new)->Append(SampleDecision(99)).ok());
    REQUIRE((*with_new)->Close().ok());
  }
  auto verified = f("audit verify --ledger " + f.dir + " --key " + f.pub);
  INFO(verified.err);
  CHECK(verified.code == 0);
  auto shown = f("audit show --ledger " + f.dir + " --seq 12");
  CHECK_THAT(shown.out, Catch::Contains("\"kind\": \"key\""));
  // The new public key alone cannot vouch for the checkpoints made before the rotation.
  CHECK(f("audit verify --ledger " + f.dir + " --key " + next_paths->second).code == 1);
}

TEST_CASE("cli: audit export jsonl, csv, bundle; verify --export") {
  Fixture f;
  auto jsonl = f("audit export --ledger " + f.dir + " --from 2 --to 4");
  CHECK(jsonl.code == 0);
  CHECK(std::count(jsonl.out.begin(), jsonl.out.end(), '\n') == 3);
  auto csv = f("audit export --ledger " + f.dir + " --format csv --kind decision");
  CHECK(csv.code == 0);
  CHECK(std::count(csv.out.begin(), csv.out.end(), '\n') == 13);
  auto bundle_path = (f.scratch.path / "export.bundle").string();
  auto bundle = f("audit export --ledger " + f.dir + " --bundle --out " + bundle_path);
  CHECK(bundle.code == 0);
  auto checked = f("audit verify --export " + bundle_path + " --key " + f.pub);
  INFO(checked.err);
  CHECK(checked.code == 0);
  CHECK(checked.out.starts_with("ok: 12 entries"));
  auto self = f("audit verify --export " + bundle_path);
  CHECK(self.code == 0);
  CHECK_THAT(self.out, Catch::Contains("inside the bundle"));
  std::string text = Slurp(bundle_path);
  text[text.find("user5") + 4] = '9';
  { std::ofstream(bundle_path, std::ios::binary | std::ios::trunc) << text; }
  auto tampered = f("audit verify --export " + bundle_path + " --key " + f.pub);
  CHECK(tampered.code == 1);
  CHECK_THAT(tampered.err, Catch::StartsWith("FAILED at seq 5:"));
  CHECK(f("audit export --ledger " + f.dir + " --from soon").code == 1);
}

TEST_CASE("cli: audit export decision filters; bad combinations are clear errors") {
  Fixture f;
  auto lines = [](const Run& r) { return std::count(r.out.begin(), r.out.end(), '\n'); };
  auto denied = f("audit export --ledger " + f.dir + " --decision deny");  // seq 0, 3, 6, 9
  INFO(denied.err);
  CHECK(denied.code == 0);
  CHECK(lines(denied) == 4);
  CHECK(lines(f("audit export --ledger " + f.dir + " --subject User::user5")) == 1);
  CHECK(lines(f("audit export --ledger " + f.dir +
                " --subject 'User::\"user5\"' --action deploy")) == 1);
  CHECK(lines(f("audit export --ledger " + f.dir + " --resource m1 --decision allow")) == 2);
  CHECK(lines(f("audit export --ledger " + f.dir +
                " --rule models.allow_reviewed --rule other.rule --format csv")) == 13);
  auto bundle_path = (f.scratch.path / "denied.bundle").string();
  REQUIRE(f("audit export --ledger " + f.dir + " --decision deny --bundle --out " + bundle_path)
              .code == 0);
  auto checked = f("audit verify --export " + bundle_path + " --key " + f.pub);
  INFO(checked.err);
  CHECK(checked.code == 0);
  CHECK(checked.out.starts_with("ok: 4 entries"));
  CHECK_THAT(checked.out, Catch::Contains("8 outside the decision filter are omitted"));

  auto with_kind = f("audit export --ledger " + f.dir + " --kind evidence --decision deny");
  CHECK(with_kind.code == 1);
  CHECK_THAT(with_kind.err, Catch::Contains("cannot be combined with --kind evidence"));
  auto bad = f("audit export --ledger " + f.dir + " --decision maybe");
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Catch::Contains("--decision 'maybe': expected allow or deny"));
  auto bad_subject = f("audit export --ledger " + f.dir + " --subject '\"user5\"'");
  CHECK(bad_subject.code == 1);
  CHECK_THAT(bad_subject.err, Catch::Contains("--subject"));
  auto both = f("audit export --ledger " + f.dir + " --bundle --with-dependencies");
  CHECK(both.code == 1);
  CHECK_THAT(both.err, Catch::Contains("a bundle always carries its dependencies"));
}

namespace {

// The state a crash leaves: the entries durable, the checkpoints after `keep` never written.
void DropCheckpointsAfter(const std::string& dir, uint64_t keep) {
  auto storage = OpenRocksDbStorage(dir, /*read_only=*/false, /*create_if_missing=*/false);
  REQUIRE(storage.ok());
  std::vector<LedgerStorage::Op> ops;
  for (auto c = (*storage)->Seek("c/"); c->Valid() && c->key().starts_with("c/"); c->Next()) {
    if (layout::GetBE64(c->key().substr(2)) > keep) ops.push_back({std::string(c->key()), {}});
  }
  if (keep == 0) {
    ops.push_back({std::string(layout::kMetaCheckpoint), {}});
  } else {
    ops.push_back({std::string(layout::kMetaCheckpoint), layout::BE64(keep)});
  }
  REQUIRE((*storage)->Write(ops, true).ok());
}

}  // namespace

TEST_CASE("cli: audit verify reports the unsigned tail, keys, and refuses a ledger never signed") {
  Fixture f;
  // Two more entries after the last checkpoint: covered by the chain, not yet by a signature.
  {
    auto ledger = Ledger::Open(f.dir, TestOptions(1000));
    REQUIRE(ledger.ok());
    REQUIRE((*ledger)->Append(SampleDecision(12)).ok());
    REQUIRE((*ledger)->Append(SampleDecision(13)).ok());
    REQUIRE((*ledger)->Close().ok());
  }
  DropCheckpointsAfter(f.dir, 12);
  auto text = f("audit verify --ledger " + f.dir + " --key " + f.pub);
  INFO(text.err);
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("latest signed size 12"));
  CHECK_THAT(text.out, Catch::Contains("unsigned tail: 2 entries (seq 12..13)"));
  auto json = f("audit verify --ledger " + f.dir + " --key " + f.pub + " --json");
  REQUIRE(json.code == 0);
  auto report = nlohmann::json::parse(json.out);
  CHECK(report["ok"] == true);
  CHECK(report["entries"] == 14);
  CHECK(report["signed_size"] == 12);
  CHECK(report["unsigned_tail"] == nlohmann::json({{"count", 2}, {"first", 12}, {"last", 13}}));
  CHECK(report["keys"] == nlohmann::json::array({"test.example/ledger"}));

  // A ledger with entries but no checkpoint at all proves nothing: a non-zero exit.
  std::string bare = (f.scratch.path / "bare").string();
  {
    auto ledger = Ledger::Open(bare, TestOptions(1000));
    REQUIRE(ledger.ok());
    REQUIRE((*ledger)->Append(SampleDecision(0)).ok());
    REQUIRE((*ledger)->Close().ok());
  }
  DropCheckpointsAfter(bare, 0);
  auto unsigned_run = f("audit verify --ledger " + bare + " --key " + f.pub);
  CHECK(unsigned_run.code == 1);
  CHECK_THAT(unsigned_run.err, Catch::Contains("no signed checkpoint"));
  auto unsigned_json = f("audit verify --ledger " + bare + " --key " + f.pub + " --json");
  CHECK(unsigned_json.code == 1);
  CHECK(nlohmann::json::parse(unsigned_json.out)["ok"] == false);
}

TEST_CASE("cli: audit verify --against a saved checkpoint proves an append-only extension") {
  Fixture f;
  auto saved = f("audit checkpoint --ledger " + f.dir);
  REQUIRE(saved.code == 0);
  auto saved_path = (f.scratch.path / "saved.checkpoint").string();
  { std::ofstream(saved_path, std::ios::binary) << saved.out; }
  {
    auto ledger = Ledger::Open(f.dir, TestOptions(5));
    REQUIRE(ledger.ok());
    for (int i = 12; i < 20; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
    REQUIRE((*ledger)->Close().ok());
  }
  auto extended = f("audit verify --ledger " + f.dir + " --key " + f.pub + " --against " +
                    saved_path);
  INFO(extended.err);
  CHECK(extended.code == 0);
  CHECK_THAT(extended.out, Catch::Contains("extension of the saved checkpoint of size 12"));

  // The same log rewritten from entry 3 on: every checkpoint in it is valid and signed, but
  // the saved checkpoint exposes the rewrite.
  std::string rewritten = (f.scratch.path / "rewritten").string();
  {
    auto ledger = Ledger::Open(rewritten, TestOptions(5));
    REQUIRE(ledger.ok());
    for (int i = 0; i < 20; ++i) REQUIRE((*ledger)->Append(SampleDecision(i == 3 ? 77 : i)).ok());
    REQUIRE((*ledger)->Close().ok());
  }
  CHECK(f("audit verify --ledger " + rewritten + " --key " + f.pub).code == 0);
  auto caught = f("audit verify --ledger " + rewritten + " --key " + f.pub + " --against " +
                  saved_path);
  CHECK(caught.code == 1);
  CHECK_THAT(caught.err, Catch::Contains("not an extension of the saved checkpoint"));
  // A saved checkpoint signed by a key the auditor does not trust is refused.
  auto other = SigningKey::Generate("other.example/key");
  auto other_paths = WriteKeyFiles(*other, (f.scratch.path / "other").string());
  REQUIRE(other_paths.ok());
  auto untrusted = f("audit verify --ledger " + f.dir + " --key " + other_paths->second +
                     " --against " + saved_path);
  CHECK(untrusted.code == 1);
}

TEST_CASE("cli: rotate-key twice, export a bundle, verify it with the first public key") {
  Fixture f;
  std::vector<std::pair<std::string, std::string>> keys;  // (private, public) files
  for (const char* name : {"second.example/key", "third.example/key"}) {
    auto key = SigningKey::Generate(name);
    REQUIRE(key.ok());
    auto paths = WriteKeyFiles(*key, (f.scratch.path / "rotated").string());
    REQUIRE(paths.ok());
    keys.push_back(*paths);
  }
  auto first = f("audit rotate-key --ledger " + f.dir + " --key " + f.key + " --new-key " +
                 keys[0].first);
  INFO(first.err);
  REQUIRE(first.code == 0);
  auto second = f("audit rotate-key --ledger " + f.dir + " --key " + keys[0].first +
                  " --new-key " + keys[1].first);
  INFO(second.err);
  REQUIRE(second.code == 0);
  auto unrelated = SigningKey::Generate("unrelated.example/key");
  REQUIRE(unrelated.ok());
  auto unrelated_paths = WriteKeyFiles(*unrelated, (f.scratch.path / "unrelated").string());
  REQUIRE(unrelated_paths.ok());
  auto bundle_path = (f.scratch.path / "rotated.bundle").string();
  // The whole ledger (rotations at seq 12 and 13), a range holding the second rotation only,
  // and one before both.
  for (const std::string& range :
       {std::string(), std::string(" --from 13"), std::string(" --from 0 --to 5")}) {
    INFO("range:" << range);
    REQUIRE(f("audit export --ledger " + f.dir + " --bundle --out " + bundle_path + range).code ==
            0);
    auto checked = f("audit verify --export " + bundle_path + " --key " + f.pub);
    INFO(checked.err);
    CHECK(checked.code == 0);
    CHECK_THAT(checked.out,
               Catch::Contains("keys: test.example/ledger -> second.example/key -> third.example/key"));
    auto wrong = f("audit verify --export " + bundle_path + " --key " + unrelated_paths->second);
    CHECK(wrong.code == 1);
    CHECK_THAT(wrong.err, Catch::Contains("FAILED at seq 12:"));
    CHECK_THAT(wrong.err, Catch::Contains("unrelated.example/key"));
  }
}
