#include "daemon/json_input.h"

#include <fmt/format.h>

#include <cctype>

namespace arbiter::daemon {

bool IsJsonContentType(std::string_view content_type) {
  std::string media;
  for (char c : content_type) {
    if (c == ';') break;
    if (c == ' ' || c == '\t') continue;
    media.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (media == "application/json") return true;
  return media.starts_with("application/") && media.ends_with("+json");
}

int JsonNestingDepth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

bool CheckJsonText(std::string_view text, JsonInputError* error) {
  size_t bad = 0;
  if (!IsValidUtf8(text, &bad)) {
    *error = {400, "invalid_utf8", fmt::format("body is not valid UTF-8 (byte offset {})", bad)};
    return false;
  }
  if (JsonNestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    *error = {400, "too_deep",
              fmt::format("JSON nests deeper than the limit of {} levels", kMaxJsonDepth)};
    return false;
  }
  return true;
}

bool CheckJsonBody(std::string_view content_type, std::string_view body, JsonInputError* error) {
  if (!IsJsonContentType(content_type)) {
    *error = {415, "unsupported_media_type",
              content_type.empty()
                  ? std::string("Content-Type must be application/json")
                  : fmt::format("Content-Type must be application/json, not '{}'", content_type)};
    return false;
  }
  return CheckJsonText(body, error);
}

namespace {

bool Parse(std::string_view text, nlohmann::json* out, JsonInputError* error) {
  try {
    *out = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    *error = {400, "invalid_json", fmt::format("malformed JSON: {}", e.what())};
    return false;
  }
  return true;
}

}  // namespace

bool ParseJsonText(std::string_view text, nlohmann::json* out, JsonInputError* error) {
  return CheckJsonText(text, error) && Parse(text, out, error);
}

bool ParseJsonBody(std::string_view content_type, std::string_view body, nlohmann::json* out,
                   JsonInputError* error) {
  return CheckJsonBody(content_type, body, error) && Parse(body, out, error);
}

}  // namespace arbiter::daemon
