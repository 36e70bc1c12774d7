// "Did you mean ...?" for unknown names: the closest known name by edit distance, when it is
// close enough to be what the author meant (a typo, a transposition), else nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace arbiter::dsl {

// The optimal-string-alignment distance (insertions, deletions, substitutions, adjacent
// transpositions), capped: returns `cap + 1` as soon as it must exceed `cap`.
size_t EditDistance(std::string_view a, std::string_view b, size_t cap);

// The candidate closest to `word` within max(1, |word| / 3) edits (ties: the first), or "".
std::string Closest(std::string_view word, const std::vector<std::string_view>& candidates);

// "; did you mean `PREFIX + closest`?" or "" when nothing is close: appended to a message.
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates,
                       std::string_view prefix = {});

}  // namespace arbiter::dsl
