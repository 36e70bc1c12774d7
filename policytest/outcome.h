// What a test expects and what the engine answered, and the comparison of the two
// (spec/testing.md, "Running"). Kept apart from the engine so the rules of comparison can be
// tested on their own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsl/ast.h"

namespace arbiter::policytest {

using dsl::TestExpect;

struct Expectation {
  TestExpect expect = TestExpect::kDeny;
  std::optional<std::vector<std::string>> reasons;      // qualified rule ids; unset: not compared
  std::optional<std::vector<std::string>> obligations;  // names (advice too); unset: not compared
  std::optional<std::vector<std::string>> errors;  // qualified ids of erring rules; unset: not compared
};

// "allow", "deny", "error", "fail_closed": the word of the `expect` clause.
const char* ExpectWord(TestExpect expect);

struct Outcome {
  bool allow = false;
  bool fail_closed = false;              // Decision::fail_closed
  std::vector<std::string> reasons;      // determining rules, as the engine listed them
  std::vector<std::string> obligations;  // obligation and advice names
  std::vector<std::string> errors;       // "rule: message"
  std::vector<std::string> error_rules;  // the rule of each error, same order
  std::vector<std::string> matched;      // every rule whose condition was true
};

// The failure details, empty when the outcome meets the expectation: "expected allow, got
// deny", "expected an evaluation error, got none (allow)", "expected a fail-closed deny, got
// allow" (or "..., got a deny that did not fail closed"), "expected reasons [a, b], got [c]",
// "expected obligations [..], got [..]", "expected errors [..], got [..]". Lists are compared
// as sorted multisets and printed sorted.
std::vector<std::string> CompareOutcome(const Expectation& expected, const Outcome& got);

// "[a, b]" of the sorted list.
std::string SortedList(std::vector<std::string> items);

}  // namespace arbiter::policytest
