// `arbiter version`: the program and format versions, for bug reports.
#include <fmt/core.h>

#include "cli/command.h"

namespace arbiter::cli {
namespace {

std::function<int()> SetupVersion(CLI::App& parent) {
  parent.add_subcommand("version", "Print the version of arbiter");
  return [] {
    fmt::print("arbiter 0.1.0\n");
    return kExitOk;
  };
}

ARBITER_COMMAND("version", SetupVersion);

}  // namespace
}  // namespace arbiter::cli
