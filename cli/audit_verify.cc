// `arbiter audit verify`: check a ledger (or an exported bundle) end to end.
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "cli/audit_common.h"
#include "cli/command.h"

namespace arbiter::cli {
namespace {

struct VerifyFlags {
  std::string ledger;
  std::vector<std::string> keys;
  std::string export_file;
  std::string against;
  std::string format = "text";
  bool deep = false;
};

int Report(const ledger::VerifyReport& report, const std::string& format) {
  if (format == "json") {
    fmt::print("{}\n", report.ToJson());
    return report.ok ? kExitOk : kExitFailure;
  }
  if (report.ok) {
    fmt::print("{}\n", report.Summary());
    return kExitOk;
  }
  fmt::print(stderr, "{}\n", report.Summary());
  return kExitFailure;
}

std::function<int()> SetupVerify(CLI::App& parent) {
  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "verify",
      "Re-hash every entry, check the hash chain, every checkpoint's root and signature; name the "
      "first bad sequence number");
  cmd->add_option("--ledger", flags->ledger, "Ledger directory");
  cmd->add_option("--key", flags->keys,
                  "Public key file (NAME.pub) trusted to sign checkpoints; repeat for several");
  cmd->add_option("--export", flags->export_file,
                  "Check a bundle written by `audit export --bundle` (no database needed; - for "
                  "stdin)");
  cmd->add_flag("--deep", flags->deep, "Also check every payload is canonical JSON (slower)");
  cmd->add_option("--against", flags->against,
                  "A checkpoint saved earlier (signed note file): also prove the ledger is an "
                  "append-only extension of it");
  cmd->add_option("--format", flags->format, "text, or json: the report as one object")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("--json", [flags](int64_t) { flags->format = "json"; }, "Same as --format json");
  return [flags] {
    auto keys = LoadVerifierKeys(flags->keys);
    if (!keys) return kExitFailure;
    if (!flags->export_file.empty()) {
      if (!flags->ledger.empty()) {
        fmt::print(stderr, "error: give either --ledger or --export, not both\n");
        return kExitFailure;
      }
      std::ifstream file;
      std::istream* in = &std::cin;
      if (flags->export_file != "-") {
        file.open(flags->export_file, std::ios::binary);
        if (!file) {
          fmt::print(stderr, "error: cannot read {}\n", flags->export_file);
          return kExitFailure;
        }
        in = &file;
      }
      if (!flags->against.empty()) {
        fmt::print(stderr, "error: --against checks a ledger (--ledger), not a bundle\n");
        return kExitFailure;
      }
      return Report(ledger::VerifyExportBundle(*in, *keys), flags->format);
    }
    if (flags->ledger.empty()) {
      fmt::print(stderr, "error: --ledger DIR (or --export FILE) is required\n");
      return kExitFailure;
    }
    if (keys->empty()) {
      fmt::print(stderr, "error: --key PUBFILE is required to check checkpoint signatures\n");
      return kExitFailure;
    }
    auto ledger = OpenLedgerForAudit(flags->ledger);
    if (!ledger) return kExitFailure;
    ledger::VerifyOptions options;
    options.trusted_keys = *keys;
    options.deep = flags->deep;
    if (!flags->against.empty()) {
      std::ifstream saved(flags->against, std::ios::binary);
      if (!saved) {
        fmt::print(stderr, "error: cannot read the saved checkpoint {}\n", flags->against);
        return kExitFailure;
      }
      options.against.assign(std::istreambuf_iterator<char>(saved), {});
    }
    const bool tty = ::isatty(2) && flags->format == "text";
    if (tty) {
      options.progress = [](uint64_t done, uint64_t total) {
        fmt::print(stderr, "\rverifying: {}/{} entries", done, total);
        std::fflush(stderr);
      };
    }
    auto report = ledger->Verify(options);
    if (tty) fmt::print(stderr, "\r\033[K");
    return Report(report, flags->format);
  };
}

ARBITER_COMMAND("audit verify", SetupVerify);

}  // namespace
}  // namespace arbiter::cli
