#include "policytest/outcome.h"

#include <algorithm>

namespace arbiter::policytest {
namespace {

const char* DecisionWord(bool allow) { return allow ? "allow" : "deny"; }

std::vector<std::string> Sorted(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  return items;
}

}  // namespace

std::string SortedList(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out + "]";
}

const char* ExpectWord(TestExpect expect) {
  switch (expect) {
    case TestExpect::kAllow: return "allow";
    case TestExpect::kDeny: return "deny";
    case TestExpect::kError: return "error";
    case TestExpect::kFailClosed: return "fail_closed";
  }
  return "deny";
}

std::vector<std::string> CompareOutcome(const Expectation& expected, const Outcome& got) {
  std::vector<std::string> failures;
  switch (expected.expect) {
    case TestExpect::kAllow:
    case TestExpect::kDeny: {
      bool allow = expected.expect == TestExpect::kAllow;
      if (allow != got.allow) {
        failures.push_back(std::string("expected ") + DecisionWord(allow) + ", got " +
                           DecisionWord(got.allow));
      }
      break;
    }
    case TestExpect::kError:
      // The decision is not compared: whether an error denies depends on the package.
      if (got.errors.empty()) {
        failures.push_back(std::string("expected an evaluation error, got none (") +
                           DecisionWord(got.allow) + ")");
      }
      break;
    case TestExpect::kFailClosed:
      if (got.allow) {
        failures.push_back("expected a fail-closed deny, got allow");
      } else if (!got.fail_closed) {
        failures.push_back("expected a fail-closed deny, got a deny that did not fail closed");
      }
      break;
  }
  if (expected.reasons && Sorted(*expected.reasons) != Sorted(got.reasons)) {
    failures.push_back("expected reasons " + SortedList(*expected.reasons) + ", got " +
                       SortedList(got.reasons));
  }
  if (expected.obligations && Sorted(*expected.obligations) != Sorted(got.obligations)) {
    failures.push_back("expected obligations " + SortedList(*expected.obligations) + ", got " +
                       SortedList(got.obligations));
  }
  if (expected.errors && Sorted(*expected.errors) != Sorted(got.error_rules)) {
    failures.push_back("expected errors " + SortedList(*expected.errors) + ", got " +
                       SortedList(got.error_rules));
  }
  return failures;
}

}  // namespace arbiter::policytest
