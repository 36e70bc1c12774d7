// Many threads deciding on one engine get exactly the single-threaded answers.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "tests/engine/policy_generator.h"
#include "tests/engine/test_support.h"

using namespace arbiter;

TEST_CASE("many threads, one bundle, results identical to single-threaded") {
  Engine engine = testing::CompileOrDie(R"(
    package app;
    permit readers { when action == Action::"read" && subject in Group::"readers" reason "r" }
    permit owners { when resource.owner == subject obligation log { who: subject.name } }
    forbid big { when resource.size * context.factor > 1000 }
    forbid night { when context.hour < 6 || context.hour > 22 }
  )");
  EntityStore store = testing::EntitiesOrDie(R"([
    {"uid":{"type":"Group","id":"readers"}},
    {"uid":{"type":"User","id":"u0"},"attrs":{"name":"zero"},"parents":[{"type":"Group","id":"readers"}]},
    {"uid":{"type":"User","id":"u1"},"attrs":{"name":"one"}},
    {"uid":{"type":"Doc","id":"d0"},"attrs":{"owner":{"__entity":{"type":"User","id":"u1"}},"size":10}},
    {"uid":{"type":"Doc","id":"d1"},"attrs":{"owner":{"__entity":{"type":"User","id":"u0"}},"size":9223372036854775807}}
  ])");
  std::vector<Request> requests;
  std::vector<std::string> expected;
  for (int i = 0; i < 64; ++i) {
    std::string req = "{\"subject\":{\"type\":\"User\",\"id\":\"u" + std::to_string(i % 2) +
                      "\"},\"action\":{\"name\":\"" + (i % 3 ? "read" : "write") +
                      "\"},\"resource\":{\"type\":\"Doc\",\"id\":\"d" + std::to_string(i / 2 % 2) +
                      "\"},\"context\":{\"factor\":" + std::to_string(i % 5) +
                      ",\"hour\":" + std::to_string(i % 24) + "}}";
    requests.push_back(testing::RequestOrDie(req));
    Decision d;
    REQUIRE(engine.Decide(requests.back(), store, {}, &d).ok());
    expected.push_back(d.ToJson());
  }
  const int kThreads = 8, kRounds = 300;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Decision d;
      for (int round = 0; round < kRounds; ++round) {
        for (size_t i = 0; i < requests.size(); ++i) {
          size_t k = (i * 7 + static_cast<size_t>(t) + static_cast<size_t>(round)) % requests.size();
          (void)engine.Decide(requests[k], store, {}, &d);
          if (d.ToJson() != expected[k]) ++mismatches[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) CHECK(m == 0);
  // The answers are not all the same, so the comparison means something.
  std::set<std::string> distinct(expected.begin(), expected.end());
  CHECK(distinct.size() > 4);
}
