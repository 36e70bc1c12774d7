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

std::vector<std::string> CompareOutcome(const Expectation& expected, const Outcome& got) {
  std::vector<std::string> failures;
  if (expected.allow != got.allow) {
    failures.push_back(std::string("expected ") + DecisionWord(expected.allow) + ", got " +
                       DecisionWord(got.allow));
  }
  if (expected.reasons && Sorted(*expected.reasons) != Sorted(got.reasons)) {
    failures.push_back("expected reasons " + SortedList(*expected.reasons) + ", got " +
                       SortedList(got.reasons));
  }
  if (expected.obligations && Sorted(*expected.obligations) != Sorted(got.obligations)) {
    failures.push_back("expected obligations " + SortedList(*expected.obligations) + ", got " +
                       SortedList(got.obligations));
  }
  return failures;
}

}  // namespace arbiter::policytest
