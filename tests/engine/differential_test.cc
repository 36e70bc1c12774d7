// The VM (with constant folding, the rule index and bundles) against the reference evaluator
// (a plain tree walk) on generated policies, entity data and requests. They must agree on the
// decision, the reasons, the matched rules and the errors (rule and message).
// ARBITER_DIFF_CASES sets the number of cases (default 10000); ARBITER_DIFF_SEED the seed.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "engine/compiler.h"
#include "engine/decide.h"
#include "engine/reference.h"
#include "tests/engine/policy_generator.h"
#include "tests/engine/test_support.h"

using namespace arbiter;

namespace {
uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}
}  // namespace

TEST_CASE("VM and reference evaluator agree on generated cases") {
  const uint64_t cases = EnvNumber("ARBITER_DIFF_CASES", 10000);
  const uint64_t seed = EnvNumber("ARBITER_DIFF_SEED", 20261127);
  const int kRequestsPerPolicySet = 5;
  uint64_t done = 0, allows = 0, with_errors = 0, policy_sets = 0;
  for (uint64_t round = 0; done < cases; ++round) {
    testing::PolicyGenerator gen(seed + round);
    dsl::PolicySet policies = gen.Policies(static_cast<int>(1 + round % 12));
    auto program = engine::CompilePolicySet(policies);
    INFO("seed " << seed + round);
    REQUIRE(program.ok());
    Engine compiled(std::move(program).value());
    // Every few rounds decide through a bundle round trip as well.
    std::optional<Engine> loaded;
    if (round % 4 == 0) {
      auto l = Engine::LoadBundle(compiled.bundle_bytes());
      REQUIRE(l.ok());
      loaded.emplace(std::move(l).value());
    }
    const Engine& engine = loaded ? *loaded : compiled;
    ++policy_sets;
    std::string entities_json = gen.Entities();
    EntityStore store = testing::EntitiesOrDie(entities_json);
    for (int k = 0; k < kRequestsPerPolicySet && done < cases; ++k, ++done) {
      std::string request_json = gen.Request();
      Request request = testing::RequestOrDie(request_json);
      Decision vm;
      REQUIRE(engine.Decide(request, store, {}, &vm).ok());
      engine::ReferenceDecision ref = engine::ReferenceDecide(policies, request.impl(), store.impl());

      std::vector<std::string> vm_reasons, vm_matched;
      for (const auto& r : vm.reasons) vm_reasons.emplace_back(r.rule);
      for (const auto& m : vm.matched) vm_matched.emplace_back(m);
      std::vector<std::pair<std::string, std::string>> vm_errors;
      for (const auto& e : vm.errors) {
        if (e.message.starts_with("obligation ")) continue;  // payloads: not modelled by the oracle
        vm_errors.emplace_back(std::string(e.rule), e.message);
      }
      INFO("request " << request_json);
      INFO("entities " << entities_json);
      INFO(compiled.Disassemble());
      REQUIRE(vm.allow == ref.allow);
      REQUIRE(vm.fail_closed == ref.fail_closed);
      REQUIRE(vm_reasons == ref.reasons);
      REQUIRE(vm_matched == ref.matched);
      REQUIRE(vm_errors == ref.errors);
      allows += vm.allow;
      with_errors += !vm_errors.empty();
    }
  }
  // The generator must exercise both outcomes and errors, or the agreement means little.
  CHECK(allows > cases / 20);
  CHECK(allows < cases - cases / 20);
  CHECK(with_errors > cases / 20);
  WARN("differential: " << done << " cases over " << policy_sets << " policy sets, " << allows
                        << " allow, " << with_errors << " with errors");
}

TEST_CASE("switch dispatch and computed-goto dispatch give identical decisions") {
  const uint64_t cases = EnvNumber("ARBITER_DIFF_CASES", 10000) / 5;
  uint64_t done = 0;
  for (uint64_t round = 0; done < cases; ++round) {
    testing::PolicyGenerator gen(99 + round);
    dsl::PolicySet policies = gen.Policies(static_cast<int>(1 + round % 12));
    auto program = engine::CompilePolicySet(policies);
    REQUIRE(program.ok());
    Engine engine(std::move(program).value());
    EntityStore store = testing::EntitiesOrDie(gen.Entities());
    for (int k = 0; k < 5; ++k, ++done) {
      Request request = testing::RequestOrDie(gen.Request());
      Decision a, b;
      engine::UseSwitchDispatchForTesting(false);
      REQUIRE(engine.Decide(request, store, {true}, &a).ok());
      engine::UseSwitchDispatchForTesting(true);
      REQUIRE(engine.Decide(request, store, {true}, &b).ok());
      engine::UseSwitchDispatchForTesting(false);
      REQUIRE(a.ToJson() == b.ToJson());
    }
  }
}
