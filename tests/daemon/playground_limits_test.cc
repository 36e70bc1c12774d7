// The playground in-process: its routes go through the API policy (loopback, or a principal
// with the playground role), and its scratch ledger is bounded (common/limits.h): a full or
// idle one is replaced by an empty one, so memory stays bounded however long the daemon runs.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <future>

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

  // The receipt's seq of one evaluation.
  uint64_t Evaluate() {
    nlohmann::json body = {
        {"policy", "package p;\npermit everyone { when true }\n"},
        {"request", R"({"subject":{"type":"User","id":"a"},"action":{"name":"read"},)"
                    R"("resource":{"type":"Doc","id":"d"},"context":{}})"}};
    HttpResponse res = Call(http::verb::post, "/v1/playground/evaluate", body.dump());
    REQUIRE(res.result_int() == 200);
    auto answer = nlohmann::json::parse(res.body());
    INFO(answer.dump());
    REQUIRE(answer["receipt"].is_object());
    return answer["receipt"]["seq"].get<uint64_t>();
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
