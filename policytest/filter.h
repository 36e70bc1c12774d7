// `arbiter test --filter GLOB` (spec/testing.md, "Choosing tests"): which tests a run keeps.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace arbiter::policytest {

// Glob match of the whole text: `*` is any run of characters (dots included), `?` any one
// character, everything else itself.
bool GlobMatch(std::string_view pattern, std::string_view text);

// True when `filters` is empty, or when one of them matches the test's bare name or its
// qualified name ("package.name"; the bare name when the test has no package).
bool TestSelected(const std::vector<std::string>& filters, const std::string& package,
                  const std::string& name);

}  // namespace arbiter::policytest
