// Deciding allocates nothing from the heap after warm-up on the common path (no errors, no
// computed obligation payloads, no explain). Counts calls to the global operator new.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "tests/engine/test_support.h"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace arbiter;

TEST_CASE("a warmed-up decision allocates nothing") {
  Engine engine = testing::CompileOrDie(R"(
    package app;
    permit readers {
      when action == Action::"read" && resource is Doc && subject in resource.team
        && context.ip.isInRange(ip("10.0.0.0/8")) && [1, context.n].contains(2)
        && {k: subject.level}.k > 1 && any t in context.tags : t like "a*"
      reason "team members read"
      obligation log { level: "info" }
    }
    forbid blocked { when subject.blocked }
  )");
  EntityStore store = testing::EntitiesOrDie(R"([
    {"uid":{"type":"Team","id":"t"}},
    {"uid":{"type":"User","id":"alice"},"attrs":{"level":3,"blocked":false},"parents":[{"type":"Team","id":"t"}]},
    {"uid":{"type":"Doc","id":"d1"},"attrs":{"team":{"__entity":{"type":"Team","id":"t"}}}}])");
  Request request = testing::RequestOrDie(testing::SimpleRequest(
      "read", R"({"ip":{"__extn":{"fn":"ip","arg":"10.2.3.4"}},"n":2,"tags":["b","abc"]})"));
  Decision d;
  for (int i = 0; i < 100; ++i) REQUIRE(engine.Decide(request, store, {}, &d).ok());
  REQUIRE(d.allow);
  REQUIRE(d.errors.empty());
  // The constant obligation payload is copied into a string whose capacity is reused only
  // when the vector element survives; measure without obligations first.
  Engine plain = testing::CompileOrDie(R"(
    permit readers {
      when action == Action::"read" && resource is Doc && subject in resource.team
        && context.ip.isInRange(ip("10.0.0.0/8")) && [1, context.n].contains(2)
        && {k: subject.level}.k > 1 && any t in context.tags : t like "a*"
    }
    forbid blocked { when subject.blocked }
  )");
  for (int i = 0; i < 100; ++i) REQUIRE(plain.Decide(request, store, {}, &d).ok());
  REQUIRE(d.allow);
  long before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) (void)plain.Decide(request, store, {}, &d);
  long after = g_allocations.load();
  CHECK(after - before == 0);
  CHECK(d.allow);
}
