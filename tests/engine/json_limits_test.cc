// The JSON reader's bounds (common/limits.h, spec/security.md "Limits"): depth, string length
// and value count, each refused with the file, line and column where the reader stopped and
// the name of the limit, for requests and entity data alike.
#include <catch2/catch.hpp>

#include <string>

#include "common/limits.h"
#include "engine/json_reader.h"
#include "tests/engine/test_support.h"

using namespace arbiter;

namespace {

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string RequestWith(const std::string& value) {
  return testing::SimpleRequest("read", R"({"v":)" + value + "}");
}

std::string RequestError(const std::string& json) {
  auto r = Request::FromJson(json, "req.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  return r.status().message();
}

std::string EntityError(const std::string& json) {
  auto s = EntityStore::FromJson(json, "data.json");
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == StatusCode::kInvalidArgument);
  return s.status().message();
}

// "FILE:1:COL: " for the byte offset `at` of a one-line text.
std::string At(const std::string& file, size_t at) {
  return file + ":1:" + std::to_string(at + 1) + ": ";
}

}  // namespace

TEST_CASE("nesting past json_depth is refused where it happens, in requests and entity data") {
  const size_t limit = kDefaultLimits.json_depth;
  // The request object and its context are two levels: the value may nest limit - 2 more.
  CHECK(Request::FromJson(RequestWith(Nested(limit - 2)), "req.json").ok());
  std::string deep = RequestWith(Nested(limit - 1));
  size_t at = deep.find(std::string(limit - 1, '[')) + limit - 2;  // the bracket one too deep
  CHECK(RequestError(deep) == At("req.json", at) + "invalid JSON: nested deeper than " +
                                  std::to_string(limit) + " levels (json_depth)");
  // Far past the limit: the same error at the same place, no stack used per level.
  std::string hostile = RequestWith(Nested(100'000));
  CHECK(RequestError(hostile) == At("req.json", at) + "invalid JSON: nested deeper than " +
                                     std::to_string(limit) + " levels (json_depth)");
  std::string data = "[" + Nested(limit) + "]";
  CHECK(EntityError(data) == At("data.json", limit) + "invalid JSON: nested deeper than " +
                                 std::to_string(limit) + " levels (json_depth)");
}

TEST_CASE("a string past json_string_bytes is refused at its start") {
  const size_t limit = kDefaultLimits.json_string_bytes;
  CHECK(Request::FromJson(RequestWith("\"" + std::string(limit, 'a') + "\""), "req.json").ok());
  std::string body = RequestWith("\"" + std::string(limit + 1, 'a') + "\"");
  size_t at = body.find("\"aaa");
  CHECK(RequestError(body) == At("req.json", at) + "invalid JSON: a string longer than " +
                                  std::to_string(limit) + " bytes (json_string_bytes)");
  // Measured after unescaping: limit + 1 bytes written as escapes.
  std::string escaped = "\"";
  for (size_t i = 0; i <= limit; ++i) escaped += "\\n";
  CHECK(RequestError(RequestWith(escaped + "\"")).find("(json_string_bytes)") != std::string::npos);
  // Keys too.
  std::string key = R"([{"uid":{"type":"A","id":"1"},"attrs":{")" + std::string(limit + 1, 'k') +
                    R"(":1}}])";
  CHECK(EntityError(key).find("(json_string_bytes)") != std::string::npos);
}

TEST_CASE("a document of more than json_values values is refused at the first one too many") {
  const size_t limit = kDefaultLimits.json_values;
  // [0,0,...]: the array itself is one value, so limit - 1 zeros fit and one more does not.
  auto array_of = [](size_t n) {
    std::string s = "[";
    for (size_t i = 0; i < n; ++i) s += i ? ",0" : "0";
    return s + "]";
  };
  CHECK(EntityError("[{\"uid\":{\"type\":\"A\",\"id\":\"1\"},\"attrs\":{\"z\":" +
                    array_of(limit) + "}}]")
            .find("invalid JSON: more than " + std::to_string(limit) +
                  " values in one document (json_values)") != std::string::npos);
  std::string ok = array_of(limit - 1);
  CHECK(EntityError(ok).find("an entity must be an object") != std::string::npos);
  std::string over = array_of(limit);
  CHECK(EntityError(over) == At("data.json", over.size() - 2) + "invalid JSON: more than " +
                                 std::to_string(limit) + " values in one document (json_values)");
}

TEST_CASE("invalid UTF-8 in a request or entity file is refused with its position") {
  std::string body = RequestWith("\"caf\xc3\"");
  size_t at = body.find("\xc3");
  CHECK(RequestError(body) == At("req.json", at) + "invalid JSON: not valid UTF-8");
}

TEST_CASE("finding repeated keys costs O(n log n) key comparisons, not O(n^2)") {
  constexpr size_t kKeys = 80'000;
  std::string text = "{";
  for (size_t i = 0; i < kKeys; ++i) {
    if (i) text += ',';
    text += "\"k" + std::to_string(kKeys - i) + "\":0";  // descending: no sorted fast path
  }
  engine::JsonReadReport report;
  REQUIRE(engine::ParseJson(text + "}", "t.json", kDefaultLimits, &report).ok());
  CHECK(report.values == kKeys + 1);
  // A merge sort compares at most n log2 n times, plus one pass for the repeats.
  CHECK(report.key_comparisons <= kKeys * 17 + kKeys);
  // The repeat is found with the same bound, and named where it is.
  std::string repeated = text + ",\"k7\":1}";
  auto r = engine::ParseJson(repeated, "t.json", kDefaultLimits, &report);
  REQUIRE_FALSE(r.ok());
  CHECK(report.error == engine::JsonError::kDuplicateKey);
  CHECK(report.offset == repeated.rfind("\"k7\""));
  CHECK(report.key_comparisons <= (kKeys + 1) * 18);
  // Small objects, as requests are made of, are checked pairwise: at most n(n-1)/2.
  REQUIRE(engine::ParseJson(R"({"a":1,"b":2,"c":3})", "t.json", kDefaultLimits, &report).ok());
  CHECK(report.key_comparisons == 3);
}

TEST_CASE("limits other than the defaults are the reader's bounds") {
  Limits tight;
  tight.json_depth = 2;
  tight.json_values = 4;
  tight.json_string_bytes = 3;
  engine::JsonReadReport report;
  CHECK(engine::ParseJson("[[1]]", "t", tight, &report).ok());
  CHECK_FALSE(engine::ParseJson("[[[1]]]", "t", tight, &report).ok());
  CHECK(report.error == engine::JsonError::kDepth);
  CHECK(report.offset == 2);
  CHECK(engine::ParseJson("[1,2,3]", "t", tight, &report).ok());
  CHECK_FALSE(engine::ParseJson("[1,2,3,4]", "t", tight, &report).ok());
  CHECK(report.error == engine::JsonError::kSize);
  CHECK(report.offset == 7);
  CHECK(engine::ParseJson(R"(["abc"])", "t", tight, &report).ok());
  auto r = engine::ParseJson(R"(["ab\n\n"])", "t", tight, &report);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() ==
        "t:1:2: invalid JSON: a string longer than 3 bytes (json_string_bytes)");
}
