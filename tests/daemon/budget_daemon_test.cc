// The real `arbiter serve` on a request that would hold a worker for minutes without the
// evaluation budget (spec/language.md 8.1): the daemon answers it (deny, the fail-closed
// forbid ran out of budget), answers the next request normally and exits on SIGTERM. A hang
// is caught by this test's ctest TIMEOUT (tests/daemon/CMakeLists.txt), not by a clock.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

#include "tests/daemon/daemon_process.h"
#include "tests/daemon/http_client.h"

using arbiter::testing::DaemonProcess;
using arbiter::testing::HttpClient;
using arbiter::testing::TempDir;
using json = nlohmann::json;

namespace {

std::string Evaluation(int elements) {
  json s = json::array();
  for (int i = 0; i < elements; ++i) s.push_back(i);
  return json({{"subject", {{"type", "User"}, {"id", "alice"}}},
               {"action", {{"name", "read"}}},
               {"resource", {{"type", "Doc"}, {"id", "d1"}}},
               {"context", {{"s", s}}}})
      .dump();
}

}  // namespace

TEST_CASE("the daemon answers a request past the budget, then the next one, then stops") {
  TempDir dir("budget");
  std::filesystem::create_directories(dir.path / "policies");
  std::ofstream(dir.path / "policies" / "heavy.arbiter") << R"(
    @fail_closed package heavy;
    permit open { when true }
    forbid cubic {
      when any x in context.s : any y in context.s : any z in context.s : x + y + z < 0
      reason "the request is too costly to evaluate"
    }
  )";
  DaemonProcess daemon(dir.path, {"--policies", (dir.path / "policies").string(), "--ledger",
                                  (dir.path / "ledger").string(), "--threads", "1"});
  INFO(daemon.log());
  REQUIRE(daemon.running());
  HttpClient client(daemon.port());

  // 2,000^3 iterations unbounded: minutes. With the budget: a deny naming the budget.
  auto heavy = client.Post("/access/v1/evaluation", Evaluation(2000));
  INFO(heavy.body);
  REQUIRE(heavy.status == 200);
  json h = json::parse(heavy.body);
  CHECK(h["decision"] == false);
  CHECK(h["context"]["reasons"][0]["rule"] == "heavy.cubic");
  CHECK_THAT(heavy.body, Catch::Contains("evaluation budget exceeded"));

  // The one worker is free again.
  auto light = client.Post("/access/v1/evaluation", Evaluation(3));
  INFO(light.body);
  REQUIRE(light.status == 200);
  CHECK(json::parse(light.body)["decision"] == true);

  CHECK(daemon.Stop(SIGTERM) == 0);
}
