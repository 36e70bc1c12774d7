// UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <string_view>

namespace arbiter {

// True when `text` is well-formed UTF-8; otherwise false and, if given, the offset of the
// first byte of the first bad sequence in *bad_offset.
bool IsValidUtf8(std::string_view text, size_t* bad_offset = nullptr);

}  // namespace arbiter
