// Random well-typed policies, entity data and requests for the differential test. The
// vocabulary is small on purpose (a few users, groups, documents and actions) so that rules
// match, miss and fail often; some attributes are optional and some context values change type
// between requests, so missing attributes, type errors and overflows all occur.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "dsl/ast.h"

namespace arbiter::testing {

class PolicyGenerator {
 public:
  explicit PolicyGenerator(uint64_t seed) : rng_(seed) {}

  dsl::PolicySet Policies(int num_rules);
  std::string Entities();
  std::string Request();

 private:
  using ExprPtr = dsl::ExprPtr;
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Uniform(1, 100) <= percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[static_cast<size_t>(Uniform(0, static_cast<int>(N) - 1))];
  }

  ExprPtr Bool(int depth);
  ExprPtr Int(int depth);
  ExprPtr Str(int depth);
  ExprPtr Entity(int depth);
  ExprPtr IntSet(int depth);

  std::mt19937_64 rng_;
  uint32_t next_slot_ = 0;   // next free local slot in the rule being generated
  uint32_t max_slot_ = 0;
  std::vector<uint32_t> int_locals_;  // slots holding ints currently in scope
};

}  // namespace arbiter::testing
