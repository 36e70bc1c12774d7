// The checker: no false alarms on the policy packs in the tree (checked against their own
// schemas), types inferred through let, quantifiers and if, and schema-driven checks.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dsl/frontend.h"

using namespace arbiter::dsl;
namespace fs = std::filesystem;

namespace {

std::string Dump(const FrontendResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += FormatDiagnostic(d, *r.policies.sources) + "\n";
  return out;
}

std::vector<std::string> Codes(const std::string& policy, const char* schema = nullptr) {
  FrontendOptions options;
  if (schema) options.schema_text = schema;
  FrontendResult r = LoadPolicySources({{"c.arbiter", policy}}, options);
  std::vector<std::string> codes;
  for (const auto& d : r.diagnostics) codes.push_back(d.code);
  return codes;
}

using Codes_ = std::vector<std::string>;

const char* const kSchema = R"(
entity Team { name: String };
entity User in [Team] { level?: Long, tags: Set<String>, profile: { region: String } };
entity Doc { owner: User, size: Long };
entity Model { tier: String };
action view, edit appliesTo { subject: [User], resource: [Doc], context: { ip: Ip } };
action deploy appliesTo { subject: [User], resource: [Model] };
)";

}  // namespace

TEST_CASE("every policy pack checks clean against its own schema", "[checker]") {
  fs::path root = fs::path(ARBITER_SOURCE_DIR) / "stdlib-policies";
  if (!fs::exists(root)) return;
  size_t packs = 0;
  for (const auto& pack : fs::directory_iterator(root)) {
    fs::path schema = pack.path() / "schema.arbiterschema";
    if (!pack.is_directory() || !fs::exists(schema)) continue;
    FrontendOptions options;
    options.schema_path = schema.string();
    FrontendResult r = LoadPolicyFiles({pack.path().string()}, options);
    INFO(pack.path().string() << "\n" << Dump(r));
    CHECK(r.ok());
    CHECK(r.diagnostics.empty());
    ++packs;
  }
  CHECK(packs >= 1);
}

TEST_CASE("types flow through let, if and quantifiers", "[checker]") {
  CHECK(Codes("permit a { when let x = \"s\" in x == 1 }") == Codes_{"E0301"});
  CHECK(Codes("permit a { when let x = \"s\" in let y = x in y < 2 }") == Codes_{"E0301"});
  CHECK(Codes("permit a { when (if context.c then 1 else 2) == \"x\" }") == Codes_{"E0301"});
  CHECK(Codes("permit a { when any x in [\"a\"] : x + 1 == 2 }") == Codes_{"E0302"});
  CHECK(Codes("permit a { when all x in [[1]] : x.contains(\"a\") }") == Codes_{"E0301"});
  CHECK(Codes("permit a { when any x in 5 : true }") == Codes_{"E0302"});
  CHECK(Codes("permit a { when any x in [1] : x }") == Codes_{"E0303"});
  // Unknown types never produce errors.
  CHECK(Codes("permit a { when context.a == 1 && context.a == \"x\" && context.b.c < 3 }").empty());
  CHECK(Codes("permit a { when resource.owner == subject && subject in resource.team }").empty());
  CHECK(Codes("permit a { when context.n > 0.5 && context.d < datetime(\"2026-01-01\") }").empty());
}

TEST_CASE("records and sets from literals are typed", "[checker]") {
  CHECK(Codes("permit a { when { a: 1 }.b == 1 }") == Codes_{"E0403"});
  CHECK(Codes("permit a { when { a: 1 }.a == \"x\" }") == Codes_{"E0301"});
  CHECK(Codes("permit a { when [1, 2].contains(3) && [\"a\"].containsAny([\"b\"]) }").empty());
  CHECK(Codes("permit a { when [1].containsAll(2) }") == Codes_{"E0304"});
  CHECK(Codes("permit a { when \"abc\".size() > 1 && [1].isEmpty() }").empty());
  CHECK(Codes("permit a { when 5.size() > 1 }") != Codes_{});
}

TEST_CASE("extension types and their methods", "[checker]") {
  CHECK(Codes("permit a { when ip(\"::1\").isLoopback() && ip(\"fe80::/10\").isIpv6() }").empty());
  CHECK(Codes("permit a { when ip(\"1.2.3.4/33\").isIpv4() }") == Codes_{"E0305"});
  CHECK(Codes("permit a { when decimal(\"-1.5\").lessThan(decimal(\"2.0\")) }").empty());
  CHECK(Codes("permit a { when decimal(\"1.5\").lessThan(2) }") == Codes_{"E0304"});
  CHECK(Codes("permit a { when datetime(\"2026-01-01T10:00:00.123+0100\").toDate() < "
              "datetime(\"2026-02-01\") }")
            .empty());
  CHECK(Codes("permit a { when duration(\"1d2h3m4s5ms\").toMilliseconds() > 0 }").empty());
  CHECK(Codes("permit a { when duration(\"2h1d\") > duration(\"1h\") }") == Codes_{"E0305"});
  CHECK(Codes("permit a { when datetime(\"2026-01-01\") < duration(\"1h\") }") ==
        Codes_{"E0301"});
  CHECK(Codes("permit a { when context.t.offset(5) > context.u }") == Codes_{"E0304"});
}

TEST_CASE("with a schema: attributes, nested records, optional attributes", "[checker]") {
  CHECK(Codes("permit a { when action == Action::\"view\" && resource.size > 10 }", kSchema)
            .empty());
  CHECK(Codes("permit a { when action == Action::\"view\" && resource.sise > 10 }", kSchema) ==
        Codes_{"E0403"});
  CHECK(Codes("permit a { when action == Action::\"view\" && resource.size == \"big\" }",
              kSchema) == Codes_{"E0301"});
  CHECK(Codes("permit a { when action == Action::\"view\" && resource.owner.profile.region == "
              "\"eu\" && resource.owner.profile.zone == \"x\" }",
              kSchema) == Codes_{"E0403"});
  CHECK(Codes("permit a { when action in [Action::\"view\", Action::\"edit\"] && "
              "context.ip.isInRange(ip(\"10.0.0.0/8\")) }",
              kSchema)
            .empty());
  // Two actions: context attributes are not narrowed, but entity types are.
  CHECK(Codes("permit a { when action in [Action::\"view\", Action::\"deploy\"] && "
              "resource.tier == \"x\" }",
              kSchema)
            .empty());
  CHECK(Codes("permit a { when action == Action::\"deploy\" && resource.size > 1 }", kSchema) ==
        Codes_{"E0403"});
  // An optional attribute is read only under a `has` guard that comes first (E0309).
  CHECK(Codes("permit a { when subject is User && subject.level > 3 && subject has level }",
              kSchema) == Codes_{"E0309"});
  CHECK(Codes("permit a { when subject is User && subject has level && subject.level > 3 }",
              kSchema)
            .empty());
  CHECK(Codes("permit a { when subject is User && (if subject has level then subject.level "
              "else 0) > 3 }",
              kSchema)
            .empty());
  CHECK(Codes("permit a { when subject is User && (subject has level || subject.level > 3) }",
              kSchema) == Codes_{"E0309"});
  CHECK(Codes("permit a { when subject is User && subject has level obligation o { l: "
              "subject.level } }",
              kSchema)
            .empty());
  CHECK(Codes("permit a { when subject has levle }", kSchema) == Codes_{"E0403"});
  CHECK(Codes("permit a { when action == Action::\"deploy\" && subject is Doc }", kSchema) ==
        Codes_{"E0406"});
  CHECK(Codes("permit a { when User::\"alice\" in Teem::\"x\" }", kSchema) == Codes_{"E0402"});
  CHECK(Codes("permit a { when action == Action::\"delete\" }", kSchema) == Codes_{"E0405"});
}

TEST_CASE("schema files: syntax, references, duplicates", "[checker]") {
  CHECK(Codes("permit a {}", "entity A { b: B };") == Codes_{"E0402"});
  CHECK(Codes("permit a {}", "entity A in [B];") == Codes_{"E0402"});
  CHECK(Codes("permit a {}", "entity A; action x appliesTo { subject: [B] };") ==
        Codes_{"E0402"});
  CHECK(Codes("permit a {}", "type T = { a: T }; entity A { t: T };") != Codes_{});
  CHECK(Codes("permit a {}", "entity A { a: Long, a: String };") == Codes_{"E0407"});
  CHECK(Codes("permit a {}", "action a; action a;") == Codes_{"E0407"});
  // Every schema error in one run, recovering at declarations.
  CHECK(Codes("permit a {}", "entity A {\n  x: ,\n};\nentity B { y Long };\nentity C;") ==
        Codes_{"E0401", "E0401"});
  CHECK(Codes("permit a {}",
              "// comment\nentity \"quoted\";")
            .size() == 1);
  CHECK(Codes("permit a {}",
              "entity A, B in [A] { \"odd key\"?: Set<Set<{ x: Bool }>> };\n"
              "action \"read file\", write appliesTo { subject: [A, B], resource: [B], "
              "context: {} };")
            .empty());
}

// One builtin table (dsl/builtins.h) for checker, compiler, VM and reference evaluator: what
// the VM evaluates the checker accepts, and the other way round.
TEST_CASE("contains applies to sets and strings, as the VM evaluates it", "[checker]") {
  CHECK(Codes(R"(permit a { when "model-risk".contains("risk") })").empty());
  CHECK(Codes(R"(permit a { when ["a", "b"].contains("a") })").empty());
  CHECK(Codes(R"(permit a { when "abc".contains(1) })") == Codes_{"E0304"});
  CHECK(Codes(R"(permit a { when { x: 1 }.contains(1) })") == Codes_{"E0304"});
  CHECK(Codes(R"(permit a { when (42).contains(4) })") == Codes_{"E0304"});
  CHECK(Codes(R"(permit a { when "abc".startsWith("a") && "abc".size() == 3 })").empty());
  CHECK(Codes(R"(permit a { when ["a"].startsWith("a") })") == Codes_{"E0304"});
}

namespace {
std::string Messages(const std::string& policy, const char* schema = nullptr) {
  FrontendOptions options;
  if (schema) options.schema_text = schema;
  FrontendResult r = LoadPolicySources({{"c.arbiter", policy}}, options);
  std::string out;
  for (const auto& d : r.diagnostics) out += d.message + "\n";
  return out;
}
}  // namespace

TEST_CASE("diagnostics suggest the name that was probably meant", "[checker]") {
  using Catch::Matchers::Contains;
  CHECK_THAT(Messages("permit a { when subjet == User::\"x\" }"),
             Contains("did you mean `subject`?"));
  CHECK_THAT(Messages("permit a { when [1].contans(1) }"), Contains("did you mean `contains`?"));
  CHECK_THAT(Messages("permit a { when context.t == datetme(\"2026-01-01\") }"),
             Contains("did you mean `datetime`?"));
  CHECK_THAT(Messages("@fail_closd package p; permit a {}"),
             Contains("did you mean `@fail_closed`?"));
  CHECK_THAT(Messages("permit a { when action == Action::\"view\" && resource.sise > 1 }", kSchema),
             Contains("did you mean `resource.size`?"));
  CHECK_THAT(Messages("permit a { when action == Action::\"view\" && resource.owner.profile.regon == \"eu\" }",
                      kSchema),
             Contains("did you mean `resource.owner.profile.region`?"));
  CHECK_THAT(Messages("permit a { when subject is Usr }", kSchema), Contains("did you mean `User`?"));
  CHECK_THAT(Messages("permit a { when action == Action::\"veiw\" }", kSchema),
             Contains("did you mean `Action::\"view\"`?"));
  // Nothing close: no guess.
  CHECK(Messages("permit a { when zzzzzz }").find("did you mean") == std::string::npos);
}
