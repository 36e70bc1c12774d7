// How a subcommand joins the `arbiter` program: each cli/<name>.cc registers itself with
// ARBITER_COMMAND, so adding a command never touches main.cc. A command file only declares
// flags and calls the library; it holds no logic of its own.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace arbiter::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // bad input, failed check, failed verification
inline constexpr int kExitDenied = 2;   // `eval --fail-on-deny` on a deny

// Adds the subcommand to `app` and returns what to run if the user picks it. The returned
// function may capture state that CLI11 fills in while parsing.
using CommandSetup = std::function<std::function<int()>(CLI::App& app)>;

struct Command {
  std::string name;
  CommandSetup setup;
};

std::vector<Command>& CommandRegistry();

struct CommandRegistrar {
  CommandRegistrar(std::string name, CommandSetup setup) {
    CommandRegistry().push_back({std::move(name), std::move(setup)});
  }
};

}  // namespace arbiter::cli

#define ARBITER_COMMAND_CONCAT_(a, b) a##b
#define ARBITER_COMMAND_CONCAT(a, b) ARBITER_COMMAND_CONCAT_(a, b)
// ARBITER_COMMAND("check", SetupCheck);
#define ARBITER_COMMAND(name, setup)                                                     \
  static const ::arbiter::cli::CommandRegistrar ARBITER_COMMAND_CONCAT(kRegistrar_, \
                                                                       __LINE__)(name, setup)
