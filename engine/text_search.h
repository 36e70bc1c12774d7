// Substring search in linear time (Knuth-Morris-Pratt), for the pieces of a `like` glob and for
// String.contains: a naive search is |text| x |needle|, which lets one request with a long
// string and a long needle hold a thread for minutes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace arbiter::engine {

// Fills borders[0 .. needle.size()): borders[k] is the length of the longest proper prefix of
// needle[0..k] that is also its suffix.
void ComputeBorders(std::string_view needle, uint32_t* borders);

// The first position >= `from` where `needle` occurs in `text`, or npos; `borders` is
// ComputeBorders(needle). Reads each byte of text[from..] at most twice.
size_t FindLinear(std::string_view text, size_t from, std::string_view needle,
                  const uint32_t* borders);

}  // namespace arbiter::engine
