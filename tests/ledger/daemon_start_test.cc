// What `arbiter serve` records at start (issue 14): a `start` entry instead of a repeated
// activation when the policies and data are unchanged; a signed checkpoint over what a crash
// left past the last one, before serving; and a development key others can read is refused.
#include <arbiter/ledger.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/daemon/daemon_process.h"

using arbiter::testing::DaemonProcess;
using arbiter::testing::ReadText;
using arbiter::testing::RunCommand;
using arbiter::testing::TempDir;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kTestdata = ARBITER_SOURCE_DIR "/tests/daemon/testdata";
const std::string kArbiter = ARBITER_BINARY_DIR "/arbiter";

struct Scratch {
  TempDir dir{"start"};
  fs::path ledger = dir.path / "ledger";

  std::unique_ptr<DaemonProcess> Start(const std::string& policies, const std::string& data,
                                       std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--policies", policies, "--data", data, "--ledger",
                                     ledger.string(), "--threads", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    fs::remove(dir.path / "daemon.log");  // each start's log on its own
    return std::make_unique<DaemonProcess>(dir.path, args);
  }
  // Starts, then stops with SIGTERM; returns the daemon's log.
  std::string StartStop(const std::string& policies, const std::string& data) {
    auto d = Start(policies, data);
    INFO(d->log());
    REQUIRE(d->running());
    REQUIRE(d->Stop() == 0);
    return d->log();
  }
  std::vector<json> Entries(const std::string& kind = "") {
    std::vector<std::string> argv = {kArbiter, "audit", "export", "--ledger", ledger.string()};
    if (!kind.empty()) argv.insert(argv.end(), {"--kind", kind});
    std::string out;
    int rc = RunCommand(argv, &out);
    INFO(out);
    REQUIRE(rc == 0);
    std::vector<json> entries;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) entries.push_back(json::parse(line));
    }
    return entries;
  }
  json Verify() {
    std::string out;
    RunCommand({kArbiter, "audit", "verify", "--json", "--ledger", ledger.string(), "--key",
                (ledger / "arbiter-dev.pub").string()},
               &out);
    INFO(out);
    json report = json::parse(out, nullptr, false);
    REQUIRE(report.is_object());
    return report;
  }
};

// In a child process: appends `n` decisions signed with the ledger's development key, with
// no checkpoint by count or time, and exits without closing the ledger. That is the state a
// kill -9 leaves: n entries past the latest checkpoint.
void AppendAndCrash(const fs::path& ledger_dir, int n) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    arbiter::ledger::LedgerOptions options;
    options.key_file = (ledger_dir / "arbiter-dev.key").string();
    options.checkpoint_every_entries = 0;
    options.checkpoint_every_ms = 0;
    options.create_if_missing = false;
    options.durability = arbiter::ledger::Durability::kNone;  // the OS has it: kill -9 keeps it
    auto ledger = arbiter::ledger::Ledger::Open(ledger_dir.string(), options);
    if (!ledger.ok()) std::_Exit(1);
    for (int i = 0; i < n; ++i) {
      arbiter::ledger::DecisionRecord d;
      d.decision = "allow";
      d.request = {{"subject", {{"type", "User"}, {"id", "alice"}}}, {"i", i}};
      d.bundle_digest = "sha256:00";
      auto record = d.ToRecord();
      if (!record.ok() || !(*ledger)->Append(std::move(record).value()).ok()) std::_Exit(2);
    }
    std::_Exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

}  // namespace

TEST_CASE("daemon start: unchanged policies record a start entry, changed ones an activation") {
  Scratch s;
  const std::string v1 = kTestdata + "/v1", v2 = kTestdata + "/v2";
  const std::string data = kTestdata + "/entities.json";
  s.StartStop(v1, data);
  s.StartStop(v1, data);
  std::string log = s.StartStop(v1, data);
  CHECK_THAT(log, Catch::Contains("policies unchanged since the activation at seq 1"));
  auto policies = s.Entries("policy");
  auto starts = s.Entries("start");
  REQUIRE(policies.size() == 1);
  REQUIRE(starts.size() == 2);
  for (const json& start : starts) {
    CHECK(start["payload"]["activation"] == 1);  // after the data entry (seq 0)
    CHECK(start["payload"]["bundle"] == policies[0]["payload"]["bundle"]);
    CHECK(start["payload"]["data"] == policies[0]["payload"]["data"]);
    CHECK(start["payload"]["version"].is_string());
  }
  CHECK(policies[0]["payload"]["data"].get<std::string>().starts_with("sha256:"));

  // Other policies: a new activation; restarting with them again: a start pointing at it.
  s.StartStop(v2, data);
  s.StartStop(v2, data);
  policies = s.Entries("policy");
  starts = s.Entries("start");
  REQUIRE(policies.size() == 2);
  REQUIRE(starts.size() == 3);
  CHECK(starts.back()["payload"]["activation"] == policies[1]["seq"]);

  // The same data laid out differently is the same data; changed data is a new activation.
  json entities = json::parse(ReadText(data));
  fs::path reformatted = s.dir.path / "entities-reformatted.json";
  std::ofstream(reformatted) << entities.dump(4);
  s.StartStop(v2, reformatted.string());
  CHECK(s.Entries("policy").size() == 2);
  entities.push_back({{"uid", {{"type", "User"}, {"id", "carol"}}},
                      {"attrs", json::object()},
                      {"parents", json::array()}});
  fs::path changed = s.dir.path / "entities-changed.json";
  std::ofstream(changed) << entities.dump();
  s.StartStop(v2, changed.string());
  policies = s.Entries("policy");
  REQUIRE(policies.size() == 3);
  CHECK(policies[2]["payload"]["bundle"] == policies[1]["payload"]["bundle"]);
  CHECK(policies[2]["payload"]["data"] != policies[1]["payload"]["data"]);

  json report = s.Verify();
  CHECK(report["ok"] == true);
}

TEST_CASE("daemon start after a crash signs a checkpoint over the recovered entries") {
  Scratch s;
  const std::string v1 = kTestdata + "/v1", data = kTestdata + "/entities.json";
  // No checkpoints by count or time: only the start-up one (if any) and shutdown sign.
  const std::vector<std::string> rare = {"--checkpoint-every-entries", "0",
                                         "--checkpoint-every-ms", "0"};
  {
    auto d = s.Start(v1, data, rare);
    INFO(d->log());
    REQUIRE(d->running());
    REQUIRE(d->Stop(SIGKILL) == -1);
  }
  // The crash left the data entry and the activation unsigned.
  json crashed = s.Verify();
  CHECK(crashed["ok"] == false);
  CHECK_THAT(crashed["problem"].get<std::string>(), Catch::Contains("no signed checkpoint"));
  {
    auto d = s.Start(v1, data, rare);
    INFO(d->log());
    REQUIRE(d->running());
    CHECK_THAT(d->log(), Catch::Contains("recovered 2 entries past the last checkpoint (size 0"));
    REQUIRE(d->Stop(SIGKILL) == -1);  // crash again, right after it began serving
  }
  json report = s.Verify();
  INFO(report.dump());
  CHECK(report["ok"] == true);
  CHECK(report["entries"] == 3);  // the data, the activation and the start
  CHECK(report["signed_size"] == 3);
  CHECK(report["unsigned_tail"].is_null());
  // Hundreds of entries past the last checkpoint, as a busy daemon's kill -9 leaves them.
  AppendAndCrash(s.ledger, 700);
  json tail = s.Verify();
  CHECK(tail["ok"] == true);
  CHECK(tail["unsigned_tail"]["count"] == 700);
  {
    auto d = s.Start(v1, data, rare);
    INFO(d->log());
    REQUIRE(d->running());
    CHECK_THAT(d->log(), Catch::Contains("recovered 700 entries past the last checkpoint (size 3"));
    CHECK_THAT(d->log(), Catch::Contains("policies unchanged since the activation at seq 1"));
    REQUIRE(d->Stop(SIGKILL) == -1);
  }
  report = s.Verify();
  INFO(report.dump());
  CHECK(report["ok"] == true);
  CHECK(report["entries"] == 704);
  CHECK(report["signed_size"] == 704);
  CHECK(report["unsigned_tail"].is_null());
  {
    // A clean shutdown and restart signs nothing extra at start.
    auto d = s.Start(v1, data, rare);
    REQUIRE(d->running());
    CHECK_THAT(d->log(), !Catch::Contains("recovered"));
    REQUIRE(d->Stop() == 0);
  }
  CHECK(s.Verify()["ok"] == true);
}

TEST_CASE("daemon start refuses a development key others can read, unless told to accept it") {
  Scratch s;
  const std::string v1 = kTestdata + "/v1", data = kTestdata + "/entities.json";
  s.StartStop(v1, data);  // creates the development key
  fs::path key = s.ledger / "arbiter-dev.key";
  REQUIRE(fs::exists(key));
  struct stat st;
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::chmod(key.c_str(), 0644) == 0);
  {
    auto d = s.Start(v1, data);
    CHECK_FALSE(d->running());
    CHECK(d->start_exit_code() == 1);
    std::string log = d->log();
    CHECK_THAT(log, Catch::Contains("0644"));
    CHECK_THAT(log, Catch::Contains("chmod 600"));
    CHECK_THAT(log, Catch::Contains("--allow-insecure-key-file"));
  }
  {
    auto d = s.Start(v1, data, {"--allow-insecure-key-file"});
    INFO(d->log());
    REQUIRE(d->running());
    CHECK_THAT(d->log(), Catch::Contains("development only"));
    REQUIRE(d->Stop() == 0);
  }
}
