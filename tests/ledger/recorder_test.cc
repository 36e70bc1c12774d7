// The recorder: engine decisions and policy sets become ledger records; `arbiter eval
// --ledger` records what it prints.
#include <sys/wait.h>

#include <cstdlib>
#include <future>
#include <fstream>
#include <sstream>

#include "recorder/recorder.h"
#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

namespace {

constexpr const char* kPolicy = R"(permit read_ok { when action == Action::"read" reason "reading is fine" }
forbid no_write { when action == Action::"write" reason "no writes" })";

Engine Compile() {
  CompileResult r = Engine::CompileSources({{"test.arbiter", kPolicy}});
  INFO(r.FormattedDiagnostics());
  REQUIRE(r.ok());
  return std::move(*r.engine);
}

std::string RequestJson(const std::string& action) {
  return R"({"subject":{"type":"User","id":"alice"},"action":{"name":")" + action +
         R"("},"resource":{"type":"Doc","id":"d1"},"context":{}})";
}

Decision Decide(const Engine& engine, const std::string& request) {
  auto d = engine.DecideJson(request, EntityStore());
  REQUIRE(d.ok());
  return std::move(d).value();
}

}  // namespace

TEST_CASE("recorder: a decision record holds the eval JSON and the request") {
  Engine engine = Compile();
  std::string request = RequestJson("write");
  Decision decision = Decide(engine, request);
  auto record = recorder::MakeDecisionRecord(decision, request, {"dec-1", false, {}});
  REQUIRE(record.ok());
  CHECK(record->kind == "decision");
  CHECK(record->decision_id == "dec-1");
  auto payload = nlohmann::json::parse(record->payload);
  auto eval = nlohmann::json::parse(decision.ToJson());
  CHECK(payload["decision"] == "deny");
  CHECK(payload["reasons"] == eval["reasons"]);
  CHECK(payload["obligations"] == eval["obligations"]);
  CHECK(payload["errors"] == eval["errors"]);
  CHECK(payload["bundle"] == engine.digest());
  CHECK(payload["request"] == nlohmann::json::parse(request));
  auto digest_only = recorder::MakeDecisionRecord(decision, request, {"", true, {}});
  REQUIRE(digest_only.ok());
  CHECK(digest_only->payload.find("alice") == std::string::npos);
  CHECK_FALSE(recorder::MakeDecisionRecord(decision, "{not json", {}).ok());
}

TEST_CASE("recorder: the fast record writer gives the bytes of the nlohmann construction") {
  // Obligations with computed payloads (strings with escapes, a decimal, an ip, a nested
  // record), advice, an evaluation error, and requests written in every style.
  CompileResult compiled = Engine::CompileSources({{"p.arbiter", R"(
@fail_closed package p;
permit read_ok {
  when action == Action::"read"
  reason "reading \"quoted\" is fine"
  obligation notify { z_last: 1, channel: context.channel, nested: { b: 2, a: [1, 2] },
                      limit: decimal("1.5"), from: ip("10.0.0.1") }
  advice log_it
}
forbid overflow {
  when action == Action::"count" && context.n + 9223372036854775807 > 0
  reason "counts"
}
permit counted { when action == Action::"count" }
// Fails closed on a request without `clearance`.
forbid cleared { when action == Action::"file" && context.clearance < 2 }
permit filed { when action == Action::"file" })"}});
  INFO(compiled.FormattedDiagnostics());
  REQUIRE(compiled.ok());
  const Engine& engine = *compiled.engine;
  std::vector<std::string> requests = {
      R"({"subject":{"type":"User","id":"alice"},"action":{"name":"read"},"resource":{"type":"Doc","id":"d1"},"context":{"channel":"tab\there \u00e9 /"}})",
      "{ \"resource\" : {\"id\":\"d1\", \"type\":\"Doc\"},\n  \"action\":{\"name\":\"read\"},\n"
      "  \"subject\":{\"type\":\"User\",\"id\":\"al\\\"ice\", \"properties\":{\"n\":-0,\"big\":-9223372036854775808}},"
      " \"context\":{\"channel\":\"\\ud83d\\ude00\"} }",
      R"({"subject":{"type":"User","id":"bob"},"action":{"name":"count"},"resource":{"type":"Doc","id":"d1"},"context":{"n":5}})",
      R"({"subject":{"type":"User","id":"bob"},"action":{"name":"write"},"resource":{"type":"Doc","id":"d1"},"context":{"score":0.75}})",
      R"({"subject":{"type":"User","id":"bob"},"action":{"name":"file"},"resource":{"type":"Doc","id":"d1"},"context":{}})",
  };
  bool saw_fail_closed = false;
  for (const auto& request : requests) {
    INFO(request);
    Decision decision = Decide(engine, request);
    for (bool digest_only : {false, true}) {
      auto fast = recorder::MakeDecisionRecord(decision, request, {"dec-\"1\"", digest_only, {}});
      REQUIRE(fast.ok());
      DecisionRecord reference;
      reference.decision_id = "dec-\"1\"";
      reference.request = nlohmann::json::parse(request);
      reference.request_digest_only = digest_only;
      reference.decision = decision.allow ? "allow" : "deny";
      reference.fail_closed = decision.fail_closed;
      saw_fail_closed |= decision.fail_closed;
      auto eval = nlohmann::json::parse(decision.ToJson());
      reference.reasons = eval["reasons"];
      reference.obligations = eval["obligations"];
      reference.errors = eval["errors"];
      reference.bundle_digest = std::string(decision.bundle);
      auto expected = reference.ToRecord();
      REQUIRE(expected.ok());
      CHECK(fast->payload == expected->payload);
      CHECK(fast->decision_id == "dec-\"1\"");
      CHECK_FALSE(fast->fresh_decision_id);
    }
    auto generated = recorder::MakeDecisionRecord(decision, request);
    REQUIRE(generated.ok());
    CHECK(generated->fresh_decision_id);
    CHECK(nlohmann::json::parse(generated->payload)["decision_id"] == generated->decision_id);
  }
  CHECK(saw_fail_closed);
  auto failed = recorder::MakeDecisionRecord(Decide(engine, requests.back()), requests.back());
  REQUIRE(failed.ok());
  CHECK(nlohmann::json::parse(failed->payload)["fail_closed"] == true);
  CHECK_FALSE(recorder::MakeDecisionRecord(Decide(engine, requests[0]), "{\"a\":", {}).ok());
}

TEST_CASE("recorder: the policy activation is recorded once per bundle") {
  Engine engine = Compile();
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions());
  REQUIRE(ledger.ok());
  auto first = recorder::EnsurePolicyRecorded(**ledger, engine, "test");
  REQUIRE(first.ok());
  CHECK(*first == 0);
  auto policy = (*ledger)->Get(0)->ToJson();
  CHECK(policy["kind"] == "policy");
  CHECK(policy["payload"]["bundle"] == engine.digest());
  CHECK(policy["payload"]["sources"][0]["path"] == "test.arbiter");
  CHECK(policy["payload"]["sources"][0]["digest"].get<std::string>().starts_with("sha256:"));
  auto receipt = recorder::RecordDecision(**ledger, Decide(engine, RequestJson("read")),
                                          RequestJson("read"));
  REQUIRE(receipt.ok());
  CHECK(receipt->seq == 1);
  auto again = recorder::EnsurePolicyRecorded(**ledger, engine, "test");
  REQUIRE(again.ok());
  CHECK(*again == 0);
  CHECK((*ledger)->Size() == 2);
  std::promise<Result<Receipt>> p;
  recorder::RecordDecisionAsync(**ledger, Decide(engine, RequestJson("write")), RequestJson("write"),
                                {}, [&p](Result<Receipt> r) { p.set_value(std::move(r)); });
  auto async = p.get_future().get();
  REQUIRE(async.ok());
  CHECK(async->seq == 2);
  CHECK((*ledger)->HasDecision(async->decision_id).value());
}

TEST_CASE("cli: arbiter eval --ledger records the bundle once and each decision") {
  TempDir scratch("ledger-eval");
  std::filesystem::create_directories(scratch.path);
  auto policy = scratch.path / "p.arbiter";
  { std::ofstream(policy) << kPolicy; }
  auto request = scratch.path / "r.json";
  { std::ofstream(request) << RequestJson("read"); }
  auto keys = WriteKeyFiles(TestKey(), (scratch.path / "keys").string());
  REQUIRE(keys.ok());
  std::string dir = (scratch.path / "ledger").string();
  auto out = scratch.path / "out", err = scratch.path / "err";
  std::string cmd = std::string(ARBITER_BINARY_DIR) + "/arbiter eval -p " + policy.string() + " -i " +
                    request.string() + " --ledger " + dir + " --key " + keys->first + " >" +
                    out.string() + " 2>" + err.string();
  for (int i = 0; i < 2; ++i) {
    int status = std::system(cmd.c_str());
    std::ifstream e(err);
    std::stringstream ss;
    ss << e.rdbuf();
    INFO(ss.str());
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
  }
  auto ledger = Ledger::OpenReadOnly(dir);
  REQUIRE(ledger.ok());
  CHECK((*ledger)->Size() == 3);  // one policy activation, two decisions
  CHECK((*ledger)->Get(0)->kind == "policy");
  CHECK((*ledger)->Get(1)->kind == "decision");
  CHECK((*ledger)->Get(2)->kind == "decision");
  std::ifstream printed(out);
  std::string line;
  std::getline(printed, line);
  auto recorded = (*ledger)->Get(2)->ToJson()["payload"];
  auto eval = nlohmann::json::parse(line);
  CHECK(recorded["decision"] == eval["decision"]);
  CHECK(recorded["reasons"] == eval["reasons"]);
  auto report = (*ledger)->Verify(TrustedOptions());
  CHECK(report.ok);

  // No key: refused before anything is decided or printed.
  std::string no_key = std::string(ARBITER_BINARY_DIR) + "/arbiter eval -p " + policy.string() +
                       " -i " + request.string() + " --ledger " + dir + " >/dev/null 2>&1";
  int status = std::system(no_key.c_str());
  CHECK(WEXITSTATUS(status) != 0);
  // A key that is not the ledger's: fail closed, nothing printed.
  auto other = WriteKeyFiles(TestKey("other.example/key"), (scratch.path / "other").string());
  REQUIRE(other.ok());
  std::string wrong = std::string(ARBITER_BINARY_DIR) + "/arbiter eval -p " + policy.string() +
                      " -i " + request.string() + " --ledger " + dir + " --key " + other->first +
                      " >" + out.string() + " 2>/dev/null";
  status = std::system(wrong.c_str());
  CHECK(WEXITSTATUS(status) == 1);
  std::ifstream empty(out);
  CHECK(empty.peek() == std::ifstream::traits_type::eof());
}
