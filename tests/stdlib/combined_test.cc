// Merging several schema files, as `arbiter serve --schema A B ...` does to load several
// policy packs together (daemon::MergeSchemaFiles).
#include <catch2/catch.hpp>

#include <arbiter/engine.h>
#include <arbiter/entities.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/policy_state.h"
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
  auto merged = daemon::MergeSchemaFiles({dir / "a.arbiterschema", dir / "b.arbiterschema"});
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
      {{"p.arbiter", "package p;\npermit r { when action == Action::\"deploy\" && subject.emial == \"\" }\n"}},
      options);
  CHECK_FALSE(typo.ok());
  CHECK(typo.FormattedDiagnostics().find("E0403") != std::string::npos);
}

TEST_CASE("merged schemas: an attribute declared with two different types is a conflict") {
  TempDir dir;
  dir.Write("a.arbiterschema", "entity Model { provider: String };\n");
  dir.Write("b.arbiterschema", "entity Provider;\nentity Model { provider: Provider };\n");
  auto merged = daemon::MergeSchemaFiles({dir / "a.arbiterschema", dir / "b.arbiterschema"});
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
  auto merged = daemon::MergeSchemaFiles({dir / "a.arbiterschema", dir / "b.arbiterschema"});
  REQUIRE_FALSE(merged.ok());
  CHECK(merged.status().message().find("`card?: String`") != std::string::npos);
}

TEST_CASE("merged schemas: one action name declared two ways is a conflict") {
  TempDir dir;
  dir.Write("a.arbiterschema",
            "entity User;\nentity Doc;\n"
            "action read appliesTo { subject: [User], resource: [Doc], context: {} };\n");
  dir.Write("b.arbiterschema",
            "entity User;\nentity Doc;\n"
            "action read appliesTo { subject: [User], resource: [Doc], context: { mfa: Bool } };\n");
  auto merged = daemon::MergeSchemaFiles({dir / "a.arbiterschema", dir / "b.arbiterschema"});
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
  auto merged = daemon::MergeSchemaFiles({dir / "a.arbiterschema", dir / "b.arbiterschema"});
  REQUIRE_FALSE(merged.ok());
  CHECK(merged.status().message().find(dir / "b.arbiterschema:1:21: error[E0402]") !=
        std::string::npos);
  CHECK_FALSE(daemon::MergeSchemaFiles({dir / "missing.arbiterschema"}).ok());
}

TEST_CASE("the daemon's loader merges several schemas and refuses conflicting ones") {
  TempDir dir;
  dir.Write("p/rules.arbiter",
            "package p;\npermit r { when action == Action::\"go\" && subject.level > 2 }\n");
  dir.Write("a.arbiterschema",
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

}  // namespace
}  // namespace arbiter
