// Shared by the engine's commands (eval, bench, disasm, build): where the policies come from
// (-p files/folders or -b bundle, optional --schema) and how to load them, with diagnostics
// printed to stderr. Commands only declare flags and call these.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include <arbiter/arbiter.h>

namespace arbiter::cli {

// The schema to compile against: one --schema file as is, several merged into one text.
struct SchemaSource {
  std::optional<std::string> path;
  std::optional<std::string> text;
};
// nullopt after printing the error (an unreadable file, or files that conflict).
std::optional<SchemaSource> LoadSchemas(const std::vector<std::string>& files);
// Adds a repeatable --schema FILE to `cmd` (`--schema a --schema b`: packs checked together).
void AddSchemaOption(CLI::App* cmd, std::vector<std::string>* files, const std::string& help);

struct PolicySourceFlags {
  std::vector<std::string> paths;
  std::string bundle;
  std::vector<std::string> schemas;

  // Adds -p/--policy, and optionally -b/--bundle and --schema, to `cmd`.
  void Add(CLI::App* cmd, bool with_bundle = true);
  // Compiles or loads; on failure prints diagnostics / the error to stderr and returns nullopt.
  std::optional<Engine> Load() const;
};

// Reads a file, or stdin for "-". nullopt (after printing an error) when it cannot.
std::optional<std::string> ReadInput(const std::string& path);

// Entity data from a JSON file; an empty path means no entities. nullopt after printing the
// error (with file and position) when the data is unreadable or malformed.
std::optional<EntityStore> LoadEntities(const std::string& path);

// A request read from a file or stdin ("-"), with its text kept for recording.
struct LoadedRequest {
  std::string text;
  Request request;
};
// nullopt after printing the error (with file and position) when the request is malformed.
std::optional<LoadedRequest> LoadRequest(const std::string& path);

}  // namespace arbiter::cli
