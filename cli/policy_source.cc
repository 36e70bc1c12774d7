#include "cli/policy_source.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "dsl/schema_merge.h"

namespace arbiter::cli {

std::optional<SchemaSource> LoadSchemas(const std::vector<std::string>& files) {
  SchemaSource source;
  if (files.size() == 1) source.path = files[0];
  if (files.size() > 1) {
    auto merged = dsl::MergeSchemaFiles(files);
    if (!merged.ok()) {
      std::fprintf(stderr, "error: %s\n", merged.status().message().c_str());
      return std::nullopt;
    }
    source.text = std::move(merged).value();
  }
  return source;
}

void AddSchemaOption(CLI::App* cmd, std::vector<std::string>* files, const std::string& help) {
  cmd->add_option("--schema", *files, help + "; repeat it to merge several")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
}

void PolicySourceFlags::Add(CLI::App* cmd, bool with_bundle) {
  cmd->add_option("-p,--policy", paths, "Policy files or folders (*.arbiter)");
  if (with_bundle) cmd->add_option("-b,--bundle", bundle, "A compiled bundle (arbiter build)");
  AddSchemaOption(cmd, &schemas, "A schema file for type checking");
}

std::optional<Engine> PolicySourceFlags::Load() const {
  if (!bundle.empty()) {
    if (!paths.empty()) {
      std::fprintf(stderr, "error: give either -p or -b, not both\n");
      return std::nullopt;
    }
    auto engine = Engine::LoadBundleFile(bundle);
    if (!engine.ok()) {
      std::fprintf(stderr, "error: %s\n", engine.status().ToString().c_str());
      return std::nullopt;
    }
    return std::move(engine).value();
  }
  if (paths.empty()) {
    std::fprintf(stderr, "error: no policies: give -p PATH... or -b BUNDLE\n");
    return std::nullopt;
  }
  CompileOptions options;
  auto schema = LoadSchemas(schemas);
  if (!schema) return std::nullopt;
  options.schema_path = schema->path;
  options.schema_text = schema->text;
  CompileResult result = Engine::Compile(paths, options);
  std::string diagnostics = result.FormattedDiagnostics();
  if (!diagnostics.empty()) std::fputs(diagnostics.c_str(), stderr);
  if (!result.ok()) {
    std::fprintf(stderr, "error: %s\n", result.status.message().c_str());
    return std::nullopt;
  }
  return std::move(*result.engine);
}

std::optional<std::string> ReadInput(const std::string& path) {
  std::stringstream buf;
  if (path == "-") {
    buf << std::cin.rdbuf();
    return buf.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "error: %s: cannot open\n", path.c_str());
    return std::nullopt;
  }
  buf << in.rdbuf();
  return buf.str();
}

std::optional<EntityStore> LoadEntities(const std::string& path) {
  if (path.empty()) return EntityStore();
  auto store = EntityStore::FromFile(path);
  if (!store.ok()) {
    std::fprintf(stderr, "error: %s\n", store.status().message().c_str());
    return std::nullopt;
  }
  return std::move(store).value();
}

std::optional<LoadedRequest> LoadRequest(const std::string& path) {
  std::optional<std::string> text = ReadInput(path);
  if (!text) return std::nullopt;
  auto request = Request::FromJson(*text, path == "-" ? "<stdin>" : path);
  if (!request.ok()) {
    std::fprintf(stderr, "error: %s\n", request.status().message().c_str());
    return std::nullopt;
  }
  return LoadedRequest{std::move(*text), std::move(request).value()};
}

}  // namespace arbiter::cli
