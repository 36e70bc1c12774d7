// Writing a JSON string literal: the one escaper for JSON text assembled by hand (decisions,
// responses). Escapes `"`, `\` and control characters; everything else, including UTF-8,
// is copied as is. The input must be valid UTF-8 for the output to be valid JSON.
#pragma once

#include <string>
#include <string_view>

namespace arbiter {

void AppendJsonString(std::string* out, std::string_view s);

}  // namespace arbiter
