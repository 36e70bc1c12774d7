// `arbiter check`: parse and check policy files; diagnostics on stderr (or JSON on stdout).
#include <fmt/core.h>

#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/policy_source.h"
#include "dsl/frontend.h"

namespace arbiter::cli {
namespace {

struct CheckFlags {
  std::vector<std::string> schemas;
  std::string format = "text";
  std::vector<std::string> paths;
};

std::function<int()> SetupCheck(CLI::App& parent) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "check", "Parse and check policy files or folders (every *.arbiter below a folder)");
  AddSchemaOption(cmd, &flags->schemas, "Schema file (.arbiterschema) to check against");
  cmd->add_option("--format", flags->format, "Diagnostics as text (stderr) or json (stdout)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("paths", flags->paths, "Policy files or folders")->required();
  return [flags] {
    dsl::FrontendOptions options;
    auto schema = LoadSchemas(flags->schemas);
    if (!schema) return kExitFailure;
    options.schema_path = schema->path;
    options.schema_text = schema->text;
    dsl::FrontendResult result = dsl::LoadPolicyFiles(flags->paths, options);
    const dsl::SourceSet& sources = *result.policies.sources;
    if (flags->format == "json") {
      fmt::print("{}\n", dsl::DiagnosticsToJson(result.diagnostics, sources)
                             .dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      for (const auto& d : result.diagnostics) {
        fmt::print(stderr, "{}\n", dsl::FormatDiagnostic(d, sources));
      }
      size_t errors = 0;
      for (const auto& d : result.diagnostics) errors += d.severity == dsl::Severity::kError;
      if (errors > 0) fmt::print(stderr, "{} error{}\n", errors, errors == 1 ? "" : "s");
    }
    return result.ok() ? kExitOk : kExitFailure;
  };
}

ARBITER_COMMAND("check", SetupCheck);

}  // namespace
}  // namespace arbiter::cli
