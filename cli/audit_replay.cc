// `arbiter audit replay`: decide recorded requests again from the ledger (or an export
// bundle) alone; with --policies, under a candidate policy set (what-if).
#include <cstdio>

#include <filesystem>

#include "audit/replay.h"
#include "cli/audit_common.h"
#include "cli/command.h"
#include "cli/policy_source.h"
#include "ledger/privacy_store.h"

namespace arbiter::cli {
namespace {

struct ReplayFlags {
  std::string ledger;
  std::string bundle_file;
  std::vector<std::string> keys;
  std::string from;
  std::string to;
  std::vector<std::string> decision_ids;
  std::vector<std::string> candidate;  // files, folders, or one compiled bundle
  std::vector<std::string> schemas;
  std::string private_dir;
  std::string format = "text";
  bool json = false;
  size_t max_examples = 20;
};

// A candidate given as one compiled bundle file (not policy source) is loaded; anything else
// is compiled (files or folders of *.arbiter, with --schema).
std::optional<Engine> LoadCandidate(const ReplayFlags& f) {
  std::error_code ec;
  if (f.candidate.size() == 1 && std::filesystem::is_regular_file(f.candidate[0], ec) &&
      !f.candidate[0].ends_with(".arbiter")) {
    auto engine = Engine::LoadBundleFile(f.candidate[0]);
    if (!engine.ok()) {
      std::fprintf(stderr, "error: %s\n", engine.status().message().c_str());
      return std::nullopt;
    }
    return std::move(engine).value();
  }
  PolicySourceFlags source;
  source.paths = f.candidate;
  source.schemas = f.schemas;
  return source.Load();
}

int RunReplay(const ReplayFlags& f) {
  std::optional<Engine> candidate;
  if (!f.candidate.empty()) {
    candidate = LoadCandidate(f);
    if (!candidate) return kExitFailure;
  }
  std::unique_ptr<ledger::Ledger> ledger;
  auto history = OpenHistoryForAudit(f.ledger, f.bundle_file, f.keys, &ledger);
  if (!history) return kExitFailure;
  std::unique_ptr<ledger::PrivacyStore> store;
  if (!f.private_dir.empty()) {
    auto opened = ledger::PrivacyStore::Open(f.private_dir, /*read_only=*/true);
    if (!opened.ok()) {
      std::fprintf(stderr, "error: %s\n", opened.status().message().c_str());
      return kExitFailure;
    }
    store = std::move(opened).value();
  }
  audit::ReplayOptions options;
  options.range.from = f.from;
  options.range.to = f.to;
  options.decision_ids = f.decision_ids;
  options.candidate = candidate ? &*candidate : nullptr;
  options.private_store = store.get();
  options.max_examples = f.max_examples;
  auto report = audit::Replay(*history, options);
  if (!report.ok()) {
    std::fprintf(stderr, "error: %s\n", report.status().message().c_str());
    return kExitFailure;
  }
  std::string out = f.json || f.format == "json" ? report->ToJson() : report->ToText();
  std::fputs(out.c_str(), stdout);
  if (candidate) return kExitOk;
  return report->differ == 0 ? kExitOk : kExitFailure;
}

std::function<int()> SetupReplay(CLI::App& parent) {
  auto flags = std::make_shared<ReplayFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "replay",
      "Decide recorded requests again: reproduce them (determinism), or what-if under "
      "--policies");
  cmd->footer(
      "Examples:\n"
      "  arbiter audit replay --ledger var/ledger\n"
      "  arbiter audit replay --ledger var/ledger --from 2026-11-01 --policies edited/\n"
      "  arbiter audit replay --export audit.bundle --key ledger.pub --format json\n"
      "Exit: 0 all reproduced (or a what-if report), 1 a decision differs, or an error.");
  AddHistoryOptions(cmd, &flags->ledger, &flags->bundle_file, &flags->keys);
  cmd->add_option("--from", flags->from, "First entry: a seq or a UTC time (2026-11-26T10:00:00Z)");
  cmd->add_option("--to", flags->to, "Last entry (inclusive): a seq or a UTC time (prefix)");
  cmd->add_option("--decision-id", flags->decision_ids, "Only this decision (repeatable)");
  cmd->add_option("--policies", flags->candidate,
                  "Candidate policy set (files, folders or one compiled bundle): decide the "
                  "recorded requests under it and report what would change");
  AddSchemaOption(cmd, &flags->schemas, "Schema for compiling the candidate policies");
  cmd->add_option("--private", flags->private_dir,
                  "The ledger's private store, to open encrypted requests");
  cmd->add_option("--format", flags->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Same as --format json");
  cmd->add_option("--max-examples", flags->max_examples,
                  "Differences to list in full (all are counted)")
      ->capture_default_str();
  return [flags] { return RunReplay(*flags); };
}

ARBITER_COMMAND("audit replay", SetupReplay);

}  // namespace
}  // namespace arbiter::cli
