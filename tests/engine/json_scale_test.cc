// Hostile sizes for the JSON reader and for set and record construction. Each case is sized so
// that O(n log n) work finishes in well under a second and quadratic work takes minutes; the
// ctest TIMEOUT on this program (tests/engine/CMakeLists.txt) is the hang guard. Nothing here
// measures time.
#include <catch2/catch.hpp>

#include <string>

#include "tests/engine/test_support.h"

using namespace arbiter;

namespace {

constexpr int kN = 80'000;

// {"k0":0,"k1":1,...} with n distinct keys, then `tail` (e.g. a repeated key) before the '}'.
std::string RecordJson(int n, const std::string& tail = "") {
  std::string s = "{";
  for (int i = 0; i < n; ++i) {
    if (i) s += ',';
    s += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
  }
  return s + tail + "}";
}

// ["e0","e1",...]: n elements, each of the n / copies distinct values `copies` times.
std::string SetJson(int n, int copies = 1) {
  std::string s = "[";
  for (int i = 0; i < n; ++i) {
    if (i) s += ',';
    s += "\"e" + std::to_string(i / copies) + "\"";
  }
  return s + "]";
}

std::string WithContext(const std::string& context) {
  return testing::SimpleRequest("read", context);
}

}  // namespace

TEST_CASE("a record of 80,000 distinct keys is read in O(n log n)") {
  auto r = Request::FromJson(WithContext(R"({"r":)" + RecordJson(kN) + "}"), "req.json");
  REQUIRE(r.ok());
  CHECK(testing::EvalCondition("context.r.k79999 == 79999 && context.r.k0 == 0",
                               R"({"r":)" + RecordJson(kN) + "}") == "true");
}

TEST_CASE("80,000 keys and a repeated one: refused at the repeat, found in O(n log n)") {
  std::string body = WithContext(R"({"r":)" + RecordJson(kN, R"(,"k0":-1)") + "}");
  auto r = Request::FromJson(body, "req.json");
  REQUIRE_FALSE(r.ok());
  size_t at = body.rfind("\"k0\"");
  INFO(r.status().message());
  CHECK(r.status().message().starts_with("req.json:1:" + std::to_string(at + 1) +
                                         ": invalid JSON: duplicate key \"k0\""));
  // Every key repeated: the first repeat in document order is named.
  std::string twice = "{";
  for (int i = 0; i < 2 * kN; ++i) {
    if (i) twice += ',';
    twice += "\"k" + std::to_string(i % kN) + "\":1";
  }
  twice += "}";
  auto t = Request::FromJson(WithContext(R"({"r":)" + twice + "}"), "req.json");
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message().find("duplicate key \"k0\"") != std::string::npos);
}

TEST_CASE("entity data with 80,000 attributes or parents loads in O(n log n)") {
  std::string data = R"([{"uid":{"type":"A","id":"1"},"attrs":)" + RecordJson(kN) + "}]";
  auto s = EntityStore::FromJson(data, "data.json");
  REQUIRE(s.ok());
  std::string dup =
      R"([{"uid":{"type":"A","id":"1"},"attrs":)" + RecordJson(kN, ",\"k5\":0") + "}]";
  auto d = EntityStore::FromJson(dup, "data.json");
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().message().find("duplicate key \"k5\"") != std::string::npos);
}

TEST_CASE("a set of 80,000 elements, distinct or repeated, is built in O(n log n)") {
  CHECK(testing::EvalCondition(R"(context.s.contains("e79999") && context.s.size() == 80000)",
                               R"({"s":)" + SetJson(kN) + "}") == "true");
  // 160,000 elements, 80,000 distinct: duplicates removed, the first of each kept.
  CHECK(testing::EvalCondition(R"(context.s.contains("e79999") && context.s.size() == 80000)",
                               R"({"s":)" + SetJson(2 * kN, 2) + "}") == "true");
  // All the same.
  CHECK(testing::EvalCondition("context.s.size() == 1", R"({"s":)" + SetJson(kN, kN) + "}") ==
        "true");
}

TEST_CASE("containsAll, containsAny and == on 80,000-element sets are O(n log n)") {
  std::string ctx = R"({"a":)" + SetJson(kN) + R"(,"b":)" + SetJson(kN) + "}";
  CHECK(testing::EvalCondition("context.a.containsAll(context.b)", ctx) == "true");
  CHECK(testing::EvalCondition("context.a == context.b", ctx) == "true");
  std::string other = R"({"a":)" + SetJson(kN) + R"(,"b":["x")";
  for (int i = 0; i < kN; ++i) other += ",\"y" + std::to_string(i) + "\"";
  other += "]}";
  CHECK(testing::EvalCondition("context.a.containsAny(context.b)", other) == "false");
  CHECK(testing::EvalCondition("context.a == context.b", other) == "false");
}

TEST_CASE("large sets remove duplicates by value: sets, records, ips, entities") {
  // More elements than are scanned (kScanSetSize), so the hash index decides equality.
  std::string sets = "[", records = "[", ips = "[", entities = "[";
  for (int i = 0; i < 20; ++i) {
    std::string a = std::to_string(i), b = std::to_string(i + 100);
    std::string sep = i ? "," : "";
    sets += sep + "[" + a + "," + b + "],[" + b + "," + a + "]";
    records += sep + R"({"a":)" + a + R"(,"b":)" + b + R"(},{"b":)" + b + R"(,"a":)" + a + "}";
    ips += sep + R"({"__extn":{"fn":"ip","arg":"10.0.0.)" + a + R"("}},)" +
           R"({"__extn":{"fn":"ip","arg":"10.0.0.)" + a + R"(/32"}})";
    entities += sep + R"({"__entity":{"type":"U","id":")" + a + R"("}},)" +
                R"({"__entity":{"type":"U","id":")" + a + R"("}},{"__entity":{"type":"V","id":")" +
                a + R"("}})";
  }
  std::string ctx = R"({"s":)" + sets + R"(],"r":)" + records + R"(],"i":)" + ips +
                    R"(],"e":)" + entities + "]}";
  CHECK(testing::EvalCondition("context.s.size() == 20 && context.r.size() == 20 && "
                               "context.i.size() == 20 && context.e.size() == 40",
                               ctx) == "true");
  CHECK(testing::EvalCondition(
            "context.s.contains([119, 19]) && context.r.contains({b: 100, a: 0})", ctx) ==
        "true");
}
