// One test per diagnostic code: each case is a small policy (and, for E04xx, a schema) that
// must produce exactly that code at the given line. The last test checks that every code in
// spec/errors.md has a case here, so the list and the tests cannot drift apart.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "dsl/frontend.h"

using namespace arbiter::dsl;

namespace {

struct Case {
  const char* code;
  uint32_t line;  // where the diagnostic must point (1-based)
  const char* policy;
  const char* schema;  // nullptr: no schema
};

const char* const kSchema = R"(
entity Team;
entity User in [Team] { dept: String, level?: Long };
entity Model { owner_team: Team, risk_tier: String };
entity Dataset { name: String };
action deploy appliesTo { subject: [User], resource: [Model], context: { ticket: String } };
)";

const Case kCases[] = {
    {"E0101", 1, "permit a { when \"\xC3\x28\" }", nullptr},
    {"E0103", 2, "permit a {\n  reason \"no end\n}", nullptr},
    {"E0104", 3, "permit a {}\n\n/* no end", nullptr},
    {"E0105", 1, "permit a { when context.x == \"\\q\" }", nullptr},
    {"E0106", 1, "permit a { when context.x == 9223372036854775808 }", nullptr},
    {"E0107", 1, "permit a { when context.x == 1.23456 }", nullptr},
    {"E0110", 3, "permit a {\n  when context.x ==\n}", nullptr},
    {"E0111", 1, "// only a comment\n", nullptr},
    {"E0112", 2, "permit a {}\npackage late;", nullptr},
    {"E0113", 1, "permit a { reason \"r\" when true }", nullptr},
    {"E0114", 1, "test t { expect allow }", nullptr},
    {"E0115", 1, "permit a { when context.a == context.b == true }", nullptr},
    {"E0116", 1, "@owner(\"x\") package p;", nullptr},
    {"E0201", 1, "permit a { when principal.x == 1 }", nullptr},
    {"E0202", 1, "permit a { when lower(context.x) == \"a\" }", nullptr},
    {"E0203", 1, "permit a { when context.x.toUpper() == \"a\" }", nullptr},
    {"E0204", 1, "permit a { when context.s.contains(1, 2) }", nullptr},
    {"E0205", 2, "permit a {}\nforbid a {}", nullptr},
    {"E0206", 1, "permit a { obligation o { k: 1, k: 2 } }", nullptr},
    {"E0207", 3,
     "permit a {}\ntest t { request { subject: {} } expect deny }\ntest t { request { subject: "
     "{} } expect deny }",
     nullptr},
    {"E0208", 2, "package p;\ntest t { request { subject: {} } expect allow reasons [nope] }",
     nullptr},
    {"E0209", 1, "permit a { when let subject = 1 in subject == 1 }", nullptr},
    {"E0210", 1, "test t { request { subject: subject } expect allow }", nullptr},
    {"E0301", 1, "permit a { when \"high\" == 3 }", nullptr},
    {"E0302", 1, "permit a { when !5 }", nullptr},
    {"E0303", 1, "permit a { when 42 }", nullptr},
    {"E0304", 1, "permit a { when \"abc\".isIpv4() }", nullptr},
    {"E0305", 1, "permit a { when context.ip == ip(\"10.0.0.300\") }", nullptr},
    {"E0306", 1, "permit a { when (1).foo == 2 }", nullptr},
    {"E0307", 1, "permit a { when (if context.b then 1 else \"x\") == 1 }", nullptr},
    {"E0308", 1, "permit a { obligation require_evidence { role: \"risk-officer\" } }", nullptr},
    {"E0308", 1, "permit a { obligation require_evidence { type: \"approval\", within: \"soon\" } }",
     nullptr},
    {"E0308", 1, "permit a { obligation require_evidence { type: \"approval\", within: \"-1h\" } }",
     nullptr},
    {"E0308", 1, "permit a { obligation require_evidence { type: 42 } }", nullptr},
    {"E0308", 1, "permit a { obligation require_evidence }", nullptr},
    {"E0401", 3, "permit a {}", "entity A;\n\nentity B { x: };"},
    {"E0402", 1, "permit a { when resource is Modle }", kSchema},
    {"E0403", 2, "permit a {\n  when action == Action::\"deploy\" && resource.risk_teir == \"high\" }",
     kSchema},
    {"E0404", 1, "permit a {}", "action a appliesTo { context: String };"},
    {"E0405", 1, "permit a { when action == Action::\"deplyo\" }", kSchema},
    {"E0406", 1, "permit a { when action == Action::\"deploy\" && resource is Dataset }", kSchema},
    {"E0407", 2, "permit a {}", "entity A;\nentity A;"},
};

std::string Dump(const FrontendResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += FormatDiagnostic(d, *r.policies.sources) + "\n";
  return out;
}

}  // namespace

TEST_CASE("every diagnostic code has a case that produces it", "[errors]") {
  for (const Case& c : kCases) {
    FrontendOptions options;
    if (c.schema) options.schema_text = c.schema;
    FrontendResult r = LoadPolicySources({{"case.arbiter", c.policy}}, options);
    INFO("case " << c.code << "\n" << Dump(r));
    bool found = false;
    for (const auto& d : r.diagnostics) {
      if (d.code == c.code && d.span.line == c.line) found = true;
    }
    CHECK(found);
    CHECK_FALSE(r.ok());
  }
}

TEST_CASE("E0100: an unreadable file", "[errors]") {
  FrontendResult r = LoadPolicyFiles({"/nonexistent/dir/x.arbiter"});
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].code == "E0100");
  CHECK_THAT(FormatDiagnostic(r.diagnostics[0], *r.policies.sources),
             Catch::Contains("/nonexistent/dir/x.arbiter"));
}

TEST_CASE("E0503: a flood of errors stops after the limit", "[errors]") {
  std::string policy;
  for (int i = 0; i < 150; ++i) policy += "permit a" + std::to_string(i) + " { when }\n";
  FrontendResult r = LoadPolicySources({{"flood.arbiter", policy}});
  REQUIRE(r.diagnostics.size() == 101);
  CHECK(r.diagnostics.back().code == "E0503");
}

TEST_CASE("spec/errors.md lists exactly the codes the tests cover", "[errors]") {
  std::ifstream in(std::string(ARBITER_SOURCE_DIR) + "/spec/errors.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  std::set<std::string> documented;
  std::regex heading(R"(^### (E\d{4}))", std::regex::multiline);
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), heading);
       it != std::sregex_iterator(); ++it) {
    documented.insert((*it)[1]);
  }
  // E0100 and E0503 have their own cases above; E0102, E0501 and E0502 are in
  // bad_input_test.cc.
  std::set<std::string> tested = {"E0100", "E0102", "E0501", "E0502", "E0503"};
  for (const Case& c : kCases) tested.insert(c.code);
  CHECK(documented == tested);
}
