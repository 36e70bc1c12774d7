// Writing a JSON string literal: the one escaper for JSON text assembled by hand (decisions,
// responses, canonical ledger records). `"` and `\` are escaped, so are control characters:
// \b \f \n \r \t in their short forms, the rest as \u00xx (lowercase hex); everything else,
// UTF-8 included, is copied as is. This is exactly the canonical JSON string form of
// spec/ledger-format.md (nlohmann's). The input must be valid UTF-8 for valid JSON.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace arbiter {

// The length of the longest prefix of s that a JSON string holds as is: no '"', no '\\',
// no control character. Eight bytes at a time (SWAR): strings are mostly such runs.
inline size_t PlainJsonRun(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, s.data() + i, 8);
    uint64_t quote = v ^ (kOnes * '"'), backslash = v ^ (kOnes * '\\');
    uint64_t special = ((v - kOnes * 0x20) & ~v) |               // a byte below 0x20
                       ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
    if (special & kHigh) break;
  }
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\') break;
    ++i;
  }
  return i;
}

void AppendJsonString(std::string* out, std::string_view s);

}  // namespace arbiter
