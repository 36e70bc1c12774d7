// `arbiter fmt`: print policy files in the canonical layout, rewrite them, or check them.
#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/command.h"
#include "dsl/frontend.h"

namespace arbiter::cli {
namespace {

struct FmtFlags {
  bool write = false;
  bool check = false;
  std::vector<std::string> paths;
};

// Files as `arbiter check` takes them: a folder means every *.arbiter below it.
std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ".arbiter") {
        found.push_back(it->path().string());
      }
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::function<int()> SetupFmt(CLI::App& parent) {
  auto flags = std::make_shared<FmtFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "fmt", "Format policy files in the canonical layout (prints them unless told otherwise)");
  auto* write = cmd->add_flag("--write,-w", flags->write, "Rewrite the files in place");
  cmd->add_flag("--check", flags->check,
                "Print nothing; exit 1 and name each file that is not formatted")
      ->excludes(write);
  cmd->add_option("paths", flags->paths, "Policy files or folders")->required();
  return [flags] {
    int status = kExitOk;
    for (const std::string& path : ExpandPaths(flags->paths)) {
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        fmt::print(stderr, "{}: cannot open file\n", path);
        status = kExitFailure;
        continue;
      }
      std::stringstream text;
      text << in.rdbuf();
      std::string original = text.str();
      Result<std::string> formatted = dsl::FormatSource(original, path);
      if (!formatted.ok()) {
        fmt::print(stderr, "{}\n", formatted.status().message());
        status = kExitFailure;
        continue;
      }
      if (flags->check) {
        if (*formatted != original) {
          fmt::print(stderr, "{}: not formatted (run `arbiter fmt --write {}`)\n", path, path);
          status = kExitFailure;
        }
      } else if (flags->write) {
        if (*formatted != original) {
          std::ofstream out(path, std::ios::binary | std::ios::trunc);
          out << *formatted;
          if (!out) {
            fmt::print(stderr, "{}: cannot write file\n", path);
            status = kExitFailure;
          }
        }
      } else {
        fmt::print("{}", *formatted);
      }
    }
    return status;
  };
}

ARBITER_COMMAND("fmt", SetupFmt);

}  // namespace
}  // namespace arbiter::cli
