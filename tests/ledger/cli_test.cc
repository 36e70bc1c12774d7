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
  CHECK(ok.out == "ok: 12 entries, 3 checkpoints verified\n");

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
