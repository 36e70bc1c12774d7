#include "engine/text_search.h"

namespace arbiter::engine {

void ComputeBorders(std::string_view needle, uint32_t* borders) {
  if (needle.empty()) return;
  borders[0] = 0;
  uint32_t k = 0;
  for (size_t i = 1; i < needle.size(); ++i) {
    while (k > 0 && needle[i] != needle[k]) k = borders[k - 1];
    if (needle[i] == needle[k]) ++k;
    borders[i] = k;
  }
}

size_t FindLinear(std::string_view text, size_t from, std::string_view needle,
                  const uint32_t* borders) {
  if (needle.empty()) return from <= text.size() ? from : std::string_view::npos;
  size_t k = 0;  // bytes of needle matched so far
  for (size_t i = from; i < text.size(); ++i) {
    while (k > 0 && text[i] != needle[k]) k = borders[k - 1];
    if (text[i] == needle[k] && ++k == needle.size()) return i + 1 - k;
  }
  return std::string_view::npos;
}

}  // namespace arbiter::engine
