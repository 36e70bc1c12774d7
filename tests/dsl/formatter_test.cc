// The formatter: one canonical layout, idempotent, comments kept. Idempotence and comment
// survival are checked on every .arbiter file in the source tree.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dsl/frontend.h"
#include "dsl/source_text.h"

using namespace arbiter::dsl;

namespace {

std::string Format(std::string_view text) {
  auto r = FormatSource(text, "t.arbiter");
  INFO(r.status().message());
  REQUIRE(r.ok());
  return *r;
}

std::vector<std::string> CommentsOf(const std::string& text) {
  std::vector<Diagnostic> diagnostics;
  LineIndex index(text);
  DiagnosticSink sink(0, index, &diagnostics);
  std::vector<Comment> comments;
  ScanLexical(text, sink, &comments);
  std::vector<std::string> out;
  for (const auto& c : comments) {
    std::string s = text.substr(c.begin, c.end - c.begin);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST_CASE("the canonical layout", "[formatter]") {
  CHECK(Format("package   a.b ;permit x{when   subject.a==1&&!context.b reason\"r\"}") ==
        "package a.b;\n\npermit x {\n  when subject.a == 1 && !context.b\n  reason \"r\"\n}\n");
  CHECK(Format("forbid y { obligation o {a:1,\"b c\":[1,2,3]} advice n }") ==
        "forbid y {\n  obligation o { a: 1, \"b c\": [1, 2, 3] }\n  advice n\n}\n");
  // Long && chains break one operand per line; parenthesized chains break one level deeper.
  std::string long_rule =
      "permit z { when action == Action::\"deploy\" && context.environment == \"production\" && "
      "(context.score_one >= 0.50 || context.score_two >= 0.50 || context.score_three >= 0.50 "
      "|| context.x) }";
  CHECK(Format(long_rule) ==
        "permit z {\n"
        "  when action == Action::\"deploy\"\n"
        "    && context.environment == \"production\"\n"
        "    && (context.score_one >= 0.50\n"
        "      || context.score_two >= 0.50\n"
        "      || context.score_three >= 0.50\n"
        "      || context.x)\n"
        "}\n");
  // Every expression form round-trips.
  std::string forms =
      "permit f {\n  when if a has b then c like \"x*\" else d is T in e\n}\n";
  CHECK(Format(forms) == forms);
  std::string more =
      "permit g {\n  when let x = [1, -2, 3 * 4 - 5] in any y in x : y > 0 && all z in x : "
      "z[\"k\"].m(ip(\"1.2.3.4\"), Ns::T::\"i\")\n}\n";
  CHECK(Format(more) == more);
  // Tests: long records break over lines.
  std::string test =
      "test t {\n"
      "  data \"entities.json\"\n"
      "  request {\n"
      "    subject: { type: \"User\", id: \"alice\" },\n"
      "    action: { name: \"deploy\" },\n"
      "    resource: { type: \"Model\", id: \"fraud-v3\" },\n"
      "    context: { evidence: [] }\n"
      "  }\n"
      "  expect allow\n"
      "  reasons [a.b]\n"
      "  obligations [notify]\n"
      "}\n";
  CHECK(Format(test) == test);
  // The error expectations keep their canonical form.
  CHECK(Format("test e{request{subject:{}}expect   error errors[a,p.b]}") ==
        "test e {\n  request { subject: {} }\n  expect error\n  errors [a, p.b]\n}\n");
  CHECK(Format("test f{request{subject:{}}expect fail_closed}") ==
        "test f {\n  request { subject: {} }\n  expect fail_closed\n}\n");
}

TEST_CASE("comments survive, in order", "[formatter]") {
  std::string text =
      "// header\n\n\n// second\npackage p; // pkg\n// before\n@c(\"x\") // ann\npermit a { // "
      "brace\n  when subject.x == 1 // one\n    && /* inline */ subject.y == 2 // two\n  "
      "reason \"r\" // reason\n  obligation o { a: 1, // in record\n b: 2 }\n  // end of body\n} "
      "// after\n/* block\n   comment */\nforbid b { when true }\n// end\n";
  std::string once = Format(text);
  CHECK(CommentsOf(once) == CommentsOf(text));
  CHECK(Format(once) == once);
  CHECK_THAT(once, Catch::Contains("  when subject.x == 1 // one\n"));
  CHECK_THAT(once, Catch::Contains("    && subject.y == 2 // two\n"));
  CHECK_THAT(once, Catch::Contains("} // after\n"));
  CHECK_THAT(once, Catch::StartsWith("// header\n\n// second\npackage p; // pkg\n"));
}

TEST_CASE("a file that does not parse is not formatted", "[formatter]") {
  auto r = FormatSource("permit a { when }", "broken.arbiter");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("broken.arbiter:1:17: error[E0110]"));
}

TEST_CASE("fmt is idempotent and keeps comments on every policy in the tree", "[formatter]") {
  namespace fs = std::filesystem;
  size_t formatted = 0;
  for (const char* dir : {"stdlib-policies", "tests"}) {
    fs::path root = fs::path(ARBITER_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.path().extension() != ".arbiter") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream buffer;
      buffer << in.rdbuf();
      std::string text = buffer.str();
      auto once = FormatSource(text, entry.path().string());
      if (!once.ok()) continue;  // golden files with syntax errors
      INFO(entry.path().string());
      auto twice = FormatSource(*once, entry.path().string());
      REQUIRE(twice.ok());
      CHECK(*twice == *once);
      CHECK(CommentsOf(*once) == CommentsOf(text));
      // Formatting never changes what the file means: the same rules come out.
      auto before = LoadPolicySources({{"x.arbiter", text}});
      auto after = LoadPolicySources({{"x.arbiter", *once}});
      CHECK(before.policies.rules.size() == after.policies.rules.size());
      CHECK(before.diagnostics.size() == after.diagnostics.size());
      ++formatted;
    }
  }
  CHECK(formatted >= 10);
}
