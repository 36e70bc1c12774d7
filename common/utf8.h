// UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace arbiter {

// True when `text` is well-formed UTF-8; otherwise false and, if given, the offset of the
// first byte of the first bad sequence in *bad_offset.
bool IsValidUtf8(std::string_view text, size_t* bad_offset = nullptr);

// Appends the UTF-8 encoding of a Unicode scalar value (not a surrogate, <= U+10FFFF), as
// JSON readers do for \u escapes.
void AppendUtf8(std::string* out, uint32_t code_point);

}  // namespace arbiter
