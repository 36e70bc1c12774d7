// `arbiter serve --record ...` end to end (spec/ledger-format.md, "Record modes and
// erasure"): what the real daemon writes in each mode, and `audit erase` on its ledger.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

#include "common/encoding.h"
#include "common/sha256.h"
#include "tests/daemon/daemon_process.h"
#include "tests/daemon/http_client.h"

using arbiter::testing::DaemonProcess;
using arbiter::testing::HttpClient;
using arbiter::testing::RunCommand;
using arbiter::testing::TempDir;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kTestdata = ARBITER_SOURCE_DIR "/tests/daemon/testdata";
const std::string kArbiter = ARBITER_BINARY_DIR "/arbiter";
const std::string kDeciderToken = "test-decider-token-0123456789abcdef";
const std::string kAuditorToken = "test-auditor-token-0123456789abcdef";

std::string Eval(const std::string& subject, const std::string& email) {
  return json({{"subject", {{"type", "User"}, {"id", subject}, {"properties", {{"email", email}}}}},
               {"action", {{"name", "deploy"}}},
               {"resource", {{"type", "Model"}, {"id", "m1"}}},
               {"context", json::object()}})
      .dump();
}

// Runs a daemon with `record_flags`, sends one decision per subject, stops it, and returns
// the decision entries its ledger holds.
std::vector<json> RecordWith(const TempDir& dir, std::vector<std::string> record_flags,
                             const std::vector<std::string>& subjects) {
  fs::path ledger = dir.path / "ledger";
  std::vector<std::string> args = {"--policies", kTestdata + "/v1", "--data",
                                   kTestdata + "/entities.json", "--ledger", ledger.string(),
                                   "--threads", "2"};
  args.insert(args.end(), record_flags.begin(), record_flags.end());
  DaemonProcess daemon(dir.path, args);
  INFO(daemon.log());
  REQUIRE(daemon.running());
  HttpClient client(daemon.port());
  for (const auto& s : subjects) {
    auto res = client.Post("/access/v1/evaluation", Eval(s, s + "@example.com"));
    INFO(res.body);
    REQUIRE(res.status == 200);
  }
  REQUIRE(daemon.Stop() == 0);
  std::string out;
  REQUIRE(RunCommand({kArbiter, "audit", "export", "--ledger", ledger.string(), "--kind",
                      "decision"},
                     &out) == 0);
  std::vector<json> entries;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) entries.push_back(json::parse(line));
  }
  return entries;
}

}  // namespace

TEST_CASE("serve --record requests=encrypted: sealed requests, audit erase, verify passes") {
  TempDir dir("privacy-encrypted");
  auto entries = RecordWith(dir, {"--record", "requests=encrypted"}, {"alice", "bob"});
  REQUIRE(entries.size() == 2);
  for (const auto& e : entries) {
    CHECK_FALSE(e["payload"].contains("request"));
    CHECK(e["payload"]["request_encrypted"]["alg"] == "xsalsa20poly1305");
    CHECK(e.dump().find("@example.com") == std::string::npos);
  }
  fs::path ledger = dir.path / "ledger";
  fs::path private_dir = dir.path / "ledger.private";
  CHECK((fs::status(private_dir).permissions() & fs::perms::all) == fs::perms::owner_all);
  std::string out;
  REQUIRE(RunCommand({kArbiter, "audit", "show", "--ledger", ledger.string(), "--seq",
                      std::to_string(entries[0]["seq"].get<int>())},
                     &out) == 0);
  CHECK(json::parse(out)["private"]["request"]["subject"]["id"] == "alice");
  int rc = RunCommand({kArbiter, "audit", "erase", "--ledger", ledger.string(), "--key",
                       (ledger / "arbiter-dev.key").string(), "--subject", "alice",
                       "--subject-type", "User"},
                      &out);
  INFO(out);
  REQUIRE(rc == 0);
  REQUIRE(RunCommand({kArbiter, "audit", "show", "--ledger", ledger.string(), "--seq",
                      std::to_string(entries[0]["seq"].get<int>())},
                     &out) == 0);
  CHECK(json::parse(out)["private"] == json{{"erased", true}});
  rc = RunCommand({kArbiter, "audit", "verify", "--ledger", ledger.string(), "--key",
                   (ledger / "arbiter-dev.pub").string()},
                  &out);
  INFO(out);
  CHECK(rc == 0);
}

TEST_CASE("serve --record requests=encrypted: the entries endpoint opens requests for auditors only") {
  TempDir dir("privacy-endpoint");
  auto principal = [](const std::string& name, const std::string& role, const std::string& token) {
    return json{{"name", name},
                {"roles", {role}},
                {"token_sha256", arbiter::HexEncode(arbiter::Sha256Of(token))}};
  };
  std::ofstream(dir.path / "auth.json")
      << json{{"principals", {principal("decider", "decide", kDeciderToken),
                              principal("auditor", "audit", kAuditorToken)}}}
             .dump();
  DaemonProcess daemon(dir.path, {"--policies", kTestdata + "/v1", "--data",
                                  kTestdata + "/entities.json", "--ledger",
                                  (dir.path / "ledger").string(), "--auth-file",
                                  (dir.path / "auth.json").string(), "--record",
                                  "requests=encrypted"});
  INFO(daemon.log());
  REQUIRE(daemon.running());
  HttpClient client(daemon.port());
  auto decided = client.Post("/access/v1/evaluation", Eval("alice", "alice@example.com"),
                             {{"Authorization", "Bearer " + kDeciderToken}});
  REQUIRE(decided.status == 200);
  uint64_t seq = json::parse(decided.body)["context"]["receipt"]["seq"].get<uint64_t>();
  auto shown = client.Get("/v1/ledger/entries/" + std::to_string(seq),
                          {{"Authorization", "Bearer " + kAuditorToken}});
  INFO(shown.body);
  REQUIRE(shown.status == 200);
  json entry = json::parse(shown.body);
  CHECK(entry["payload"].contains("request_encrypted"));
  CHECK(entry["private"]["request"] == json::parse(Eval("alice", "alice@example.com")));
  CHECK(client.Get("/v1/ledger/entries/" + std::to_string(seq),
                   {{"Authorization", "Bearer " + kDeciderToken}})
            .status == 403);
  CHECK(daemon.Stop() == 0);
}

TEST_CASE("serve --record-mask and requests=digest write what the spec says") {
  TempDir masked_dir("privacy-mask");
  std::ofstream(masked_dir.path / "masks") << "# absent from these requests\n/context/missing\n";
  auto masked = RecordWith(masked_dir,
                           {"--record-mask", "/subject/properties/email", "--record-mask-file",
                            (masked_dir.path / "masks").string()},
                           {"alice", "bob"});
  REQUIRE(masked.size() == 2);
  CHECK(masked[0]["payload"]["request"]["subject"]["id"] == "alice");
  CHECK(masked[0]["payload"]["request_masked"] == json::array({"/subject/properties/email"}));
  CHECK(masked[0]["payload"]["request"]["subject"]["properties"]["email"]["masked"] !=
        masked[1]["payload"]["request"]["subject"]["properties"]["email"]["masked"]);
  CHECK(masked[0].dump().find("@example.com") == std::string::npos);

  TempDir digest_dir("privacy-digest");
  auto digest = RecordWith(digest_dir, {"--record", "requests=digest"}, {"alice"});
  REQUIRE(digest.size() == 1);
  CHECK(digest[0]["payload"]["request_commitment"].get<std::string>().starts_with("sha256:"));
  CHECK(digest[0].dump().find("alice") == std::string::npos);

  TempDir full_dir("privacy-full");
  auto full = RecordWith(full_dir, {}, {"alice"});
  REQUIRE(full.size() == 1);
  CHECK(full[0]["payload"]["request"] == json::parse(Eval("alice", "alice@example.com")));
  CHECK_FALSE(fs::exists(full_dir.path / "ledger.private"));  // full mode never opens it
}

TEST_CASE("serve refuses a bad record mode and masks outside full mode") {
  for (std::vector<std::string> flags :
       {std::vector<std::string>{"--record", "requests=secret"},
        std::vector<std::string>{"--record", "requests=digest", "--record-mask", "/subject"},
        std::vector<std::string>{"--record-mask", "subject/id"},
        std::vector<std::string>{"--record-mask-file", "/nonexistent/masks"}}) {
    TempDir dir("privacy-bad");
    std::vector<std::string> args = {"--policies", kTestdata + "/v1", "--ledger",
                                     (dir.path / "ledger").string()};
    args.insert(args.end(), flags.begin(), flags.end());
    DaemonProcess daemon(dir.path, args);
    CHECK_FALSE(daemon.running());
    CHECK(daemon.start_exit_code() == 1);
  }
}
