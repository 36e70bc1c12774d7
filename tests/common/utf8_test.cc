// UTF-8 validation, including bad bytes before, inside and after the eight-byte ASCII runs.
#include <catch2/catch.hpp>

#include <string>

#include "common/json_string.h"
#include "common/utf8.h"

using arbiter::IsValidUtf8;

TEST_CASE("UTF-8: well-formed text passes, the first bad sequence is located") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii text that is longer than eight bytes"));
  CHECK(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"));
  struct Bad {
    std::string text;
    size_t at;
  };
  for (const auto& [bad, at] : std::vector<Bad>{
           {"\x80", 0},                       // a lone continuation byte
           {"abc\xc0\xaf", 3},                // overlong '/'
           {"abcdefgh\xe0\x80\xaf", 8},       // overlong, three bytes
           {"abcdefghijklmno\xed\xa0\x80", 15},  // a surrogate
           {"0123456789abcdef\xf4\x90\x80\x80", 16},  // above U+10FFFF
           {"0123456\xc3", 7},                // cut short at the end
           {"01234567\xc3(", 8},              // a bad continuation
           {"\xff", 0},
           {"0123456789\xf5\x80\x80\x80", 10},
       }) {
    INFO(bad);
    size_t where = 999;
    CHECK_FALSE(IsValidUtf8(bad, &where));
    CHECK(where == at);
  }
}

TEST_CASE("JSON strings: quotes, backslashes and control characters are escaped") {
  std::string out;
  arbiter::AppendJsonString(&out, "a\"b\\c\nd\re\tf\x01g\x1f\x7f\b\f caf\xc3\xa9 long run of plain text");
  CHECK(out == "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001f\x7f\\b\\f caf\xc3\xa9 long run of plain text\"");
  out.clear();
  arbiter::AppendJsonString(&out, "");
  CHECK(out == "\"\"");
}

TEST_CASE("UTF-8: code points are encoded in one to four bytes") {
  std::string out;
  for (uint32_t cp : {0x41u, 0x7Fu, 0xE9u, 0x7FFu, 0x20ACu, 0xFFFFu, 0x1F600u, 0x10FFFFu}) {
    arbiter::AppendUtf8(&out, cp);
  }
  CHECK(out == "A\x7f\xc3\xa9\xdf\xbf\xe2\x82\xac\xef\xbf\xbf\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf");
  CHECK(IsValidUtf8(out));
}
