// The one reader of untrusted JSON text: request bodies (the daemon's decision path and its
// DOM path alike), request and entity files, evidence and admin bodies. It keeps the byte
// offset of every node, so an error names the line and column; numbers keep their text so
// integers stay exact (64-bit) and numbers with a fraction can become decimals.
//
// Bounds come from one `Limits` (common/limits.h): nesting depth, values per document, bytes
// per string (after unescaping). The text must be UTF-8 and a key may appear once per object
// (spec/data-format.md). Every check is O(n log n) or better in the size of the text: repeated
// keys are found by sorting each object's keys, and the recursion is at most json_depth deep.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arbiter/status.h>

#include "common/limits.h"

namespace arbiter::engine {

struct JsonNode {
  enum Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject } type = kNull;
  uint32_t offset = 0;  // byte offset of the node's first character
  bool boolean = false;
  std::string text;  // string value, or the number's text
  std::vector<JsonNode> items;        // array items, or object values
  std::vector<std::string> keys;      // object keys (same order as items; distinct)
  std::vector<uint32_t> key_offsets;  // object key positions

  // Linear: for the fixed member names a format defines, not for looking up data.
  const JsonNode* Get(std::string_view key) const;
  std::string_view TypeName() const;
};

// "file:line:col" of a byte offset.
std::string JsonPosition(std::string_view file, std::string_view text, uint32_t offset);

// Why a document was refused; callers that answer in another vocabulary (HTTP) map these.
enum class JsonError : uint8_t {
  kNone,
  kUtf8,          // not UTF-8
  kSyntax,        // not RFC 8259 JSON
  kDuplicateKey,  // a key repeated in one object
  kDepth,         // deeper than Limits::json_depth
  kSize,          // more than Limits::json_values, or a string over Limits::json_string_bytes
};

// What a read did: the error and where, and the work, so tests can pin that it stays
// O(n log n) (key comparisons grow as keys × log keys per object, never keys squared).
struct JsonReadReport {
  JsonError error = JsonError::kNone;
  uint32_t offset = 0;          // where the reader stopped, when error != kNone
  size_t values = 0;            // values read
  size_t key_comparisons = 0;   // key comparisons made to find repeated keys
};

// Parses a whole document within `limits`. Errors are InvalidArgument
// "FILE:LINE:COL: invalid JSON: ..."; a bound exceeded names its Limits field in parentheses.
Result<JsonNode> ParseJson(std::string_view text, std::string_view file,
                           const Limits& limits = kDefaultLimits, JsonReadReport* report = nullptr);

}  // namespace arbiter::engine
