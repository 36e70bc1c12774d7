// Turning an HTTP request body into JSON safely: content type, UTF-8, nesting depth, syntax.
// Each check fails with the HTTP status the client should get, so a bad body is answered
// before anything is decided or recorded.
#pragma once

#include <nlohmann/json.hpp>

#include "common/utf8.h"

#include <string>
#include <string_view>

namespace arbiter::daemon {

// Deepest array/object nesting accepted. Policies need a handful of levels; the limit keeps a
// hostile 10,000-deep body from costing stack or time anywhere downstream.
inline constexpr int kMaxJsonDepth = 64;

struct JsonInputError {
  unsigned status;    // 400 or 415
  std::string code;   // "unsupported_media_type", "invalid_utf8", "too_deep", "invalid_json"
  std::string message;
};

// True when the Content-Type is application/json (any parameters, any case), or a
// "+json" type such as application/problem+json.
bool IsJsonContentType(std::string_view content_type);

// The deepest nesting of [ and { outside strings; stops counting once past `limit`.
int JsonNestingDepth(std::string_view text, int limit);

// Content type, UTF-8 and depth in that order: every check but the syntax. Bodies that pass
// may be read by any JSON parser without risk to its stack.
bool CheckJsonBody(std::string_view content_type, std::string_view body, JsonInputError* error);
// UTF-8 and depth.
bool CheckJsonText(std::string_view text, JsonInputError* error);

// CheckJsonBody, then the syntax; on success *out holds the value.
// Never throws.
bool ParseJsonBody(std::string_view content_type, std::string_view body, nlohmann::json* out,
                   JsonInputError* error);

// Same checks minus content type: for JSON carried inside another JSON string (playground).
bool ParseJsonText(std::string_view text, nlohmann::json* out, JsonInputError* error);

}  // namespace arbiter::daemon
