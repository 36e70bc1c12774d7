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

bool IsValidUtf8(std::string_view text, size_t* bad_offset) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  auto fail = [&](size_t at) {
    if (bad_offset) *bad_offset = at;
    return false;
  };
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return fail(i);
    }
    if (i + len > n) return fail(i);
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return fail(i);
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return fail(i);
    }
    i += len;
  }
  return true;
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

bool ParseJsonText(std::string_view text, nlohmann::json* out, JsonInputError* error) {
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
  try {
    *out = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    *error = {400, "invalid_json", fmt::format("malformed JSON: {}", e.what())};
    return false;
  }
  return true;
}

bool ParseJsonBody(std::string_view content_type, std::string_view body, nlohmann::json* out,
                   JsonInputError* error) {
  if (!IsJsonContentType(content_type)) {
    *error = {415, "unsupported_media_type",
              content_type.empty()
                  ? std::string("Content-Type must be application/json")
                  : fmt::format("Content-Type must be application/json, not '{}'", content_type)};
    return false;
  }
  return ParseJsonText(body, out, error);
}

}  // namespace arbiter::daemon
