// The shape of every stdlib pack: the files the daemon's examples menu and the README promise,
// a control annotation on every rule, and a sample request that decides without errors.
#include <catch2/catch.hpp>

#include <arbiter/engine.h>
#include <arbiter/entities.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace arbiter {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> Packs() {
  std::vector<fs::path> packs;
  for (const auto& entry : fs::directory_iterator(fs::path(ARBITER_SOURCE_DIR) / "stdlib-policies")) {
    if (entry.is_directory()) packs.push_back(entry.path());
  }
  std::sort(packs.begin(), packs.end());
  return packs;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("the library has the six packs the issue names, and the daemon's own API policy") {
  std::vector<std::string> names;
  for (const fs::path& pack : Packs()) names.push_back(pack.filename().string());
  CHECK(names == std::vector<std::string>{"access-abac", "access-rbac", "ai-agent-tools",
                                          "ai-data-access", "ai-inference-guardrails",
                                          "ai-model-deployment", "system-api"});
}

TEST_CASE("every pack has its schema, data, sample request, README, rules and tests") {
  for (const fs::path& pack : Packs()) {
    INFO(pack.string());
    for (const char* file : {"schema.arbiterschema", "entities.json", "playground-request.json",
                             "README.md"}) {
      INFO(file);
      CHECK(fs::is_regular_file(pack / file));
    }
    int rule_files = 0, test_files = 0;
    for (const auto& entry : fs::directory_iterator(pack)) {
      std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".arbiter") continue;
      (name.size() > 13 && name.substr(name.size() - 13) == "_test.arbiter" ? test_files
                                                                             : rule_files)++;
    }
    // One rules file, so the playground can show the pack as one text.
    CHECK(rule_files == 1);
    CHECK(test_files >= 1);
  }
}

TEST_CASE("every rule names at least one control it implements") {
  for (const fs::path& pack : Packs()) {
    INFO(pack.string());
    CompileOptions options;
    options.schema_path = (pack / "schema.arbiterschema").string();
    CompileResult compiled = Engine::Compile({pack.string()}, options);
    INFO(compiled.FormattedDiagnostics());
    REQUIRE(compiled.ok());
    REQUIRE_FALSE(compiled.engine->rules().empty());
    for (const RuleInfo& rule : compiled.engine->rules()) {
      INFO(rule.id);
      bool has_control = false;
      for (const auto& [key, value] : rule.annotations) {
        if (key == "control" && !value.empty()) has_control = true;
      }
      CHECK(has_control);
      CHECK(rule.reason.has_value());
    }
  }
}

TEST_CASE("every pack's sample request decides without evaluation errors") {
  for (const fs::path& pack : Packs()) {
    INFO(pack.string());
    CompileResult compiled = Engine::Compile({pack.string()});
    REQUIRE(compiled.ok());
    auto entities = EntityStore::FromFile((pack / "entities.json").string());
    INFO(entities.status().message());
    REQUIRE(entities.ok());
    auto decision =
        compiled.engine->DecideJson(ReadFile(pack / "playground-request.json"), *entities);
    INFO(decision.status().message());
    REQUIRE(decision.ok());
    CHECK(decision->errors.empty());
    CHECK_FALSE(decision->reasons.empty());
  }
}

TEST_CASE("every pack's README explains every rule by name") {
  for (const fs::path& pack : Packs()) {
    INFO(pack.string());
    std::string readme = ReadFile(pack / "README.md");
    CompileResult compiled = Engine::Compile({pack.string()});
    REQUIRE(compiled.ok());
    for (const RuleInfo& rule : compiled.engine->rules()) {
      std::string name = rule.id.substr(rule.id.rfind('.') + 1);
      INFO(name);
      CHECK(readme.find("`" + name + "`") != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace arbiter
