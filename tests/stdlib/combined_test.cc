// All stdlib packs in one daemon, as `make run` serves them (scripts/run-daemon): every pack's
// policies, every pack's schema (merged) and every pack's entity data (merged), loaded through
// the daemon's own loader. Together, each pack must decide its requests exactly as it does
// alone: no rule of another pack may match them, no new evaluation errors, and the packs'
// schemas and data must agree about the entity types and entities they share.
// Also: merging several schema files (`arbiter serve --schema A B ...`).
#include <arbiter/engine.h>
#include <arbiter/entities.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/policy_state.h"
#include "dsl/schema_merge.h"
#include "policytest/runner.h"
#include "temp_dir.h"

namespace arbiter {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// --- merging schema files ---------------------------------------------------------------

TEST_CASE("merged schemas: an entity type gets the attributes and parents of every file") {
  TempDir dir;
  dir.Write("a.arbiterschema",
            "entity Team { name: String };\n"
            "entity User in [Team] { email: String };\n"
            "action deploy appliesTo { subject: [User], resource: [Team], context: {} };\n");
  dir.Write("b.arbiterschema",
            "entity Role in [Role];\n"
            "entity Team { name: String };\n"
            "entity User in [Role] { email: String, \"suspended\"?: Bool };\n"
            "action deploy appliesTo { subject: [User], resource: [Team], context: {} };\n"
            "action \"read file\" appliesTo { subject: [User], resource: [Team] };\n");
  auto merged = dsl::MergeSchemaFiles({dir / "a.arbiterschema", dir / "b.arbiterschema"});
  INFO(merged.status().message());
  REQUIRE(merged.ok());
  INFO(*merged);

  CompileOptions options;
  options.schema_text = *merged;
  std::string uses_both =
      "package p;\n"
      "permit r { when action == Action::\"deploy\" && subject.email != \"\" && subject has "
      "suspended && subject in Role::\"x\" && subject in Team::\"t\" && resource.name != \"\" }\n"
      "permit s { when action == Action::\"read file\" }\n";
  CompileResult ok = Engine::CompileSources({{"p.arbiter", uses_both}}, options);
  INFO(ok.FormattedDiagnostics());
  CHECK(ok.ok());
  // Still a schema: an attribute no file declares is an error.
  CompileResult typo = Engine::CompileSources(
      {{"p.arbiter",
        "package p;\npermit r { when action == Action::\"deploy\" && subject.emial == \"\" }\n"}},
      options);
  CHECK_FALSE(typo.ok());
  CHECK(typo.FormattedDiagnostics().find("E0403") != std::string::npos);
}

TEST_CASE("merged schemas: an attribute declared with two different types is a conflict") {
  TempDir dir;
  dir.Write("a.arbiterschema", "entity Model { provider: String };\n");
  dir.Write("b.arbiterschema", "entity Provider;\nentity Model { provider: Provider };\n");
  auto merged = dsl::MergeSchemaFiles({dir / "a.arbiterschema", dir / "b.arbiterschema"});
  REQUIRE_FALSE(merged.ok());
  std::string message = merged.status().message();
  INFO(message);
  CHECK(message.find("attribute `provider` of entity type `Model`") != std::string::npos);
  CHECK(message.find(dir / "a.arbiterschema" + ":1:16") != std::string::npos);
  CHECK(message.find("`provider: String`") != std::string::npos);
  CHECK(message.find(dir / "b.arbiterschema" + ":2:16") != std::string::npos);
  CHECK(message.find("`provider: Provider`") != std::string::npos);
}

TEST_CASE("merged schemas: optional in one file and required in another is a conflict") {
  TempDir dir;
  dir.Write("a.arbiterschema", "entity Model { card?: String };\n");
  dir.Write("b.arbiterschema", "entity Model { card: String };\n");
  auto merged = dsl::MergeSchemaFiles({dir / "a.arbiterschema", dir / "b.arbiterschema"});
  REQUIRE_FALSE(merged.ok());
  CHECK(merged.status().message().find("`card?: String`") != std::string::npos);
}

TEST_CASE("merged schemas: one action name declared two ways is a conflict") {
  TempDir dir;
  dir.Write("a.arbiterschema",
            "entity User;\nentity Doc;\n"
            "action read appliesTo { subject: [User], resource: [Doc], context: {} };\n");
  dir.Write(
      "b.arbiterschema",
      "entity User;\nentity Doc;\n"
      "action read appliesTo { subject: [User], resource: [Doc], context: { mfa: Bool } };\n");
  auto merged = dsl::MergeSchemaFiles({dir / "a.arbiterschema", dir / "b.arbiterschema"});
  REQUIRE_FALSE(merged.ok());
  std::string message = merged.status().message();
  INFO(message);
  CHECK(message.find("action `read`") != std::string::npos);
  CHECK(message.find(dir / "a.arbiterschema:3:8") != std::string::npos);
  CHECK(message.find(dir / "b.arbiterschema:3:8") != std::string::npos);
  CHECK(message.find("context: { mfa: Bool }") != std::string::npos);
}

TEST_CASE("merged schemas: each file must be valid on its own") {
  TempDir dir;
  dir.Write("a.arbiterschema", "entity User;\n");
  dir.Write("b.arbiterschema", "entity Doc { owner: User };\n");  // User is declared in a only
  auto merged = dsl::MergeSchemaFiles({dir / "a.arbiterschema", dir / "b.arbiterschema"});
  REQUIRE_FALSE(merged.ok());
  CHECK(merged.status().message().find(dir / "b.arbiterschema:1:21: error[E0402]") !=
        std::string::npos);
  CHECK_FALSE(dsl::MergeSchemaFiles({dir / "missing.arbiterschema"}).ok());
}

TEST_CASE("the daemon's loader merges several schemas and refuses conflicting ones") {
  TempDir dir;
  dir.Write("p/rules.arbiter",
            "package p;\npermit r { when action == Action::\"go\" && subject.level > 2 }\n");
  dir.Write(
      "a.arbiterschema",
      "entity User { level: Long };\naction go appliesTo { subject: [User], resource: [User] };\n");
  dir.Write("b.arbiterschema", "entity Doc;\n");
  dir.Write("c.arbiterschema", "entity User { level: String };\n");
  daemon::PolicyFiles files;
  files.policy_paths = {dir / "p"};
  files.schema_paths = {dir / "a.arbiterschema", dir / "b.arbiterschema"};
  CHECK(daemon::LoadPolicyFiles(files).state != nullptr);
  files.schema_paths = {dir / "b.arbiterschema", dir / "c.arbiterschema"};  // level: String
  daemon::PolicyLoad typed = daemon::LoadPolicyFiles(files);
  CHECK(typed.state == nullptr);
  CHECK(typed.error.formatted.find("E0301") != std::string::npos);
  files.schema_paths = {dir / "a.arbiterschema", dir / "c.arbiterschema"};
  daemon::PolicyLoad conflict = daemon::LoadPolicyFiles(files);
  CHECK(conflict.state == nullptr);
  CHECK(conflict.error.status.message().find("attribute `level` of entity type `User`") !=
        std::string::npos);
}

// --- all stdlib packs together ----------------------------------------------------------

std::vector<fs::path> PackDirs() {
  std::vector<fs::path> packs;
  for (const auto& entry :
       fs::directory_iterator(fs::path(ARBITER_SOURCE_DIR) / "stdlib-policies")) {
    if (entry.is_directory()) packs.push_back(entry.path());
  }
  std::sort(packs.begin(), packs.end());
  return packs;
}

// What scripts/run-daemon gives `arbiter serve` for all packs: every pack folder, with every
// pack's schema and entity data.
daemon::PolicyFiles AllPacks() {
  daemon::PolicyFiles files;
  for (const fs::path& pack : PackDirs()) {
    files.policy_paths.push_back(pack.string());
    files.schema_paths.push_back((pack / "schema.arbiterschema").string());
    files.data_paths.push_back((pack / "entities.json").string());
  }
  return files;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A decision as the daemon answers it, without the bundle digest (which differs by design),
// plus every rule that matched, determining or not.
nlohmann::json Answer(const Decision& decision) {
  nlohmann::json answer = nlohmann::json::parse(decision.ToJson());
  answer.erase("bundle");
  std::vector<std::string> matched(decision.matched.begin(), decision.matched.end());
  std::sort(matched.begin(), matched.end());
  answer["matched"] = matched;
  return answer;
}

TEST_CASE("all stdlib packs load together: schemas and entity data agree") {
  daemon::PolicyLoad all = daemon::LoadPolicyFiles(AllPacks());
  INFO(all.error.status.ToString() << "\n" << all.error.formatted);
  REQUIRE(all.state != nullptr);
  size_t rules = 0;
  for (const fs::path& pack : PackDirs()) {
    CompileOptions options;
    options.schema_path = (pack / "schema.arbiterschema").string();
    CompileResult alone = Engine::Compile({pack.string()}, options);
    REQUIRE(alone.ok());
    rules += alone.engine->rules().size();
  }
  CHECK(all.state->engine.rules().size() == rules);
}

TEST_CASE("together, every pack's sample request gets the answer it gets alone") {
  daemon::PolicyLoad all = daemon::LoadPolicyFiles(AllPacks());
  REQUIRE(all.state != nullptr);
  for (const fs::path& pack : PackDirs()) {
    INFO(pack.string());
    CompileOptions options;
    options.schema_path = (pack / "schema.arbiterschema").string();
    CompileResult alone = Engine::Compile({pack.string()}, options);
    REQUIRE(alone.ok());
    auto entities = EntityStore::FromFile((pack / "entities.json").string());
    REQUIRE(entities.ok());
    std::string request = ReadFile(pack / "playground-request.json");
    auto by_itself = alone.engine->DecideJson(request, *entities);
    auto together = all.state->engine.DecideJson(request, all.state->entities);
    REQUIRE(by_itself.ok());
    REQUIRE(together.ok());
    CHECK(together->errors.empty());
    CHECK(Answer(*together).dump(2) == Answer(*by_itself).dump(2));
  }
}

TEST_CASE("together, a pack's rules do not decide another pack's actions") {
  daemon::PolicyLoad all = daemon::LoadPolicyFiles(AllPacks());
  REQUIRE(all.state != nullptr);
  // sid is a suspended account in the access-rbac data, and `User` is one entity type for all
  // packs; the template's suspension rule covers the template's actions, not a deployment.
  auto decision = all.state->engine.DecideJson(
      R"({"subject": {"type": "User", "id": "sid"}, "action": {"name": "deploy"},
          "resource": {"type": "Model", "id": "fraud-detector-v3"},
          "context": {"environment": "staging", "evidence": [],
                      "now": {"__extn": {"fn": "datetime", "arg": "2026-11-26T10:00:00Z"}}}})",
      all.state->entities);
  REQUIRE(decision.ok());
  CHECK_FALSE(decision->allow);
  CHECK(decision->errors.empty());
  std::vector<std::string> matched(decision->matched.begin(), decision->matched.end());
  CHECK(matched == std::vector<std::string>{"ai.model_deployment.non_owner_deploys"});
}

// Every pack's own tests, run against all packs at once: the rules of every pack, the merged
// schema, and the merged entity data in place of each pack's own entities.json (the tests'
// `data "entities.json"` then names the merged file). Each test must pass, with the rules,
// obligations and evaluation errors it has alone (the fail-closed tests expect an error).
TEST_CASE("together, every pack's tests pass with the same outcome as alone") {
  daemon::PolicyFiles files = AllPacks();
  TempDir combined;
  for (const fs::path& pack : PackDirs()) {
    for (const auto& entry : fs::directory_iterator(pack)) {
      if (entry.path().extension() != ".arbiter") continue;
      combined.Write(pack.filename().string() + "--" + entry.path().filename().string(),
                     ReadFile(entry.path()));
    }
  }
  auto schema = dsl::MergeSchemaFiles(files.schema_paths);
  REQUIRE(schema.ok());
  combined.Write("schema.arbiterschema", *schema);
  auto entities = daemon::MergeEntityFiles(files.data_paths);
  REQUIRE(entities.ok());
  combined.Write("entities.json", *entities);

  policytest::RunOptions options;
  auto together = policytest::RunTests({combined / "."}, options);
  auto alone = policytest::RunTests({ARBITER_SOURCE_DIR "/stdlib-policies"}, options);
  REQUIRE(together.ok());
  REQUIRE(alone.ok());
  REQUIRE(together->packs.size() == 1);
  INFO(together->packs[0].diagnostics_text);
  REQUIRE(together->packs[0].ok);
  CHECK(alone->failed == 0);
  CHECK(together->failed == 0);
  CHECK(together->tests.size() == alone->tests.size());
  CHECK(together->coverage_percent() == 100.0);

  std::map<std::string, const policytest::TestResult*> by_name;
  for (const auto& test : alone->tests) by_name[test.package + "." + test.name] = &test;
  for (const auto& test : together->tests) {
    std::string name = test.package + "." + test.name;
    INFO(name);
    for (const std::string& failure : test.failures) FAIL_CHECK(failure);
    auto it = by_name.find(name);
    REQUIRE(it != by_name.end());
    REQUIRE(test.got.has_value());
    REQUIRE(it->second->got.has_value());
    CHECK(test.got->allow == it->second->got->allow);
    CHECK(test.got->reasons == it->second->got->reasons);
    CHECK(test.got->obligations == it->second->got->obligations);
    CHECK(test.got->errors == it->second->got->errors);
    CHECK(test.got->matched == it->second->got->matched);
  }
}

}  // namespace
}  // namespace arbiter
