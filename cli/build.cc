// `arbiter build`: compile policies into a bundle file.
#include <cstdio>

#include "cli/command.h"
#include "cli/policy_source.h"

namespace arbiter::cli {
namespace {

struct BuildFlags {
  PolicySourceFlags policies;
  std::string output;
};

int RunBuild(const BuildFlags& f) {
  std::optional<Engine> engine = f.policies.Load();
  if (!engine) return kExitFailure;
  Status st = engine->WriteBundle(f.output);
  if (!st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
    return kExitFailure;
  }
  std::printf("%s: %zu rules, %zu bytes, %s\n", f.output.c_str(), engine->rules().size(),
              engine->bundle_bytes().size(), engine->digest().c_str());
  return kExitOk;
}

std::function<int()> SetupBuild(CLI::App& parent) {
  auto flags = std::make_shared<BuildFlags>();
  CLI::App* cmd = parent.add_subcommand("build", "Compile policies into a bundle file");
  flags->policies.Add(cmd, /*with_bundle=*/false);
  cmd->add_option("-o,--output", flags->output, "The bundle file to write")->required();
  return [flags] { return RunBuild(*flags); };
}

ARBITER_COMMAND("build", SetupBuild);

}  // namespace
}  // namespace arbiter::cli
