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

struct PolicySourceFlags {
  std::vector<std::string> paths;
  std::string bundle;
  std::string schema;

  // Adds -p/--policy, and optionally -b/--bundle and --schema, to `cmd`.
  void Add(CLI::App* cmd, bool with_bundle = true);
  // Compiles or loads; on failure prints diagnostics / the error to stderr and returns nullopt.
  std::optional<Engine> Load() const;
};

// Reads a file, or stdin for "-". nullopt (after printing an error) when it cannot.
std::optional<std::string> ReadInput(const std::string& path);

}  // namespace arbiter::cli
