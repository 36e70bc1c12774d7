// A small JSON reader that keeps the byte offset of every node, so errors in entity and
// request files can name the line and column. Numbers keep their text so integers stay exact
// (64-bit) and numbers with a fraction can become decimals.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arbiter/status.h>

namespace arbiter::engine {

struct JsonNode {
  enum Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject } type = kNull;
  uint32_t offset = 0;  // byte offset of the node's first character
  bool boolean = false;
  std::string text;  // string value, or the number's text
  std::vector<JsonNode> items;        // array items, or object values
  std::vector<std::string> keys;      // object keys (same order as items)
  std::vector<uint32_t> key_offsets;  // object key positions

  const JsonNode* Get(std::string_view key) const;
  std::string_view TypeName() const;
};

// "file:line:col" of a byte offset.
std::string JsonPosition(std::string_view file, std::string_view text, uint32_t offset);

// Parses a whole document (max nesting 128). Errors are InvalidArgument
// "FILE:LINE:COL: invalid JSON: ...".
Result<JsonNode> ParseJson(std::string_view text, std::string_view file);

}  // namespace arbiter::engine
