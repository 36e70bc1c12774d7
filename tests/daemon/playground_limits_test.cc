// The playground in-process: its routes go through the API policy (loopback, or a principal
// with the playground role), and its scratch ledger is bounded (common/limits.h): a full or
// idle one is replaced by an empty one, so memory stays bounded however long the daemon runs.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <future>

#include "common/encoding.h"

#include "daemon/auth_policy.h"
#include "daemon/playground.h"
#include "daemon/router.h"

using namespace arbiter;
using namespace arbiter::daemon;
namespace http = boost::beast::http;

namespace {

const std::string kSource = ARBITER_SOURCE_DIR;
const std::string kToken = "playground-token-0123456789abcdef";

struct Served {
  std::unique_ptr<ApiGuard> guard;
  std::unique_ptr<Playground> playground;
  Router router;

  Served(ApiFacts facts, Limits limits) {
    std::vector<PrincipalEntry> principals = {
        {"dev", {"playground"}, TokenSha256Hex(kToken), ""},
        {"auditor", {"audit"}, TokenSha256Hex(kToken + "-audit"), ""}};
    auto guarded = ApiGuard::Create(kSource + "/stdlib-policies/system-api", principals, facts);
    REQUIRE(guarded.ok());
    guard = std::move(guarded).value();
    PlaygroundOptions options;
    options.page_dir = kSource + "/playground";
    options.stdlib_dir = kSource + "/stdlib-policies";
    options.limits = limits;
    auto created = Playground::Create(options);
    REQUIRE(created.ok());
    playground = std::move(created).value();
    playground->AddRoutes(router, *guard);
  }
  ~Served() { playground->Close(); }

  HttpResponse Call(http::verb method, const std::string& target, const std::string& body = "",
                    const std::string& token = "") {
    HttpRequest req{method, target, 11};
    req.set(http::field::content_type, "application/json");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    req.body() = body;
    req.prepare_payload();
    std::promise<HttpResponse> answered;
    auto future = answered.get_future();
    router.Route(req, [&answered](HttpResponse res) { answered.set_value(std::move(res)); });
    return future.get();
  }

  // The receipt of one evaluation.
  nlohmann::json EvaluateReceipt(const std::string& policy = "package p;\npermit everyone { when true }\n") {
    nlohmann::json body = {
        {"policy", policy},
        {"request", R"({"subject":{"type":"User","id":"a"},"action":{"name":"read"},)"
                    R"("resource":{"type":"Doc","id":"d"},"context":{}})"}};
    HttpResponse res = Call(http::verb::post, "/v1/playground/evaluate", body.dump());
    REQUIRE(res.result_int() == 200);
    auto answer = nlohmann::json::parse(res.body());
    INFO(answer.dump());
    REQUIRE(answer["receipt"].is_object());
    return answer["receipt"];
  }
  // The receipt's seq of one evaluation.
  uint64_t Evaluate() { return EvaluateReceipt()["seq"].get<uint64_t>(); }

  nlohmann::json Json(http::verb method, const std::string& target, const std::string& body,
                      unsigned want) {
    HttpResponse res = Call(method, target, body);
    INFO(target << " answered " << res.result_int() << ": " << res.body());
    REQUIRE(res.result_int() == want);
    return nlohmann::json::parse(res.body());
  }
};

}  // namespace

TEST_CASE("playground: a full scratch ledger is replaced by an empty one") {
  ApiFacts facts;
  facts.loopback = true;
  Limits limits = kDefaultLimits;
  limits.playground_ledger_entries = 3;
  Served s(facts, limits);
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 7; ++i) seqs.push_back(s.Evaluate());
  // Each scratch ledger records the policy once (seq 0), then the decisions.
  CHECK(seqs == std::vector<uint64_t>{1, 2, 1, 2, 1, 2, 1});
  // The current one's entries are proven and its checkpoint served.
  CHECK(s.Call(http::verb::get, "/v1/playground/ledger/proof?seq=1").result_int() == 200);
  CHECK(s.Call(http::verb::get, "/v1/playground/ledger/proof?seq=2").result_int() == 404);
  CHECK(s.Call(http::verb::get, "/v1/playground/ledger/checkpoint").result_int() == 200);
}

TEST_CASE("playground: an idle scratch ledger is dropped") {
  ApiFacts facts;
  facts.loopback = true;
  Limits limits = kDefaultLimits;
  limits.playground_ledger_age_s = 0;  // every scratch ledger is idle at once
  Served s(facts, limits);
  CHECK(s.Evaluate() == 1);
  CHECK(s.Evaluate() == 1);
  CHECK(s.Call(http::verb::get, "/v1/playground/ledger/checkpoint").result_int() == 404);
}

TEST_CASE("playground: on loopback for anyone, elsewhere for the playground role only") {
  ApiFacts facts;
  facts.auth_file = true;
  Served remote(facts, kDefaultLimits);
  CHECK(remote.Call(http::verb::get, "/v1/playground/examples").result_int() == 401);
  CHECK(remote.Call(http::verb::get, "/playground").result_int() == 401);
  CHECK(remote.Call(http::verb::get, "/v1/playground/examples", "", kToken + "-audit")
            .result_int() == 403);
  CHECK(remote.Call(http::verb::get, "/v1/playground/examples", "", kToken).result_int() ==
        200);

  facts.loopback = true;
  Served local(facts, kDefaultLimits);
  CHECK(local.Call(http::verb::get, "/v1/playground/examples").result_int() == 200);
}

TEST_CASE("playground: the entries page carries what an offline verifier needs") {
  ApiFacts facts;
  facts.loopback = true;
  Limits limits = kDefaultLimits;
  limits.http_body_bytes = 1;  // one entry per page
  Served s(facts, limits);
  CHECK(s.Call(http::verb::get, "/v1/playground/ledger/entries").result_int() == 404);
  for (int i = 0; i < 3; ++i) s.Evaluate();  // policy, then three decisions

  std::vector<std::string> raws;
  nlohmann::json page = s.Json(http::verb::get, "/v1/playground/ledger/entries", "", 200);
  const uint64_t size = page["size"].get<uint64_t>();
  CHECK(size == 4);
  auto key = ledger::VerifierKey::Parse(page["public_key"].get<std::string>());
  REQUIRE(key.ok());
  CHECK(key->name() == "arbiter-playground");
  // The checkpoint is signed by the key shown.
  auto text = ledger::OpenNote(page["checkpoint"].get<std::string>(),
                               std::span<const ledger::VerifierKey>(&*key, 1));
  REQUIRE(text.ok());
  s.Evaluate();  // later entries do not change the pages of size 4
  for (;;) {
    REQUIRE(page["entries"].size() == 1);
    const auto& e = page["entries"][0];
    CHECK(e["seq"].get<uint64_t>() == raws.size());
    raws.push_back(e["raw"].get<std::string>());
    // Each proof leads from the entry's exact bytes to a checkpoint of `size` signed by the key.
    auto proven = ledger::VerifyTlogProof(e["proof"].get<std::string>(), raws.back(),
                                          std::span<const ledger::VerifierKey>(&*key, 1));
    REQUIRE(proven.ok());
    CHECK(proven->size == size);
    if (page["next"].is_null()) break;
    page = s.Json(http::verb::get,
                  fmt::format("/v1/playground/ledger/entries?size={}&from={}", size,
                              page["next"].get<uint64_t>()),
                  "", 200);
    CHECK(page["size"] == size);
  }
  REQUIRE(raws.size() == size);
  // The chain: each entry names the hash of the one before.
  std::string prev(64, '0');
  for (const auto& raw : raws) {
    CHECK(nlohmann::json::parse(raw)["prev"] == prev);
    auto leaf = ledger::LeafHash(raw);
    prev = HexEncode(std::span<const uint8_t>(leaf.data(), leaf.size()));
  }
  CHECK(s.Call(http::verb::get, "/v1/playground/ledger/entries?from=x").result_int() == 400);
  CHECK(s.Call(http::verb::get, "/v1/playground/ledger/entries?size=99").result_int() == 404);
}

TEST_CASE("playground: what-if replays the scratch decisions under the edited policy") {
  ApiFacts facts;
  facts.loopback = true;
  Served s(facts, kDefaultLimits);
  s.Evaluate();
  s.Evaluate();
  nlohmann::json same =
      s.Json(http::verb::post, "/v1/playground/whatif",
             nlohmann::json{{"policy", "package p;\npermit everyone { when true }\n"}}.dump(), 200);
  CHECK(same["ok"] == true);
  CHECK(same["impact"]["decisions"] == 2);
  CHECK(same["impact"]["differ"] == 0);
  nlohmann::json flipped =
      s.Json(http::verb::post, "/v1/playground/whatif",
             nlohmann::json{{"policy", "package p;\npermit nobody { when false }\n"}}.dump(), 200);
  CHECK(flipped["ok"] == true);
  CHECK(flipped["impact"]["differ"] == 2);
  CHECK(flipped["impact"]["allow_to_deny"] == 2);
  CHECK(flipped["impact"]["by_rule"][0]["name"] == "p.everyone");
  nlohmann::json broken = s.Json(http::verb::post, "/v1/playground/whatif",
                                 nlohmann::json{{"policy", "package p;\npermit {"}}.dump(), 200);
  CHECK(broken["ok"] == false);
  CHECK(!broken["diagnostics"].empty());
  CHECK(s.Call(http::verb::post, "/v1/playground/whatif", "{}").result_int() == 400);
}

TEST_CASE("playground: a review is checked and recorded as review evidence") {
  ApiFacts facts;
  facts.loopback = true;
  Served s(facts, kDefaultLimits);
  std::string id = s.EvaluateReceipt()["decision_id"].get<std::string>();
  auto review = [&](nlohmann::json body, unsigned want) {
    return s.Json(http::verb::post, "/v1/playground/ledger/review", body.dump(), want);
  };
  nlohmann::json bad = review({{"decision_id", id}, {"expected", "maybe"}, {"reason", "x"}}, 400);
  CHECK(bad["error"]["message"].get<std::string>().find("expected") != std::string::npos);
  review({{"decision_id", id}, {"expected", "deny"}}, 400);
  review({{"expected", "deny"}, {"reason", "x"}}, 400);
  review({{"decision_id", "no-such-id"}, {"expected", "deny"}, {"reason", "x"}}, 404);
  nlohmann::json ok =
      review({{"decision_id", id}, {"expected", "deny"}, {"reason", "contractors may not"}}, 201);
  uint64_t seq = ok["receipt"]["seq"].get<uint64_t>();
  nlohmann::json page = s.Json(http::verb::get, "/v1/playground/ledger/entries", "", 200);
  REQUIRE(page["entries"].size() == seq + 1);
  auto entry = nlohmann::json::parse(page["entries"][seq]["raw"].get<std::string>());
  CHECK(entry["kind"] == "evidence");
  CHECK(entry["payload"]["type"] == "review");
  CHECK(entry["payload"]["decision_ids"] == nlohmann::json::array({id}));
  CHECK(entry["payload"]["body"] ==
        nlohmann::json{{"expected", "deny"}, {"reason", "contractors may not"}});
}

TEST_CASE("playground: a review by an authenticated principal records its roles") {
  ApiFacts facts;
  facts.auth_file = true;
  Served s(facts, kDefaultLimits);
  nlohmann::json evaluate = {
      {"policy", "package p;\npermit everyone { when true }\n"},
      {"request", R"({"subject":{"type":"User","id":"a"},"action":{"name":"read"},)"
                  R"("resource":{"type":"Doc","id":"d"},"context":{}})"}};
  HttpResponse decided = s.Call(http::verb::post, "/v1/playground/evaluate", evaluate.dump(), kToken);
  REQUIRE(decided.result_int() == 200);
  std::string id = nlohmann::json::parse(decided.body())["receipt"]["decision_id"].get<std::string>();
  nlohmann::json review = {{"decision_id", id}, {"expected", "deny"}, {"reason", "not for everyone"}};
  CHECK(s.Call(http::verb::post, "/v1/playground/ledger/review", review.dump()).result_int() == 401);
  HttpResponse reviewed = s.Call(http::verb::post, "/v1/playground/ledger/review", review.dump(), kToken);
  REQUIRE(reviewed.result_int() == 201);
  uint64_t seq = nlohmann::json::parse(reviewed.body())["receipt"]["seq"].get<uint64_t>();
  HttpResponse page = s.Call(http::verb::get, "/v1/playground/ledger/entries", "", kToken);
  REQUIRE(page.result_int() == 200);
  auto entry = nlohmann::json::parse(
      nlohmann::json::parse(page.body())["entries"][seq]["raw"].get<std::string>());
  CHECK(entry["payload"]["author"] == "dev");
  CHECK(entry["payload"]["author_roles"] == nlohmann::json::array({"playground"}));
}
