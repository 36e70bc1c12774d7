// Hostile and broken input: every case ends in a diagnostic with a position, never a crash,
// hang or stack overflow (the sanitizer build runs these too).
#include <catch2/catch.hpp>

#include <string>

#include "dsl/frontend.h"
#include "dsl/source_text.h"

using namespace arbiter::dsl;

namespace {

FrontendResult Load(std::string text) {
  return LoadPolicySources({{"bad.arbiter", std::move(text)}});
}

Diagnostic Only(const FrontendResult& r) {
  REQUIRE(r.diagnostics.size() == 1);
  return r.diagnostics[0];
}

std::string ValidRules(size_t count) {
  std::string text = "package big;\n";
  for (size_t i = 0; i < count; ++i) {
    std::string n = std::to_string(i);
    text += "@control(\"C-" + n + "\")\npermit rule_" + n + " {\n  when action == Action::\"a" +
            n + "\" && resource.level > " + n + " && subject in resource.owners\n  reason \"r" +
            n + "\"\n}\n";
  }
  return text;
}

}  // namespace

TEST_CASE("an empty file is an error with a position", "[bad-input]") {
  Diagnostic d = Only(Load(""));
  CHECK(d.code == "E0111");
  CHECK(d.span.line == 1);
  CHECK(d.span.column == 1);
  CHECK(Only(Load("  \n\n// just a comment\n")).code == "E0111");
}

TEST_CASE("binary garbage: NUL bytes", "[bad-input]") {
  std::string garbage = "permit a {\n  when true";
  garbage += '\0';
  garbage += "\x01\x02\xff }";
  Diagnostic d = Only(Load(garbage));
  CHECK(d.code == "E0102");
  CHECK(d.span.line == 2);
  CHECK(d.span.column == 12);
}

TEST_CASE("invalid UTF-8 is reported at the bad byte", "[bad-input]") {
  for (std::string bad : {"\xff", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"}) {
    std::string text = "permit a {\n  reason \"caf" + bad + "\"\n}\n";
    Diagnostic d = Only(Load(text));
    CHECK(d.code == "E0101");
    CHECK(d.span.line == 2);
    CHECK(d.span.column == 14);
    CHECK(d.span.begin == 24);
  }
  // Valid multi-byte text is fine in strings and comments.
  CHECK(Load("// Grüße ✓\npermit a { reason \"naïve 🙂\" }").ok());
}

TEST_CASE("non-ASCII outside strings is a syntax error, not a crash", "[bad-input]") {
  Diagnostic d = Only(Load("permit a { when ünknown }"));
  CHECK(d.code == "E0110");
  CHECK(d.span.column == 17);
}

TEST_CASE("unterminated strings and comments point at where they start", "[bad-input]") {
  Diagnostic s = Only(Load("permit a {\n  when context.x == \"open\n}\n"));
  CHECK(s.code == "E0103");
  CHECK(s.span.line == 2);
  CHECK(s.span.column == 21);
  Diagnostic c = Only(Load("permit a {}\n  /* never closed\npermit b {}\n"));
  CHECK(c.code == "E0104");
  CHECK(c.span.line == 2);
  CHECK(c.span.column == 3);
  CHECK(Only(Load("permit a { reason \"ends with a backslash\\")).code == "E0103");
}

TEST_CASE("10,000 nested parentheses: a depth diagnostic, no stack overflow", "[bad-input]") {
  std::string text = "permit a { when " + std::string(10000, '(') + "true" +
                     std::string(10000, ')') + " }";
  Diagnostic d = Only(Load(text));
  CHECK(d.code == "E0502");
  CHECK(d.span.line == 1);
  // The limit is reached at the first parenthesis past kMaxNesting.
  CHECK(d.span.column == 17 + kMaxNesting);
  // Just under the limit still parses.
  std::string ok = "permit a { when " + std::string(kMaxNesting - 1, '(') + "true" +
                   std::string(kMaxNesting - 1, ')') + " }";
  CHECK(Load(ok).ok());
}

TEST_CASE("deep nesting of other kinds is bounded too", "[bad-input]") {
  // Records, sets, prefix forms, unary chains, long operator chains and postfix chains.
  std::string records = "permit a { obligation o ";
  for (int i = 0; i < 5000; ++i) records += "{ a: ";
  CHECK(Only(Load(records + "1")).code == "E0502");
  std::string sets = "permit a { when context.x in " + std::string(20000, '[');
  CHECK(Only(Load(sets)).code == "E0502");
  std::string lets = "permit a { when ";
  for (int i = 0; i < 5000; ++i) lets += "let x = 1 in ";
  CHECK(Only(Load(lets + "true }")).code == "E0502");
  CHECK(Only(Load("permit a { when " + std::string(100000, '!') + "true }")).code == "E0502");
  std::string chain = "permit a { when true";
  for (int i = 0; i < 50000; ++i) chain += " && true";
  CHECK(Only(Load(chain + " }")).code == "E0502");
  std::string postfix = "permit a { when context";
  for (int i = 0; i < 50000; ++i) postfix += ".a";
  CHECK(Only(Load(postfix + " }")).code == "E0502");
  std::string ifs = "permit a { when ";
  for (int i = 0; i < 5000; ++i) ifs += "if true then true else ";
  CHECK(Only(Load(ifs + "true }")).code == "E0502");
  // The schema parser has the same guard.
  std::string schema = "entity A { a: ";
  for (int i = 0; i < 10000; ++i) schema += "Set<";
  FrontendOptions options;
  options.schema_text = schema;
  FrontendResult r = LoadPolicySources({{"a.arbiter", "permit a {}"}}, options);
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].code == "E0502");
}

TEST_CASE("a file over the size limit is rejected without parsing", "[bad-input]") {
  std::string text(kMaxSourceBytes + 1, ' ');
  Diagnostic d = Only(Load(text));
  CHECK(d.code == "E0501");
  CHECK(d.span.line == 1);
}

TEST_CASE("a 10 MB file of garbage ends in bounded diagnostics", "[bad-input][slow]") {
  std::string text;
  text.reserve(10u << 20);
  uint32_t x = 12345;
  while (text.size() < (10u << 20)) {
    x = x * 1103515245 + 12345;
    char c = static_cast<char>(' ' + (x >> 16) % 95);  // printable ASCII
    if (c == '"' || c == '/') c = ' ';                  // keep it lexically valid
    text += c;
    if ((x >> 8) % 60 == 0) text += '\n';
  }
  FrontendResult r = Load(text);
  CHECK_FALSE(r.ok());
  CHECK(r.diagnostics.size() <= kMaxDiagnosticsPerFile + 1);
  for (const auto& d : r.diagnostics) CHECK(d.span.line > 0);
}

TEST_CASE("a 10 MB file of one long token", "[bad-input][slow]") {
  FrontendResult r = Load("permit " + std::string(10u << 20, 'a') + " {}");
  CHECK(r.ok());
  CHECK(Only(Load(std::string(10u << 20, 'x'))).code == "E0110");
}

TEST_CASE("a valid 10 MB policy file parses", "[bad-input][slow]") {
  std::string text = ValidRules(75000);
  REQUIRE(text.size() > (10u << 20));
  FrontendResult r = Load(text);
  CHECK(r.ok());
  CHECK(r.policies.rules.size() == 75000);
}

TEST_CASE("10,000 rules load and lower", "[bad-input]") {
  FrontendResult r = Load(ValidRules(10000));
  REQUIRE(r.ok());
  REQUIRE(r.policies.rules.size() == 10000);
  CHECK(r.policies.rules[9999].qualified_id == "big.rule_9999");
  CHECK(r.policies.rules[9999].annotations[0].value == "C-9999");
}

TEST_CASE("broken declarations do not hide the following ones", "[bad-input]") {
  FrontendResult r = Load(
      "permit a { when ( }\n"
      "permit b { when context.x == }\n"
      "permit c { when true }\n"
      "forbid d { when nope }\n");
  REQUIRE(r.diagnostics.size() == 3);
  CHECK(r.diagnostics[0].span.line == 1);
  CHECK(r.diagnostics[1].span.line == 2);
  CHECK(r.diagnostics[2].code == "E0201");
  CHECK(r.diagnostics[2].span.line == 4);
}

// Issue 13: a file holding only a test block whose request reads an attribute of a variable
// crashed the checker (the variable had no type: no rule had set up the request's types),
// killing `arbiter check/test/eval` and the daemon's playground endpoint. The 36-byte input
// is also fuzz/regressions/policy/checker-test-request-attribute.arbiter.
TEST_CASE("a test request reading an attribute of a variable is an error, not a crash",
          "[bad-input]") {
  for (std::string text : {"test t{request{subject:foo.bar}expect allow}",
                           "test t{request{subject:subject.x}expect deny}",
                           "test t{request{context:{a:resource.owner.name}}expect deny}",
                           "permit a{}\ntest t{request{subject:action.x.y}expect allow}",
                           "test t{request{subject:x has y}expect allow}",
                           "test t{request{subject:context.x.contains(1)}expect allow}"}) {
    INFO(text);
    FrontendResult r = Load(text);
    CHECK_FALSE(r.ok());
    bool found = false;
    for (const Diagnostic& d : r.diagnostics) found = found || d.code == "E0210";
    CHECK(found);
  }
}
