// `arbiter disasm`: print the bytecode of a bundle file, or of policies compiled on the spot.
#include <cstdio>

#include "cli/command.h"
#include "cli/policy_source.h"

namespace arbiter::cli {
namespace {

struct DisasmFlags {
  std::vector<std::string> inputs;
  std::vector<std::string> schemas;
};

int RunDisasm(const DisasmFlags& f) {
  PolicySourceFlags source;
  source.schemas = f.schemas;
  // One argument that is a bundle file (it starts with the bundle magic) is loaded; anything
  // else is compiled as policy files or folders.
  if (f.inputs.size() == 1) {
    std::FILE* file = std::fopen(f.inputs[0].c_str(), "rb");
    char magic[8] = {};
    if (file) {
      size_t n = std::fread(magic, 1, sizeof magic, file);
      std::fclose(file);
      if (n == 8 && std::string_view(magic, 7) == "ARBITER") source.bundle = f.inputs[0];
    }
  }
  if (source.bundle.empty()) source.paths = f.inputs;
  std::optional<Engine> engine = source.Load();
  if (!engine) return kExitFailure;
  std::string text = engine->Disassemble();
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

std::function<int()> SetupDisasm(CLI::App& parent) {
  auto flags = std::make_shared<DisasmFlags>();
  CLI::App* cmd = parent.add_subcommand("disasm", "Print the bytecode with rule ids and source lines");
  cmd->add_option("inputs", flags->inputs, "A bundle file, or policy files/folders")->required();
  AddSchemaOption(cmd, &flags->schemas, "A schema file (when compiling)");
  return [flags] { return RunDisasm(*flags); };
}

ARBITER_COMMAND("disasm", SetupDisasm);

}  // namespace
}  // namespace arbiter::cli
