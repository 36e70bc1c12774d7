// Every operator and method through the whole pipeline (parse, compile, VM), including the
// error kinds: overflow, missing attribute, type error, no such entity, bad extension literal.
#include <catch2/catch.hpp>

#include "tests/engine/test_support.h"

using arbiter::testing::EvalCondition;

namespace {
const char* kEntities = R"([
  {"uid":{"type":"User","id":"alice"},"attrs":{"age":30,"name":"Alice","tags":["a","b"],
    "manager":{"__entity":{"type":"User","id":"bob"}}},
   "parents":[{"type":"Group","id":"eng"}]},
  {"uid":{"type":"User","id":"bob"},"attrs":{"age":50}},
  {"uid":{"type":"Group","id":"eng"},"parents":[{"type":"Group","id":"all"}]},
  {"uid":{"type":"Group","id":"all"}},
  {"uid":{"type":"Doc","id":"d1"},"attrs":{"owner":{"__entity":{"type":"User","id":"alice"}},
    "size":10,"level":"secret"}}
])";
std::string E(const std::string& expr, const std::string& ctx = "{}") {
  return EvalCondition(expr, ctx, kEntities);
}
}  // namespace

TEST_CASE("literals and equality") {
  CHECK(E("1 == 1") == "true");
  CHECK(E("1 == 2") == "false");
  CHECK(E("\"a\" == \"a\"") == "true");
  CHECK(E("context.one == \"1\"", R"({"one":1})") == "false");  // different kinds are unequal, never an error
  CHECK(E("1 != 2") == "true");
  CHECK(E("[1, 2] == [2, 1, 1]") == "true");
  CHECK(E("{a: 1, b: 2} == {b: 2, a: 1}") == "true");
  CHECK(E("User::\"alice\" == User::\"alice\"") == "true");
  CHECK(E("User::\"alice\" == Group::\"alice\"") == "false");
  CHECK(E("subject == User::\"alice\"") == "true");
}

TEST_CASE("integer arithmetic is checked") {
  CHECK(E("1 + 2 * 3 == 7") == "true");
  CHECK(E("10 - 20 == -10") == "true");
  CHECK(E("context.big + 1 > 0", R"({"big":9223372036854775807})") ==
        "error: integer overflow: 9223372036854775807 + 1");
  CHECK(E("context.big * 2 > 0", R"({"big":5000000000000000000})").starts_with("error: integer overflow"));
  CHECK(E("context.small - 1 < 0", R"({"small":-9223372036854775808})").starts_with("error: integer overflow"));
  CHECK(E("-context.small < 0", R"({"small":-9223372036854775808})").starts_with("error: integer overflow"));
  CHECK(E("context.s + 1 == 2", R"({"s":"x"})") == "error: type error: `+` expects int, got string");
}

TEST_CASE("comparisons") {
  CHECK(E("1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3") == "true");
  CHECK(E("\"abc\" < \"abd\"") == "true");
  CHECK(E("context.a < context.b", R"({"a":1.5,"b":2.25})") == "true");
  CHECK(E("context.a < context.one", R"({"a":"x","one":1})").starts_with("error: type error"));
  CHECK(E("datetime(\"2026-01-01\") < datetime(\"2026-01-02\")") == "true");
  CHECK(E("duration(\"1h\") > duration(\"59m\")") == "true");
}

TEST_CASE("attributes, has, missing attributes") {
  CHECK(E("subject.age == 30") == "true");
  CHECK(E("subject has age") == "true");
  CHECK(E("subject has nope") == "false");
  CHECK(E("subject.nope == 1") == "error: entity User::\"alice\" has no attribute `nope`");
  CHECK(E("context.a.b == 1", R"({"a":{"b":1}})") == "true");
  CHECK(E("context.a.c == 1", R"({"a":{"b":1}})") == "error: record has no attribute `c`");
  CHECK(E("context[\"x y\"] == 1", R"({"x y":1})") == "true");
  CHECK(E("subject.manager.age == 50") == "true");
  CHECK(E("User::\"ghost\".age == 1") ==
        "error: entity User::\"ghost\" does not exist (reading `age`)");
  CHECK(E("User::\"ghost\" has age") == "false");
  CHECK(E("context.n.x == 1", R"({"n":1})").starts_with("error: type error"));
  CHECK(E("resource.owner == subject") == "true");
}

TEST_CASE("hierarchy membership with in") {
  CHECK(E("subject in Group::\"eng\"") == "true");
  CHECK(E("subject in Group::\"all\"") == "true");   // transitive
  CHECK(E("subject in subject") == "true");          // reflexive
  CHECK(E("subject in Group::\"other\"") == "false");
  CHECK(E("subject in [Group::\"x\", Group::\"all\"]") == "true");
  CHECK(E("Group::\"eng\" in subject") == "false");
  CHECK(E("1 in [1, 2]") == "true");
  CHECK(E("subject in context.one", R"({"one":1})").starts_with("error: type error"));
  CHECK(E("context.one in subject", R"({"one":1})").starts_with("error: type error"));
}

TEST_CASE("is, like, if, let, any, all") {
  CHECK(E("subject is User") == "true");
  CHECK(E("resource is User") == "false");
  CHECK(E("subject is User in Group::\"all\"") == "true");
  CHECK(E("subject is Group in Group::\"all\"") == "false");
  CHECK(E("context.one is User", R"({"one":1})").starts_with("error: type error"));
  CHECK(E("subject.name like \"Al*\"") == "true");
  CHECK(E("subject.name like \"*ic*\"") == "true");
  CHECK(E("subject.name like \"B*\"") == "false");
  CHECK(E("context.s like \"a\\*b\"", R"({"s":"a*b"})") == "true");
  CHECK(E("context.s like \"a\\*b\"", R"({"s":"axb"})") == "false");
  CHECK(E("context.one like \"*\"", R"({"one":1})").starts_with("error: type error"));
  CHECK(E("if subject.age > 18 then true else false") == "true");
  CHECK(E("if context.one then true else false", R"({"one":1})") == "error: type error: expected bool, got int");
  CHECK(E("let x = subject.age in x + x == 60") == "true");
  CHECK(E("any t in subject.tags : t == \"b\"") == "true");
  CHECK(E("all t in subject.tags : t == \"b\"") == "false");
  CHECK(E("all t in [] : t == 1") == "true");
  CHECK(E("any t in [] : t == 1") == "false");
  CHECK(E("any t in context.one : t == 1", R"({"one":1})").starts_with("error: type error"));
  CHECK(E("any t in context.l : t", R"({"l":[1,2]})") == "error: type error: expected bool, got int");
}

TEST_CASE("short-circuit order") {
  // The right side is never evaluated when the left decides; it would raise an error.
  CHECK(E("false && subject.nope == 1") == "false");
  CHECK(E("true || subject.nope == 1") == "true");
  CHECK(E("subject.nope == 1 && false").starts_with("error:"));
  CHECK(E("subject has nope && subject.nope == 1") == "false");
  CHECK(E("context.one && true", R"({"one":1})") == "error: type error: expected bool, got int");
  CHECK(E("true && context.one", R"({"one":1})") == "error: type error: expected bool, got int");
  CHECK(E("false || context.one", R"({"one":1})") == "error: type error: expected bool, got int");
  CHECK(E("!context.one", R"({"one":1})") == "error: type error: `!` expects bool, got int");
  CHECK(E("if false then subject.nope else true") == "true");
  CHECK(E("any t in [1, 2] : t == 1 || subject.nope == 1") == "true");  // stops at the first
}

TEST_CASE("set and string methods") {
  CHECK(E("subject.tags.contains(\"a\")") == "true");
  CHECK(E("subject.tags.containsAll([\"a\", \"b\"])") == "true");
  CHECK(E("subject.tags.containsAll([\"a\", \"c\"])") == "false");
  CHECK(E("subject.tags.containsAny([\"c\", \"b\"])") == "true");
  CHECK(E("subject.tags.size() == 2") == "true");
  CHECK(E("[].isEmpty()") == "true");
  CHECK(E("\"héllo\".size() == 5") == "true");
  CHECK(E("subject.name.startsWith(\"Al\") && subject.name.endsWith(\"ce\")") == "true");
  CHECK(E("subject.name.contains(\"lic\")") == "true");
  CHECK(E("context.one.contains(1)", R"({"one":1})").starts_with("error: type error"));
}

TEST_CASE("extension types") {
  CHECK(E("ip(\"10.1.2.3\").isInRange(ip(\"10.0.0.0/8\"))") == "true");
  CHECK(E("ip(\"11.1.2.3\").isInRange(ip(\"10.0.0.0/8\"))") == "false");
  CHECK(E("ip(\"127.0.0.1\").isLoopback() && ip(\"::1\").isLoopback()") == "true");
  CHECK(E("ip(\"224.0.0.1\").isMulticast() && ip(\"ff02::1\").isMulticast()") == "true");
  CHECK(E("ip(\"10.0.0.1\").isIpv4() && ip(\"2001:db8::1\").isIpv6()") == "true");
  CHECK(E("ip(\"2001:db8::1\").isInRange(ip(\"2001:db8::/32\"))") == "true");
  CHECK(E("context.ip.isInRange(ip(\"192.168.0.0/16\"))",
          R"({"ip":{"__extn":{"fn":"ip","arg":"192.168.1.9"}}})") == "true");
  CHECK(E("ip(context.s).isIpv4()", R"({"s":"300.1.1.1"})") == "error: invalid ip literal \"300.1.1.1\"");
  CHECK(E("decimal(context.s).lessThan(decimal(\"1.5\"))", R"({"s":"1.50001"})").starts_with("error: invalid decimal"));
  CHECK(E("decimal(\"1.5\").lessThan(decimal(\"1.5001\"))") == "true");
  CHECK(E("decimal(context.s).lessThanOrEqual(decimal(\"-2.0\"))", R"({"s":"-2"})").starts_with("error: invalid decimal"));
  CHECK(E("context.d.greaterThan(decimal(\"0.1\")) && context.d.greaterThanOrEqual(1.25)",
          R"({"d":1.25})") == "true");
  CHECK(E("datetime(\"2026-01-01T10:00:00Z\").offset(duration(\"1h\")) == "
          "datetime(\"2026-01-01T11:00:00Z\")") == "true");
  CHECK(E("datetime(\"2026-01-02\").durationSince(datetime(\"2026-01-01\")) == duration(\"1d\")") == "true");
  CHECK(E("datetime(\"2026-01-01T10:30:00+0100\").toTime() == duration(\"9h30m\")") == "true");
  CHECK(E("datetime(\"2026-01-01T10:30:00.500Z\").toDate() == datetime(\"2026-01-01\")") == "true");
  CHECK(E("duration(\"1d2h3m4s5ms\").toMilliseconds() == 93784005") == "true");
  CHECK(E("duration(\"90m\").toHours() == 1 && duration(\"2d\").toDays() == 2") == "true");
  CHECK(E("duration(\"-1h\").toMinutes() == -60 && duration(\"61s\").toSeconds() == 61") == "true");
  CHECK(E("datetime(context.s) == datetime(\"2026-01-01\")", R"({"s":"2026-02-30"})")
            .starts_with("error: invalid datetime"));
  CHECK(E("duration(context.s).toDays() == 1", R"({"s":"1h1d"})").starts_with("error: invalid duration"));
  CHECK(E("ip(\"10.0.0.1\") == ip(\"10.0.0.1\")") == "true");
  CHECK(E("ip(\"10.0.0.1\") == ip(\"10.0.0.1/32\")") == "true");
  CHECK(E("ip(\"10.0.0.1\").isInRange(context.one)", R"({"one":1})").starts_with("error: type error"));
}
