// Canonical JSON text straight from JSON text, for the hot path of recording decisions.
//
// The ledger's canonical form (spec/ledger-format.md, "Canonical JSON") is defined as what
// nlohmann/json writes for a parsed value: no whitespace, object keys sorted by their UTF-8
// bytes, strings escaped the nlohmann way. CanonicalizeJson produces exactly those bytes
// without building a DOM of heap nodes: one pass over the text into a flat token array that
// is reused by the calling thread, then one pass out.
//
// It handles the JSON that policy requests and decisions are made of. Valid JSON it does not
// rewrite itself is reported as kUnsupported so the caller can take the nlohmann path:
// numbers with a fraction or exponent (their shortest round-trip form is nlohmann's to
// choose), integers outside 64 bits, objects with a repeated key, nesting deeper than
// kMaxCanonicalDepth. tests/common/canonical_json_test.cc checks it against nlohmann.
//
// It writes, it does not guard: untrusted text reaches it only after the JSON reader
// (engine/json_reader.h) accepted it within Limits, and its depth bound is that reader's, so
// whatever the reader accepts it can rewrite. Its own work is O(n log n) (keys are sorted).
#pragma once

#include <string>
#include <string_view>

#include "common/limits.h"

namespace arbiter {

inline constexpr int kMaxCanonicalDepth = static_cast<int>(kDefaultLimits.json_depth);

enum class CanonicalJsonResult {
  kOk,           // *out holds the canonical text
  kInvalid,      // not JSON (or not UTF-8): nlohmann would refuse it too
  kUnsupported,  // valid, but outside what this fast path rewrites; use nlohmann
};

// Replaces *out with the canonical form of `text` when kOk; leaves it unspecified otherwise.
CanonicalJsonResult CanonicalizeJson(std::string_view text, std::string* out);

}  // namespace arbiter
