// Turning an HTTP request body into JSON safely: content type, then the one JSON reader
// (engine/json_reader.h) with the bounds of common/limits.h — UTF-8, nesting depth, values,
// string bytes, syntax, repeated keys. Each check fails with the HTTP status the client should
// get, so a bad body is answered before anything is decided or recorded, and nlohmann only
// ever parses a body the reader accepted.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "common/limits.h"
#include "engine/json_reader.h"

namespace arbiter::daemon {

struct JsonInputError {
  unsigned status;    // 400 or 415
  // "unsupported_media_type", "invalid_utf8", "too_deep", "too_large", "invalid_json"
  std::string code;
  std::string message;  // the reader's, with the position: "body:LINE:COL: ..."
};

// True when the Content-Type is application/json (any parameters, any case), or a
// "+json" type such as application/problem+json.
bool IsJsonContentType(std::string_view content_type);

// 415 unless IsJsonContentType.
bool CheckJsonContentType(std::string_view content_type, JsonInputError* error);

// The one reader over the text, within `limits`: every check but the content type. A text that
// passes may be read by any JSON parser without risk to its stack or its time.
bool CheckJsonText(std::string_view text, JsonInputError* error,
                   const Limits& limits = kDefaultLimits);
// Content type, then CheckJsonText.
bool CheckJsonBody(std::string_view content_type, std::string_view body, JsonInputError* error);

// CheckJsonBody, keeping what the reader read: on success *out is the body's tree (byte
// offsets into `body`, numbers with their text as sent). The decision endpoints read their
// requests from it (daemon/authzen.h); no nlohmann DOM is built.
bool ReadJsonBody(std::string_view content_type, std::string_view body, engine::JsonNode* out,
                  JsonInputError* error);

// CheckJsonBody, then nlohmann; on success *out holds the value. Never throws.
bool ParseJsonBody(std::string_view content_type, std::string_view body, nlohmann::json* out,
                   JsonInputError* error);

// Same checks minus content type: for JSON carried inside another JSON string (playground).
bool ParseJsonText(std::string_view text, nlohmann::json* out, JsonInputError* error);

}  // namespace arbiter::daemon
