#include "dsl/suggest.h"

#include <algorithm>

namespace arbiter::dsl {

size_t EditDistance(std::string_view a, std::string_view b, size_t cap) {
  size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > cap) return cap + 1;
  // Three rows of the dynamic programme (the one before last is needed for transpositions).
  std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > cap) return cap + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[m], cap + 1);
}

std::string Closest(std::string_view word, const std::vector<std::string_view>& candidates) {
  size_t cap = std::max<size_t>(1, word.size() / 3);
  std::string_view best;
  size_t best_distance = cap + 1;
  for (std::string_view c : candidates) {
    if (c == word) continue;
    size_t d = EditDistance(word, c, cap);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return std::string(best);
}

std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates,
                       std::string_view prefix) {
  std::string closest = Closest(word, candidates);
  if (closest.empty()) return std::string();
  return "; did you mean `" + std::string(prefix) + closest + "`?";
}

}  // namespace arbiter::dsl
