// End-to-end tests of `arbiter serve`: the real binary on a free loopback port, driven over
// HTTP, its ledger checked afterwards with `arbiter audit`.
#include <arbiter/ledger.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <atomic>
#include <set>
#include <thread>

#include "common/encoding.h"
#include "common/sha256.h"
#include "tests/daemon/daemon_process.h"
#include "tests/daemon/http_client.h"

using arbiter::testing::DaemonProcess;
using arbiter::testing::HttpClient;
using arbiter::testing::RawConnection;
using arbiter::testing::ReadText;
using arbiter::testing::RunCommand;
using arbiter::testing::TempDir;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kTestdata = ARBITER_SOURCE_DIR "/tests/daemon/testdata";
const std::string kToken = "test-admin-token-0123456789abcdef";
// The principal `tester` (auth file): decide, evidence, audit, metrics.
const std::string kTesterToken = "test-tester-token-0123456789abcdef";
const std::string kArbiter = ARBITER_BINARY_DIR "/arbiter";

std::string Eval(const std::string& subject, const std::string& action,
                 const std::string& resource, const json& context = json::object()) {
  return json({{"subject", {{"type", "User"}, {"id", subject}}},
               {"action", {{"name", action}}},
               {"resource", {{"type", "Model"}, {"id", resource}}},
               {"context", context}})
      .dump();
}

struct Daemon {
  TempDir dir{"it"};
  fs::path ledger = dir.path / "ledger";
  std::unique_ptr<DaemonProcess> process;

  bool with_auth = false;

  // `with_auth`: an auth file with the principal `tester`; then decisions need its token too.
  explicit Daemon(std::vector<std::string> extra = {}, bool auth = false) : with_auth(auth) {
    std::ofstream(dir.path / "token") << kToken << "\n";
    if (with_auth) {
      std::ofstream(dir.path / "auth.json")
          << json({{"principals",
                    {{{"name", "tester"},
                      {"roles", {"decide", "evidence", "review", "audit", "metrics", "risk-officer"}},
                      {"token_sha256", arbiter::HexEncode(arbiter::Sha256Of(kTesterToken))}}}}})
                 .dump();
      extra.insert(extra.end(), {"--auth-file", (dir.path / "auth.json").string()});
    }
    std::vector<std::string> args = {"--policies",         kTestdata + "/v1",
                                     "--data",             kTestdata + "/entities.json",
                                     "--ledger",           ledger.string(),
                                     "--admin-token-file", (dir.path / "token").string(),
                                     "--threads",          "2",
                                     "--header-timeout-ms", "1000"};
    args.insert(args.end(), extra.begin(), extra.end());
    process = std::make_unique<DaemonProcess>(dir.path, args);
    INFO(process->log());
    REQUIRE(process->running());
  }
  uint16_t port() const { return process->port(); }
  // Makes `client` send the tester's token when the daemon has the auth file.
  void Authorize(HttpClient& client) const {
    if (with_auth) client.SetDefaultHeader("Authorization", "Bearer " + kTesterToken);
  }
  uint64_t LedgerSize() {
    HttpClient client(port());
    return json::parse(client.Get("/health").body)["ledger_size"].get<uint64_t>();
  }
  // After the daemon stopped: the decision entries in its ledger.
  std::vector<json> Entries(const std::string& kind) {
    std::string out;
    int rc = RunCommand({kArbiter, "audit", "export", "--ledger", ledger.string(), "--kind", kind},
                        &out);
    INFO(out);
    REQUIRE(rc == 0);
    std::vector<json> entries;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) entries.push_back(json::parse(line));
    }
    return entries;
  }
  int Verify() {
    std::string out;
    int rc = RunCommand({kArbiter, "audit", "verify", "--ledger", ledger.string(), "--key",
                         (ledger / "arbiter-dev.pub").string()},
                        &out);
    UNSCOPED_INFO("audit verify: " << out);
    return rc;
  }
};

std::map<std::string, std::string> Admin() {
  return {{"Authorization", "Bearer " + kToken}, {"Content-Type", "application/json"}};
}

std::string PolicyText(const std::string& version) {
  return ReadText(kTestdata + "/" + version + "/deploy.arbiter");
}

}  // namespace

TEST_CASE("AuthZEN single evaluation: decisions, context, receipt, X-Request-ID") {
  Daemon d;
  HttpClient client(d.port());
  auto allow = client.Post("/access/v1/evaluation", Eval("alice", "deploy", "m1"),
                           {{"X-Request-ID", "abc-123"}});
  INFO(allow.body);
  REQUIRE(allow.status == 200);
  CHECK(allow.header("x-request-id") == "abc-123");
  json a = json::parse(allow.body);
  CHECK(a["decision"] == true);
  CHECK(a["context"]["reasons"][0]["rule"] == "test.deploy.owners_deploy");
  CHECK(a["context"]["receipt"]["seq"].is_number());
  CHECK(a["context"]["receipt"]["entry_hash"].get<std::string>().size() == 64);
  CHECK(a["context"]["decision_id"] == a["context"]["receipt"]["decision_id"]);

  json deny = json::parse(client.Post("/access/v1/evaluation", Eval("bob", "deploy", "m1")).body);
  CHECK(deny["decision"] == false);

  json frozen = json::parse(
      client.Post("/access/v1/evaluation", Eval("alice", "deploy", "m1", {{"frozen", true}})).body);
  CHECK(frozen["decision"] == false);
  CHECK(frozen["context"]["reasons"][0]["rule"] == "test.deploy.change_freeze");
  CHECK(frozen["context"]["obligations"][0]["name"] == "notify");

  // Properties overlay the entity data: bob is not the owner, but the request says m2 is his.
  json overlay = json::parse(Eval("bob", "deploy", "m2"));
  overlay["resource"]["properties"] = {{"owner", {{"__entity", {{"type", "User"}, {"id", "bob"}}}}}};
  CHECK(json::parse(client.Post("/access/v1/evaluation", overlay.dump()).body)["decision"] ==
        true);

  auto config = client.Get("/.well-known/authzen-configuration");
  REQUIRE(config.status == 200);
  json c = json::parse(config.body);
  CHECK(c["access_evaluation_endpoint"] ==
        "http://127.0.0.1:" + std::to_string(d.port()) + "/access/v1/evaluation");
  CHECK(c["access_evaluations_endpoint"].get<std::string>().ends_with("/access/v1/evaluations"));
  CHECK(d.process->Stop() == 0);
}

TEST_CASE("AuthZEN batch: defaults, overrides and the three semantics") {
  Daemon d;
  HttpClient client(d.port());
  json body = {{"subject", {{"type", "User"}, {"id", "alice"}}},
               {"action", {{"name", "deploy"}}},
               {"resource", {{"type", "Model"}, {"id", "m1"}}},
               {"evaluations",
                {json::object(),
                 {{"subject", {{"type", "User"}, {"id", "bob"}}}},
                 {{"context", {{"frozen", true}}}},
                 json::object()}}};
  uint64_t before = d.LedgerSize();

  SECTION("execute_all decides every item") {
    auto res = client.Post("/access/v1/evaluations", body.dump());
    REQUIRE(res.status == 200);
    json r = json::parse(res.body);
    REQUIRE(r["evaluations"].size() == 4);
    CHECK(r["evaluations"][0]["decision"] == true);
    CHECK(r["evaluations"][1]["decision"] == false);
    CHECK(r["evaluations"][2]["decision"] == false);
    CHECK(r["evaluations"][3]["decision"] == true);
    CHECK(d.LedgerSize() == before + 4);
  }
  SECTION("deny_on_first_deny stops after the first deny") {
    body["options"] = {{"evaluations_semantic", "deny_on_first_deny"}};
    json r = json::parse(client.Post("/access/v1/evaluations", body.dump()).body);
    REQUIRE(r["evaluations"].size() == 2);
    CHECK(r["evaluations"][1]["decision"] == false);
    CHECK(d.LedgerSize() == before + 2);
  }
  SECTION("permit_on_first_permit stops after the first permit") {
    body["options"] = {{"evaluations_semantic", "permit_on_first_permit"}};
    body["evaluations"] = {{{"subject", {{"type", "User"}, {"id", "bob"}}}},
                           json::object(),
                           json::object()};
    json r = json::parse(client.Post("/access/v1/evaluations", body.dump()).body);
    REQUIRE(r["evaluations"].size() == 2);
    CHECK(r["evaluations"][0]["decision"] == false);
    CHECK(r["evaluations"][1]["decision"] == true);
    CHECK(d.LedgerSize() == before + 2);
  }
  SECTION("an unknown semantic is 400 and records nothing") {
    body["options"] = {{"evaluations_semantic", "first_wins"}};
    CHECK(client.Post("/access/v1/evaluations", body.dump()).status == 400);
    CHECK(d.LedgerSize() == before);
  }
  SECTION("no evaluations array is a single evaluation") {
    body.erase("evaluations");
    json r = json::parse(client.Post("/access/v1/evaluations", body.dump()).body);
    CHECK(r["decision"] == true);
    CHECK(r["context"]["receipt"].is_object());
  }
  SECTION("a malformed item is answered in place and not recorded") {
    body["evaluations"] = {json::object(), {{"action", {{"nome", "deploy"}}}}};
    json r = json::parse(client.Post("/access/v1/evaluations", body.dump()).body);
    REQUIRE(r["evaluations"].size() == 2);
    CHECK(r["evaluations"][0]["decision"] == true);
    CHECK(r["evaluations"][1]["decision"] == false);
    CHECK(r["evaluations"][1]["context"]["error"]["status"] == 400);
    CHECK(d.LedgerSize() == before + 1);
  }
}

TEST_CASE("bad input gets the right 4xx, the daemon keeps serving, the ledger records nothing") {
  Daemon d;
  uint64_t before = d.LedgerSize();
  HttpClient client(d.port());
  auto code = [](const arbiter::testing::HttpResult& r) {
    return json::parse(r.body)["error"]["code"].get<std::string>();
  };
  auto malformed = client.Post("/access/v1/evaluation", R"({"subject": )");
  CHECK(malformed.status == 400);
  CHECK(code(malformed) == "invalid_json");
  CHECK(client.Post("/v1/decide", Eval("alice", "deploy", "m1"), {{"Content-Type", "text/plain"}})
            .status == 415);
  std::string big = R"({"subject":{"type":"User","id":"alice","properties":{"x":")" +
                    std::string(1 << 20, 'a') + R"("}},"action":{"name":"deploy"},)"
                    R"("resource":{"type":"Model","id":"m1"}})";
  CHECK(HttpClient(d.port()).Post("/access/v1/evaluation", big).status == 413);
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  auto too_deep = client.Post("/access/v1/evaluation", deep);
  CHECK(too_deep.status == 400);
  CHECK(code(too_deep) == "too_deep");
  auto utf8 = client.Post("/v1/decide", "{\"subject\":{\"type\":\"User\",\"id\":\"al\xFFice\"}}");
  CHECK(utf8.status == 400);
  CHECK(code(utf8) == "invalid_utf8");
  CHECK(client.Get("/v2/nothing").status == 404);
  auto wrong_method = client.Get("/access/v1/evaluation");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.header("allow") == "POST");
  auto missing = client.Post("/access/v1/evaluation", R"({"action":{"name":"deploy"}})");
  CHECK(missing.status == 400);
  CHECK(code(missing) == "invalid_request");
  CHECK(client.Post("/v1/decide", "[1,2,3]").status == 400);

  // A client that sends its header byte by byte and stops is closed after the timeout.
  RawConnection slow(d.port());
  for (char c : std::string("POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-")) {
    slow.Write(std::string(1, c));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  bool closed = false;
  std::string got = slow.ReadUntilClosed(std::chrono::seconds(20), &closed);
  CHECK(closed);
  CHECK(got.empty());

  // Still serving, and none of the above was recorded.
  HttpClient fresh(d.port());
  CHECK(fresh.Post("/access/v1/evaluation", Eval("alice", "deploy", "m1")).status == 200);
  CHECK(d.LedgerSize() == before + 1);
  CHECK(d.process->Stop() == 0);
}

TEST_CASE("native decide: receipts confirmed by arbiter audit proof; evidence links to them") {
  // A checkpoint with every commit, so the fresh receipt can be proven at once.
  Daemon d({"--checkpoint-every-entries", "1"}, /*auth=*/true);
  HttpClient client(d.port());
  d.Authorize(client);
  auto res = client.Post("/v1/decide?explain=true", Eval("alice", "deploy", "m1"));
  REQUIRE(res.status == 200);
  json r = json::parse(res.body);
  CHECK(r["decision"] == "allow");
  CHECK(r["reasons"][0]["rule"] == "test.deploy.owners_deploy");
  CHECK(r["bundle"].get<std::string>().starts_with("sha256:"));
  CHECK(r.contains("explain"));
  json receipt = r["receipt"];
  uint64_t seq = receipt["seq"];
  std::string decision_id = receipt["decision_id"];

  auto entry = client.Get("/v1/ledger/entries/" + std::to_string(seq));
  REQUIRE(entry.status == 200);
  CHECK(json::parse(entry.body)["kind"] == "decision");
  CHECK(json::parse(entry.body)["entry_hash"] == receipt["entry_hash"]);
  CHECK(client.Get("/v1/ledger/entries/999999").status == 404);
  CHECK(client.Get("/v1/ledger/entries/abc").status == 400);
  auto live_proof = client.Get("/v1/ledger/proof?seq=" + std::to_string(seq));
  CHECK(live_proof.status == 200);
  CHECK(live_proof.body.starts_with("c2sp.org/tlog-proof@v1"));
  CHECK(client.Get("/v1/ledger/proof?seq=999999").status == 404);
  CHECK(client.Get("/v1/ledger/proof").status == 400);
  auto checkpoint = client.Get("/v1/ledger/checkpoint");
  CHECK(checkpoint.status == 200);

  // Evidence: linked to a known decision; an unknown id is 404 and records nothing.
  uint64_t before_evidence = d.LedgerSize();
  json evidence = {{"decision_ids", {decision_id}},
                   {"type", "approval"},
                   {"author", "dana@example.com"},
                   {"body", {{"role", "risk-officer"}}}};
  auto ev = client.Post("/v1/evidence", evidence.dump());
  INFO(ev.body);
  REQUIRE(ev.status == 201);
  uint64_t evidence_seq = json::parse(ev.body)["receipt"]["seq"];
  evidence["decision_ids"] = {decision_id, "no-such-decision"};
  auto unknown = client.Post("/v1/evidence", evidence.dump());
  CHECK(unknown.status == 404);
  CHECK(client.Post("/v1/evidence", R"({"type":"approval"})").status == 400);
  // A review must say what the decision should have been, and why.
  json review = {{"decision_ids", {decision_id}}, {"type", "review"},
                 {"body", {{"expected", "maybe"}, {"reason", "x"}}}};
  auto bad_review = client.Post("/v1/evidence", review.dump());
  CHECK(bad_review.status == 400);
  CHECK(bad_review.body.find("expected") != std::string::npos);
  review["body"] = {{"expected", "deny"}};
  CHECK(client.Post("/v1/evidence", review.dump()).status == 400);
  CHECK(d.LedgerSize() == before_evidence + 1);

  CHECK(d.process->Stop() == 0);
  CHECK(d.Verify() == 0);
  auto evidence_entries = d.Entries("evidence");
  REQUIRE(evidence_entries.size() == 1);
  CHECK(evidence_entries[0]["seq"] == evidence_seq);
  CHECK(evidence_entries[0].dump().find(decision_id) != std::string::npos);
  CHECK(evidence_entries[0]["payload"]["author"] == "tester");
  CHECK(evidence_entries[0]["payload"]["claimed_author"] == "dana@example.com");

  // The receipt's entry hash is in the signed tree: prove it with the CLI, check it here.
  std::string proof_text;
  REQUIRE(RunCommand({kArbiter, "audit", "proof", "--ledger", d.ledger.string(), "--seq",
                      std::to_string(seq)},
                     &proof_text) == 0);
  auto proof = arbiter::ledger::ParseTlogProof(proof_text);
  REQUIRE(proof.ok());
  CHECK(proof->index == seq);
  auto pub = arbiter::ledger::VerifierKey::LoadFile((d.ledger / "arbiter-dev.pub").string());
  REQUIRE(pub.ok());
  std::vector<arbiter::ledger::VerifierKey> trusted = {*pub};
  auto body = arbiter::ledger::OpenNote(proof->checkpoint, trusted);
  REQUIRE(body.ok());
  auto cp = arbiter::ledger::ParseCheckpointBody(*body);
  REQUIRE(cp.ok());
  auto leaf = arbiter::HexDecode(receipt["entry_hash"].get<std::string>());
  REQUIRE(leaf);
  CHECK(arbiter::ledger::VerifyInclusion(seq, cp->size, *leaf, proof->path, cp->root).ok());
}

TEST_CASE("admin API needs the bearer token; policies are checked, swapped and recorded") {
  Daemon d;
  HttpClient client(d.port());
  CHECK(client.Get("/v1/policies").status == 401);
  CHECK(client.Get("/v1/policies", {{"Authorization", "Bearer wrong-token-0123456789"}}).status ==
        401);
  auto current = client.Get("/v1/policies", Admin());
  REQUIRE(current.status == 200);
  std::string v1 = json::parse(current.body)["bundle"];

  json bad = {{"sources", {{{"path", "broken.arbiter"}, {"text", "permit oops {"}}}}};
  CHECK(client.Send("PUT", "/v1/policies", bad.dump(), {{"Content-Type", "application/json"}})
            .status == 401);
  auto rejected = client.Send("PUT", "/v1/policies", bad.dump(), Admin());
  CHECK(rejected.status == 422);
  CHECK(json::parse(rejected.body)["diagnostics"].size() > 0);
  CHECK(json::parse(client.Get("/v1/policies", Admin()).body)["bundle"] == v1);

  CHECK(json::parse(client.Post("/v1/decide", Eval("bob", "read", "m1")).body)["decision"] ==
        "deny");
  json good = {{"sources", {{{"path", "deploy.arbiter"}, {"text", PolicyText("v2")}}}},
               {"reason", "allow reads"}};
  auto swapped = client.Send("PUT", "/v1/policies", good.dump(), Admin());
  INFO(swapped.body);
  REQUIRE(swapped.status == 200);
  std::string v2 = json::parse(swapped.body)["bundle"];
  CHECK(v2 != v1);
  json after = json::parse(client.Post("/v1/decide", Eval("bob", "read", "m1")).body);
  CHECK(after["decision"] == "allow");
  CHECK(after["bundle"] == v2);
  CHECK(d.process->Stop() == 0);
  auto policies = d.Entries("policy");
  REQUIRE(policies.size() == 2);  // start-up and the admin swap
  CHECK(policies[1].dump().find(v2.substr(7)) != std::string::npos);
}

TEST_CASE("hot reload under load: no failed request; SIGTERM; one decision entry per decision") {
  Daemon d;
  HttpClient admin(d.port());
  std::string v1 = json::parse(admin.Get("/v1/policies", Admin()).body)["bundle"];
  std::atomic<bool> stop{false};
  std::atomic<int> decided{0}, failed{0};
  std::set<std::string> bundles_seen;
  std::mutex seen_mutex;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      HttpClient client(d.port());
      while (!stop.load()) {
        auto res = t % 2 ? client.Post("/v1/decide", Eval("alice", "deploy", "m1"))
                         : client.Post("/access/v1/evaluation", Eval("bob", "read", "m1"));
        if (res.status != 200) {
          ++failed;
          continue;
        }
        ++decided;
        if (t % 2) {
          std::lock_guard lock(seen_mutex);
          bundles_seen.insert(json::parse(res.body)["bundle"].get<std::string>());
        }
      }
    });
  }
  std::set<std::string> activated = {v1};
  for (int i = 0; i < 6; ++i) {
    std::string version = i % 2 ? "v1" : "v2";
    json body = {{"sources", {{{"path", "deploy.arbiter"}, {"text", PolicyText(version)}}}}};
    auto res = admin.Send("PUT", "/v1/policies", body.dump(), Admin());
    CHECK(res.status == 200);
    if (res.status == 200) activated.insert(json::parse(res.body)["bundle"].get<std::string>());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  d.process->Signal(SIGHUP);  // reload from disk (v1) under the same load
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& c : clients) c.join();
  CHECK(failed.load() == 0);
  CHECK(decided.load() > 0);
  CHECK(activated.size() == 3);  // from disk, and v1 and v2 sent to the admin API
  for (const auto& b : bundles_seen) CHECK(activated.count(b) == 1);
  CHECK(json::parse(admin.Get("/v1/policies", Admin()).body)["bundle"] == v1);
  admin.Reset();

  CHECK(d.process->Stop(SIGTERM) == 0);
  CHECK(d.process->log().find("final checkpoint") != std::string::npos);
  CHECK(d.Verify() == 0);
  CHECK(d.Entries("decision").size() == static_cast<size_t>(decided.load()));
  CHECK(d.Entries("policy").size() == 8);  // start-up, 6 admin swaps, 1 SIGHUP
}

TEST_CASE("SIGHUP with nothing changed on disk records no activation") {
  Daemon d;
  d.process->Signal(SIGHUP);
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = d.process->log().find("policies unchanged") != std::string::npos;
  }
  INFO(d.process->log());
  CHECK(seen);
  CHECK(d.process->Stop(SIGTERM) == 0);
  CHECK(d.Verify() == 0);
  CHECK(d.Entries("policy").size() == 1);  // start-up only
}

TEST_CASE("fail closed: an unwritable ledger answers deny with the reason and turns unready") {
  Daemon d({}, /*auth=*/true);
  HttpClient client(d.port());
  d.Authorize(client);
  REQUIRE(client.Post("/v1/decide", Eval("alice", "deploy", "m1")).status == 200);
  REQUIRE(client.Get("/health").status == 200);
  // Any further growth of any file of the daemon fails (EFBIG): the ledger cannot be written.
  struct rlimit limit = {1, 1};
  REQUIRE(prlimit(d.process->pid(), RLIMIT_FSIZE, &limit, nullptr) == 0);
  auto res = client.Post("/v1/decide", Eval("alice", "deploy", "m1"));
  INFO(res.body);
  CHECK(res.status == 503);
  json r = json::parse(res.body);
  CHECK(r["decision"] == "deny");
  CHECK(r["receipt"].is_null());
  CHECK(r["error"]["code"] == "ledger_unavailable");
  auto authzen = client.Post("/access/v1/evaluation", Eval("alice", "deploy", "m1"));
  CHECK(authzen.status == 503);
  CHECK(json::parse(authzen.body)["decision"] == false);
  auto health = client.Get("/health");
  CHECK(health.status == 503);
  CHECK(json::parse(health.body)["reason"].get<std::string>().find("ledger") !=
        std::string::npos);
  CHECK(d.process->log().find("fail closed") != std::string::npos);
  auto metrics = client.Get("/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("arbiter_errors_total{kind=\"ledger\"} 0") == std::string::npos);
  CHECK(metrics.body.find("arbiter_ledger_failed 1") != std::string::npos);
  CHECK(json::parse(health.body)["ledger"] == "failed");
  // The storage still fails at shutdown: a clean exit with the documented status (it used
  // to abort in RocksDB, exit 134).
  CHECK(d.process->Stop(SIGTERM) == 75);
}

TEST_CASE("health and metrics") {
  Daemon d({}, /*auth=*/true);
  HttpClient client(d.port());
  d.Authorize(client);
  auto health = client.Get("/health");
  CHECK(health.status == 200);
  CHECK(json::parse(health.body)["status"] == "ready");
  for (int i = 0; i < 3; ++i) client.Post("/v1/decide", Eval("alice", "deploy", "m1"));
  client.Post("/v1/decide", Eval("bob", "deploy", "m1"));
  client.Get("/nope");
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.header("content-type").starts_with("text/plain"));
  CHECK(metrics.body.find("arbiter_decisions_total{result=\"allow\"} 3") != std::string::npos);
  CHECK(metrics.body.find("arbiter_decisions_total{result=\"deny\"} 1") != std::string::npos);
  CHECK(metrics.body.find("arbiter_request_duration_seconds_bucket") != std::string::npos);
  CHECK(metrics.body.find("arbiter_ledger_append_duration_seconds_count 4") != std::string::npos);
  CHECK(metrics.body.find("arbiter_ledger_batch_entries_bucket") != std::string::npos);
  CHECK(metrics.body.find("arbiter_http_responses_total{class=\"4xx\"} 1") != std::string::npos);
}

TEST_CASE("metrics count require_evidence obligations: discharged by the right evidence, then overdue") {
  Daemon d({"--policies", kTestdata + "/obligations"}, /*auth=*/true);
  HttpClient client(d.port());
  d.Authorize(client);
  std::vector<std::string> ids;
  for (const char* who : {"alice", "bob"}) {
    auto r = client.Post("/v1/decide", Eval(who, "approve_payout", "p1"));
    INFO(r.body);
    REQUIRE(r.status == 200);
    ids.push_back(json::parse(r.body)["receipt"]["decision_id"]);
  }
  // The tester holds risk-officer: its approval discharges the first. A monitoring report
  // discharges nothing.
  json approval = {{"decision_ids", {ids[0]}}, {"type", "approval"}};
  REQUIRE(client.Post("/v1/evidence", approval.dump()).status == 201);
  json other = {{"decision_ids", {ids[1]}}, {"type", "monitoring_report"}};
  REQUIRE(client.Post("/v1/evidence", other.dump()).status == 201);
  auto has = [](const std::string& body, const std::string& line) {
    return body.find("\n" + line + "\n") != std::string::npos;
  };
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(has(metrics.body, "arbiter_obligations_recorded_total 2"));
  // Discharged in time or late: the deadline is a second, the machine may be slow.
  bool discharged = has(metrics.body, "arbiter_obligations_discharged_total 1") ||
                    has(metrics.body, "arbiter_obligations_discharged_late_total 1");
  CHECK(discharged);
  // The second is open until its deadline passes, then overdue.
  std::string last;
  for (int i = 0; i < 100; ++i) {
    last = client.Get("/metrics").body;
    if (has(last, "arbiter_obligations_overdue 1")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(last);
  CHECK(has(last, "arbiter_obligations_overdue 1"));
  CHECK(has(last, "arbiter_obligations_open 0"));
  REQUIRE(d.process->Stop() == 0);
  // The ledger says the same, and the evidence carries the roles the daemon checked.
  std::string out;
  int rc = RunCommand({kArbiter, "audit", "obligations", "--ledger", d.ledger.string(),
                       "--format", "json"},
                      &out);
  INFO(out);
  CHECK(rc == 1);  // one overdue
  json report = json::parse(out);
  CHECK(report["counts"]["overdue"] == 1);
  CHECK(report["counts"]["discharged"].get<int>() + report["counts"]["discharged_late"].get<int>() == 1);
  auto evidence = d.Entries("evidence");
  REQUIRE(evidence.size() == 2);
  CHECK(evidence[0]["payload"]["author_roles"].dump().find("risk-officer") != std::string::npos);
}

TEST_CASE("playground endpoints use a scratch ledger; --no-playground keeps them off") {
  Daemon d({"--playground"});
  uint64_t before = d.LedgerSize();
  HttpClient client(d.port());
  auto examples = client.Get("/v1/playground/examples");
  REQUIRE(examples.status == 200);
  json ex = json::parse(examples.body);
  REQUIRE(ex.is_array());
  if (!ex.empty()) CHECK(ex[0].contains("policy"));
  json body = {{"policy", PolicyText("v1")},
               {"entities", ReadText(kTestdata + "/entities.json")},
               {"request", Eval("alice", "deploy", "m1")}};
  json r = json::parse(client.Post("/v1/playground/evaluate", body.dump()).body);
  INFO(r.dump());
  CHECK(r["ok"] == true);
  CHECK(r["decision"]["decision"] == "allow");
  CHECK(r["decision"].contains("explain"));
  CHECK(r["disassembly"].is_string());
  REQUIRE(r["receipt"].is_object());
  auto proof = client.Get("/v1/playground/ledger/proof?seq=" +
                          std::to_string(r["receipt"]["seq"].get<uint64_t>()));
  CHECK(proof.status == 200);
  CHECK(client.Get("/v1/playground/ledger/checkpoint").status == 200);

  body["policy"] = "permit broken {";
  json bad = json::parse(client.Post("/v1/playground/evaluate", body.dump()).body);
  CHECK(bad["ok"] == false);
  CHECK(bad["diagnostics"].size() > 0);
  CHECK(bad["decision"].is_null());
  body["policy"] = PolicyText("v1");
  body["request"] = "{not json";
  json bad_input = json::parse(client.Post("/v1/playground/evaluate", body.dump()).body);
  CHECK(bad_input["ok"] == false);
  CHECK(bad_input["input_errors"][0]["where"] == "request");
  CHECK(d.LedgerSize() == before);  // never the production ledger

  Daemon off({"--no-playground"});
  HttpClient off_client(off.port());
  CHECK(off_client.Get("/v1/playground/examples").status == 404);
  CHECK(off_client.Get("/playground").status == 404);
}

TEST_CASE("TLS with a certificate and key") {
  TempDir certs("tls");
  std::string cert = (certs.path / "cert.pem").string(), key = (certs.path / "key.pem").string();
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                    "-keyout " + key + " -out " + cert + " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  Daemon d({"--tls-cert", cert, "--tls-key", key});
  HttpClient client(d.port(), /*tls=*/true);
  auto res = client.Post("/v1/decide", Eval("alice", "deploy", "m1"));
  CHECK(res.status == 200);
  // The metadata names the https URLs the daemon answers on.
  json c = json::parse(client.Get("/.well-known/authzen-configuration").body);
  std::string base = "https://127.0.0.1:" + std::to_string(d.port());
  CHECK(c == json({{"policy_decision_point", base},
                   {"access_evaluation_endpoint", base + "/access/v1/evaluation"},
                   {"access_evaluations_endpoint", base + "/access/v1/evaluations"}}));
  CHECK(d.process->Stop() == 0);
}

TEST_CASE("AuthZEN metadata: --public-url is the base a proxy publishes") {
  // A trailing slash is not doubled; the search endpoints (not offered) are left out.
  Daemon d({"--public-url", "https://pdp.example.com/base/"});
  HttpClient client(d.port());
  auto res = client.Get("/.well-known/authzen-configuration");
  REQUIRE(res.status == 200);
  CHECK(res.header("content-type").starts_with("application/json"));
  CHECK(json::parse(res.body) ==
        json({{"policy_decision_point", "https://pdp.example.com/base"},
              {"access_evaluation_endpoint", "https://pdp.example.com/base/access/v1/evaluation"},
              {"access_evaluations_endpoint",
               "https://pdp.example.com/base/access/v1/evaluations"}}));
  // The daemon still answers on its own address.
  CHECK(client.Post("/access/v1/evaluation", Eval("alice", "deploy", "m1")).status == 200);
  CHECK(d.process->Stop() == 0);

  Daemon root({"--public-url", "http://pdp.internal:9000"});
  HttpClient root_client(root.port());
  json c = json::parse(root_client.Get("/.well-known/authzen-configuration").body);
  CHECK(c["policy_decision_point"] == "http://pdp.internal:9000");
  CHECK(c["access_evaluation_endpoint"] == "http://pdp.internal:9000/access/v1/evaluation");
  CHECK(root.process->Stop() == 0);
}

TEST_CASE("--public-url must be an http(s) URL without query or fragment") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"ftp://pdp.example.com", "http or https"},
      {"pdp.example.com/base", "http or https"},
      {"https://", "host"},
      {"https:///base", "host"},
      {"https://pdp.example.com/base?tenant=1", "query"},
      {"https://pdp.example.com/#top", "fragment"},
      {"https://user:pw@pdp.example.com", "credentials"},
      {"https://pdp.example.com/a b", "space"},
  };
  for (const auto& [url, reason] : bad) {
    TempDir dir("public-url");
    DaemonProcess p(dir.path, {"--policies", kTestdata + "/v1", "--ledger",
                               (dir.path / "ledger").string(), "--public-url", url});
    INFO(url << ": " << p.log());
    CHECK_FALSE(p.running());
    CHECK(p.start_exit_code() == 1);
    std::string log = p.log();
    CHECK(log.find("--public-url") != std::string::npos);
    CHECK(log.find(reason) != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path / "ledger"));  // refused before anything was opened
  }
  std::string help;
  RunCommand({kArbiter, "serve", "--help"}, &help);
  CHECK(help.find("--public-url") != std::string::npos);
}

TEST_CASE("start-up failures are clear") {
  TempDir dir("bad");
  DaemonProcess broken(dir.path, {"--policies", dir.path.string() + "/missing", "--ledger",
                                  (dir.path / "ledger").string()});
  CHECK_FALSE(broken.running());
  CHECK(broken.start_exit_code() == 1);
  CHECK(broken.log().find("cannot load the policies") != std::string::npos);
}

TEST_CASE("SIGTERM under load: in-flight requests finish, exit 0, one entry per answered decision") {
  Daemon d;
  std::atomic<int> answered{0}, not_200{0};
  std::atomic<bool> started{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      HttpClient client(d.port());
      for (;;) {
        try {
          auto res = client.Post("/v1/decide", Eval("alice", "deploy", "m1"));
          if (res.status == 200) {
            ++answered;
          } else {
            ++not_200;
          }
          started = true;
          if (!res.keep_alive) return;  // the daemon is draining
        } catch (const std::exception&) {
          return;  // closed or refused: the daemon stopped accepting
        }
      }
    });
  }
  while (!started.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(d.process->Stop(SIGTERM) == 0);
  for (auto& c : clients) c.join();
  CHECK(not_200.load() == 0);
  CHECK(answered.load() > 0);
  CHECK(d.Verify() == 0);
  CHECK(d.Entries("decision").size() == static_cast<size_t>(answered.load()));
}

TEST_CASE("serves a compiled bundle; flags from --config; the playground page") {
  TempDir dir("bundle");
  std::string bundle = (dir.path / "deploy.bundle").string();
  std::string out;
  REQUIRE(RunCommand({kArbiter, "build", "-p", kTestdata + "/v2", "-o", bundle}, &out) == 0);
  std::ofstream(dir.path / "token") << kToken << "\n";
  std::ofstream(dir.path / "serve.toml") << "admin-token-file = \"" << (dir.path / "token").string()
                                         << "\"\ndurability = \"none\"\n";
  DaemonProcess d(dir.path, {"--bundle", bundle, "--data", kTestdata + "/entities.json",
                             "--ledger", (dir.path / "ledger").string(), "--config",
                             (dir.path / "serve.toml").string(), "--playground"});
  INFO(d.log());
  REQUIRE(d.running());
  HttpClient client(d.port());
  // v2 lets anyone read; the admin token came from the config file.
  CHECK(json::parse(client.Post("/v1/decide", Eval("bob", "read", "m1")).body)["decision"] ==
        "allow");
  CHECK(client.Get("/v1/policies", Admin()).status == 200);
  CHECK(d.log().find("durability none") != std::string::npos);
  if (fs::exists(ARBITER_SOURCE_DIR "/playground/index.html")) {
    auto page = client.Get("/playground");
    CHECK(page.status == 200);
    CHECK(page.header("content-type").starts_with("text/html"));
  }
  CHECK(d.Stop() == 0);
}

TEST_CASE("what-if: a dry run reports the impact on recorded decisions and changes nothing") {
  Daemon d;
  HttpClient client(d.port());
  // bob may not read m1 under v1; v2 allows reads.
  for (int i = 0; i < 3; ++i) {
    CHECK(json::parse(client.Post("/v1/decide", Eval("bob", "read", "m1")).body)["decision"] ==
          "deny");
  }
  std::string v1 = json::parse(client.Get("/v1/policies", Admin()).body)["bundle"];
  const uint64_t size_before = d.LedgerSize();
  json candidate = {{"sources", {{{"path", "deploy.arbiter"}, {"text", PolicyText("v2")}}}}};
  CHECK(client.Send("PUT", "/v1/policies?dry_run=true", candidate.dump(),
                    {{"Content-Type", "application/json"}})
            .status == 401);
  CHECK(client.Send("PUT", "/v1/policies?dry_run=maybe", candidate.dump(), Admin()).status == 400);
  CHECK(client.Send("PUT", "/v1/policies?dry_run=true&last=0", candidate.dump(), Admin()).status ==
        400);
  CHECK(client.Send("PUT", "/v1/policies?dry_run=true&last=10001", candidate.dump(), Admin())
            .status == 400);
  auto dry = client.Send("PUT", "/v1/policies?dry_run=true", candidate.dump(), Admin());
  INFO(dry.body);
  REQUIRE(dry.status == 200);
  json report = json::parse(dry.body);
  CHECK(report["dry_run"] == true);
  CHECK(report["bundle"] != v1);
  CHECK(report["impact"]["mode"] == "candidate");
  CHECK(report["impact"]["decisions"] == 3);
  CHECK(report["impact"]["differ"] == 3);
  CHECK(report["impact"]["deny_to_allow"] == 3);
  auto last_two = client.Send("PUT", "/v1/policies?dry_run=true&last=2", candidate.dump(), Admin());
  REQUIRE(last_two.status == 200);
  CHECK(json::parse(last_two.body)["impact"]["decisions"] == 2);
  // Nothing activated, nothing recorded.
  CHECK(json::parse(client.Get("/v1/policies", Admin()).body)["bundle"] == v1);
  CHECK(d.LedgerSize() == size_before);
  CHECK(d.process->Stop() == 0);

  // The ledger alone reproduces every decision, and tells the same what-if offline.
  std::string out;
  CHECK(RunCommand({kArbiter, "audit", "replay", "--ledger", d.ledger.string()}, &out) == 0);
  INFO(out);
  CHECK(out.find("3 of 3 reproduced") != std::string::npos);
  CHECK(RunCommand({kArbiter, "audit", "replay", "--ledger", d.ledger.string(), "--policies",
                    kTestdata + "/v2", "--format", "json"},
                   &out) == 0);
  json offline = json::parse(out);
  CHECK(offline["differ"] == 3);
  // The decisions name their data version, recorded once in a data entry.
  auto data = d.Entries("data");
  REQUIRE(data.size() == 1);
  for (const auto& decision : d.Entries("decision")) {
    CHECK(decision["payload"]["data"] == data[0]["payload"]["data"]);
  }
  auto policies = d.Entries("policy");
  REQUIRE(policies.size() == 1);
  CHECK(policies[0]["payload"].contains("bundle_base64"));
  CHECK(policies[0]["payload"]["sources"][0]["text"] == PolicyText("v1"));
}
