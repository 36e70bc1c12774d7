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

bool CheckJsonContentType(std::string_view content_type, JsonInputError* error) {
  if (IsJsonContentType(content_type)) return true;
  *error = {415, "unsupported_media_type",
            content_type.empty()
                ? std::string("Content-Type must be application/json")
                : fmt::format("Content-Type must be application/json, not '{}'", content_type)};
  return false;
}

namespace {

// The 400 for a text the reader refused.
JsonInputError ReadError(const engine::JsonReadReport& report, const Status& status) {
  switch (report.error) {
    case engine::JsonError::kUtf8:
      return {400, "invalid_utf8",
              fmt::format("body is not valid UTF-8 (byte offset {})", report.offset)};
    case engine::JsonError::kDepth:
      return {400, "too_deep", status.message()};
    case engine::JsonError::kSize:
      return {400, "too_large", status.message()};
    default:
      return {400, "invalid_json", status.message()};
  }
}

}  // namespace

bool CheckJsonText(std::string_view text, JsonInputError* error, const Limits& limits) {
  engine::JsonReadReport report;
  auto read = engine::ParseJson(text, "body", limits, &report);
  if (read.ok()) return true;
  *error = ReadError(report, read.status());
  return false;
}

bool ReadJsonBody(std::string_view content_type, std::string_view body, engine::JsonNode* out,
                  JsonInputError* error) {
  if (!CheckJsonContentType(content_type, error)) return false;
  engine::JsonReadReport report;
  auto read = engine::ParseJson(body, "body", kDefaultLimits, &report);
  if (!read.ok()) {
    *error = ReadError(report, read.status());
    return false;
  }
  *out = std::move(read).value();
  return true;
}

bool CheckJsonBody(std::string_view content_type, std::string_view body, JsonInputError* error) {
  return CheckJsonContentType(content_type, error) && CheckJsonText(body, error);
}

namespace {

// Only for text CheckJsonText accepted: bounded, so nlohmann's recursion and time are too.
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
