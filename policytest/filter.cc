#include "policytest/filter.h"

namespace arbiter::policytest {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative match with one backtrack point (the last `*`): linear in practice, never
  // exponential, whatever the pattern.
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;
  size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool TestSelected(const std::vector<std::string>& filters, const std::string& package,
                  const std::string& name) {
  if (filters.empty()) return true;
  std::string qualified = package.empty() ? name : package + "." + name;
  for (const std::string& filter : filters) {
    if (GlobMatch(filter, name) || GlobMatch(filter, qualified)) return true;
  }
  return false;
}

}  // namespace arbiter::policytest
