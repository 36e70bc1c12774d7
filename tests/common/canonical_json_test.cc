// CanonicalizeJson against its definition: the bytes nlohmann/json dumps for the parsed
// value. Hand-picked cases for every escape, number and error path, then random documents
// with random whitespace and escapes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <random>
#include <string>

#include "common/canonical_json.h"

using arbiter::CanonicalizeJson;
using arbiter::CanonicalJsonResult;

namespace {

// What the ledger's CanonicalJson writes: nlohmann's dump, strict about UTF-8.
std::optional<std::string> Reference(std::string_view text) {
  try {
    auto j = nlohmann::json::parse(text);
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// kOk must give nlohmann's bytes; kInvalid only for what nlohmann refuses; kUnsupported
// only for valid JSON.
void Agrees(std::string_view text) {
  INFO("input: " << text);
  std::string out;
  CanonicalJsonResult r = CanonicalizeJson(text, &out);
  auto expected = Reference(text);
  switch (r) {
    case CanonicalJsonResult::kOk:
      REQUIRE(expected.has_value());
      CHECK(out == *expected);
      break;
    case CanonicalJsonResult::kInvalid: CHECK_FALSE(expected.has_value()); break;
    case CanonicalJsonResult::kUnsupported: CHECK(expected.has_value()); break;
  }
}

CanonicalJsonResult Outcome(std::string_view text) {
  std::string out;
  return CanonicalizeJson(text, &out);
}

}  // namespace

TEST_CASE("canonical JSON: sorted keys, no whitespace, nlohmann's escapes") {
  std::string out;
  REQUIRE(CanonicalizeJson(" { \"b\" : [1, 2 ,{\"z\":null,\"a\":true}], \"a\":\"x\" }\n", &out) ==
          CanonicalJsonResult::kOk);
  CHECK(out == R"({"a":"x","b":[1,2,{"a":true,"z":null}]})");
  for (const char* text : {
           R"({})", R"([])", R"("")", R"(0)", R"(-0)", R"(-1)", R"(123456789)", R"(true)",
           R"(false)", R"(null)", R"({"":1})", R"({"a":{},"b":[]})", R"([[[[]]]])",
           R"("\"\\\/\b\f\n\r\t")", R"("\u0000\u001f\u007f\u0080\u00e9")", R"("\uD83D\uDE00")",
           R"("\u00E9\u00e9é")", R"({"é":1,"e":2,"z":3,"\u00e9x":4})", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
           R"("a/b")", R"(9223372036854775807)", R"(-9223372036854775808)",
           R"(18446744073709551615)", R"({"b":1,"a":{"d":[{"f":1,"e":2}],"c":"\t"}})",
           "\t[ 1 ,\r\n 2 ]\n", R"({"key\u0000":1,"key":2})", R"({"a":"\u2028\u2029"})"}) {
    Agrees(text);
    CHECK(Outcome(text) == CanonicalJsonResult::kOk);
  }
}

TEST_CASE("canonical JSON: what it leaves to nlohmann") {
  for (const char* text : {R"(1.5)", R"(1e3)", R"(-0.0)", R"({"a":[1,2.25]})",
                           R"(18446744073709551616)", R"(-9223372036854775809)",
                           R"({"a":1,"a":2})", "\xEF\xBB\xBF{}"}) {
    INFO(text);
    CHECK(Outcome(text) == CanonicalJsonResult::kUnsupported);
    Agrees(text);
  }
  std::string deep(arbiter::kMaxCanonicalDepth + 1, '[');
  deep += std::string(arbiter::kMaxCanonicalDepth + 1, ']');
  CHECK(Outcome(deep) == CanonicalJsonResult::kUnsupported);
  std::string ok_depth(arbiter::kMaxCanonicalDepth, '[');
  ok_depth += std::string(arbiter::kMaxCanonicalDepth, ']');
  CHECK(Outcome(ok_depth) == CanonicalJsonResult::kOk);
}

TEST_CASE("canonical JSON: invalid input is refused, never rewritten") {
  for (std::string text : {std::string(""), std::string(" "), std::string("{"), std::string("}"),
                           std::string("[1,]"), std::string("{\"a\":1,}"), std::string("{\"a\" 1}"),
                           std::string("{1:2}"), std::string("01"), std::string("-"),
                           std::string("1."), std::string("1e"), std::string("+1"),
                           std::string("tru"), std::string("nul"), std::string("\"abc"),
                           std::string("\"a\\x\""), std::string("\"\\u12\""),
                           std::string("\"\\uD800\""), std::string("\"\\uDC00\""),
                           std::string("\"\\uD800\\u0041\""), std::string("\"a\nb\""),
                           std::string("\"\xff\""), std::string("\"\xc3\""),
                           std::string("\"\xed\xa0\x80\""), std::string("[1] [2]"),
                           std::string("{} x"), std::string("[1 2]"), std::string("'a'"),
                           std::string("\"\\\xc3\xa9\""), std::string("\x00", 1)}) {
    INFO(text);
    CHECK(Outcome(text) == CanonicalJsonResult::kInvalid);
    Agrees(text);
  }
}

namespace {

struct Generator {
  std::mt19937_64 rng;
  int Int(int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); }
  std::string Space() {
    static const char* kSpaces[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
    return kSpaces[Int(7)];
  }
  std::string Str() {
    static const char* kPieces[] = {"a", "b", "Z", "0", " ", "é", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                    "\\n", "\\t", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r",
                                    "\\u0001", "\\u001F", "\\u00e9", "\\u20AC", "\\ud83d\\ude00",
                                    "\\u0000", "\x7f", "key", "~"};
    std::string s = "\"";
    int n = Int(6);
    for (int i = 0; i < n; ++i) s += kPieces[Int(25)];
    return s + "\"";
  }
  std::string Number() {
    switch (Int(6)) {
      case 0: return "0";
      case 1: return "-0";
      case 2: return std::to_string(Int(1000));
      case 3: return std::to_string(-1 - Int(100000));
      case 4: return std::to_string(rng());
      default: return std::to_string(static_cast<int64_t>(rng()));
    }
  }
  std::string Value(int depth) {
    int pick = depth > 4 ? Int(4) : Int(7);
    switch (pick) {
      case 0: return Str();
      case 1: return Number();
      case 2: {
        static const char* kLiterals[] = {"true", "false", "null"};
        return kLiterals[Int(3)];
      }
      case 3: return Str();
      case 4:
      case 5: {
        std::string s = "{";
        s.append(Space());
        int n = Int(5);
        for (int i = 0; i < n; ++i) {
          if (i) s.append(",").append(Space());
          s.append(Str()).append(Space()).append(":").append(Space());
          s.append(Value(depth + 1)).append(Space());
        }
        return s + "}";
      }
      default: {
        std::string s = "[";
        s.append(Space());
        int n = Int(5);
        for (int i = 0; i < n; ++i) {
          if (i) s.append(",").append(Space());
          s.append(Value(depth + 1)).append(Space());
        }
        return s + "]";
      }
    }
  }
};

}  // namespace

TEST_CASE("canonical JSON: random documents agree with nlohmann") {
  Generator gen{std::mt19937_64(20261127)};
  int ok = 0, unsupported = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text = gen.Space() + gen.Value(0) + gen.Space();
    Agrees(text);
    CanonicalJsonResult r = Outcome(text);
    CHECK(r != CanonicalJsonResult::kInvalid);
    (r == CanonicalJsonResult::kOk ? ok : unsupported)++;
  }
  // Repeated random keys make some objects unsupported; most documents take the fast path.
  CHECK(ok > 4000);
  // Damaged documents: cut short or with one byte changed, never rewritten wrongly.
  for (int i = 0; i < 3000; ++i) {
    std::string text = gen.Value(0);
    if (text.size() < 2) continue;
    if (i % 2) {
      text.resize(static_cast<size_t>(gen.Int(static_cast<int>(text.size()))));
    } else {
      static const char kBytes[] = "{}[],:\"\\ 0a-\x80\xff";
      text[static_cast<size_t>(gen.Int(static_cast<int>(text.size())))] =
          kBytes[gen.Int(sizeof kBytes - 1)];
    }
    Agrees(text);
  }
}
