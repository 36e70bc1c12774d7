// The `arbiter` program: collects the registered subcommands, parses, runs the chosen one.
#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/command.h"

namespace arbiter::cli {

std::vector<Command>& CommandRegistry() {
  static std::vector<Command> registry;
  return registry;
}

// Command groups ("audit verify" lives under "audit") and what each group is for.
static const std::map<std::string, std::string> kGroups = {
    {"audit", "Verify, prove, show, export and replay the audit ledger; follow up obligations; reviews as test cases"},
};

}  // namespace arbiter::cli

int main(int argc, char** argv) {
  using namespace arbiter::cli;
  CLI::App app{"Arbiter: policy decisions with a verifiable audit ledger", "arbiter"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "arbiter 0.1.0");

  auto commands = CommandRegistry();
  std::sort(commands.begin(), commands.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });

  // Each setup adds exactly one subcommand, named by the last word of Command::name, to its
  // parent: the program, or the group named by the first word.
  std::map<CLI::App*, std::function<int()>> runners;
  for (auto& command : commands) {
    CLI::App* parent = &app;
    std::string leaf = command.name;
    if (auto space = command.name.find(' '); space != std::string::npos) {
      std::string group = command.name.substr(0, space);
      leaf = command.name.substr(space + 1);
      CLI::App* existing = nullptr;
      for (CLI::App* sub : app.get_subcommands({})) {
        if (sub->get_name() == group) existing = sub;
      }
      if (existing == nullptr) {
        auto it = kGroups.find(group);
        existing = app.add_subcommand(group, it == kGroups.end() ? "" : it->second);
        existing->require_subcommand(1);
      }
      parent = existing;
    }
    auto run = command.setup(*parent);
    runners[parent->get_subcommand(leaf)] = std::move(run);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help) and picks its own codes (105, 106, ...); keep
    // arbiter's contract: 0 for --help and --version, 1 for any usage error.
    return app.exit(e) == 0 ? kExitOk : kExitFailure;
  }
  // The chosen leaf: follow the chain of selected subcommands down.
  CLI::App* chosen = &app;
  while (!chosen->get_subcommands().empty()) chosen = chosen->get_subcommands().front();
  auto it = runners.find(chosen);
  if (it == runners.end()) {
    std::fputs(chosen->help().c_str(), stderr);
    return kExitFailure;
  }
  return it->second();
}
