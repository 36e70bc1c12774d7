// `arbiter serve`: the decision daemon (AuthZEN and native HTTP APIs, every decision recorded
// in the ledger). Flags only; daemon/run.cc does the work.
#include <cstdio>
#include <fstream>

#include "cli/command.h"
#include "daemon/authzen.h"
#include "daemon/run.h"

namespace arbiter::cli {
namespace {

std::function<int()> SetupServe(CLI::App& parent) {
  auto o = std::make_shared<daemon::DaemonOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "serve", "Run the decision daemon: AuthZEN and native HTTP APIs, every decision recorded");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config,
                  "Read flags from a TOML/INI file (keys are the long flag names; the command "
                  "line wins)");
  cmd->add_option("-p,--policies", o->policy_files.policy_paths,
                  "Policy files or folders (*.arbiter)");
  cmd->add_option("-b,--bundle", o->policy_files.bundle_path, "A compiled policy bundle");
  cmd->add_option("--schema", o->policy_files.schema_paths,
                  "Schema for the policies; may repeat, the files' declarations are merged "
                  "(conflicting declarations are an error)");
  cmd->add_option("-d,--data", o->policy_files.data_paths,
                  "Entity data (JSON); may repeat, files are merged");
  cmd->add_option("--ledger", o->ledger_dir, "Ledger directory (created if missing)")->required();
  cmd->add_option("--key", o->key_file,
                  "Ledger signing key file (default: a development key in the ledger directory)");
  cmd->add_flag("--allow-insecure-key-file", o->allow_insecure_key_file,
                "Development only: accept a signing key file that group or others can read");
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Worker threads (0: one per core)")
      ->capture_default_str();
  cmd->add_option("--durability", o->durability, "Ledger durability")
      ->check(CLI::IsMember({"sync", "batch", "none"}))
      ->capture_default_str();
  cmd->add_option("--tls-cert", o->tls_cert_file, "TLS certificate chain (PEM)");
  cmd->add_option("--tls-key", o->tls_key_file, "TLS private key (PEM)");
  cmd->add_option("--tls-client-ca", o->tls_client_ca_file,
                  "CA certificates (PEM) for client certificates; principals with "
                  "cert_subject authenticate with them");
  cmd->add_option("--public-url", o->public_url,
                  "The URL clients reach the daemon at, e.g. https://pdp.example.com/base behind "
                  "a proxy: the AuthZEN metadata names it as policy_decision_point and the "
                  "endpoints below it (http or https, no query or fragment; default: the "
                  "listening address, https with --tls-cert)");
  cmd->add_option("--auth-file", o->auth_file,
                  "The principals: name, roles, and token_sha256 or cert_subject (JSON, "
                  "spec/http-api.md)");
  cmd->add_option("--admin-token-file", o->admin_token_file,
                  "File holding a bearer token: a principal `admin` with role `admin`");
  cmd->add_option("--api-policy", o->api_policy_dir,
                  "Policy pack deciding who may call which endpoint (default: "
                  "stdlib-policies/system-api)");
  cmd->add_flag("--open-decisions", o->open_decisions,
                "Without --auth-file, listen on a non-loopback address anyway, with the "
                "decision endpoints open to everyone on purpose");
  cmd->add_option("--checkpoint-every-entries", o->checkpoint_every_entries,
                  "Sign a checkpoint after this many new entries (0: never by count)")
      ->capture_default_str();
  cmd->add_option("--checkpoint-every-ms", o->checkpoint_every_ms,
                  "Sign a checkpoint when entries are this old (0: never by time)")
      ->capture_default_str();
  cmd->add_option("--body-limit", o->limits.http_body_bytes,
                  "Largest request body in bytes (413 above)")
      ->capture_default_str();
  cmd->add_option("--header-limit", o->limits.http_header_bytes,
                  "Largest request header in bytes (431 above)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--header-timeout-ms", o->limits.http_header_timeout_ms,
                  "Close a connection whose request header is not complete in this time")
      ->capture_default_str();
  cmd->add_option("--body-timeout-ms", o->limits.http_body_timeout_ms,
                  "Close a connection whose request body is not complete in this time")
      ->capture_default_str();
  cmd->add_option("--idle-timeout-ms", o->limits.http_idle_timeout_ms,
                  "Close a keep-alive connection idle for this long")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-connections", o->limits.http_connections,
                  "Open connections at most; further ones wait in the listen backlog")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-requests-per-connection", o->limits.http_requests_per_connection,
                  "Close a keep-alive connection after this many requests")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--blocking-threads", o->limits.http_blocking_threads,
                  "Threads for handlers that may block (compiles, synchronous ledger waits)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--playground", o->playground,
                "Serve the playground page and its endpoints (on loopback, or to principals "
                "with the playground role)");
  cmd->add_flag("--no-playground", [](int64_t) {},
                "Accepted for compatibility: the playground is off unless --playground");
  cmd->add_option("--playground-dir", o->playground_dir, "Folder of the playground page");
  cmd->add_option("--stdlib-dir", o->stdlib_dir, "Policy packs offered as playground examples");
  cmd->add_option("--record", o->record_requests,
                  "How decision requests are recorded: requests=full (default), "
                  "requests=digest (a salted commitment) or requests=encrypted (under a "
                  "per-subject key that `audit erase` deletes)")
      ->capture_default_str();
  cmd->add_option("--record-mask", o->record_masks,
                  "With requests=full: a JSON pointer (RFC 6901) whose value is recorded as a "
                  "keyed digest, e.g. /subject/properties/email; may repeat");
  cmd->add_option("--record-mask-file", o->record_mask_file,
                  "A file of JSON pointers to mask, one per line ('#' comments)");
  cmd->add_option("--record-private", o->record_private_dir,
                  "The ledger's private store of salts and data keys (default: "
                  "<ledger>.private, mode 0700)");
  cmd->add_option("--port-file", o->port_file, "Write HOST:PORT here once listening");
  return [o, cmd, config] {
    if (!config->empty()) {
      // CLI11's own config support does not reach subcommands here, so apply the file's keys
      // to the options that the command line left unset.
      std::ifstream in(*config);
      if (!in) {
        std::fprintf(stderr, "error: cannot read config file '%s'\n", config->c_str());
        return kExitFailure;
      }
      try {
        for (const auto& item : CLI::ConfigTOML().from_config(in)) {
          CLI::Option* opt = cmd->get_option_no_throw("--" + item.name);
          if (opt == nullptr || item.name == "config") {
            std::fprintf(stderr, "error: %s: unknown setting '%s'\n", config->c_str(),
                         item.name.c_str());
            return kExitFailure;
          }
          if (opt->count() > 0) continue;
          opt->add_result(item.inputs);
          opt->run_callback();
        }
      } catch (const CLI::Error& e) {
        std::fprintf(stderr, "error: %s: %s\n", config->c_str(), e.what());
        return kExitFailure;
      }
    }
    if (o->policy_files.policy_paths.empty() == o->policy_files.bundle_path.empty()) {
      std::fputs("error: give either --policies or --bundle\n", stderr);
      return kExitFailure;
    }
    if (o->tls_cert_file.empty() != o->tls_key_file.empty()) {
      std::fputs("error: --tls-cert and --tls-key go together\n", stderr);
      return kExitFailure;
    }
    if (!o->public_url.empty()) {
      std::string error;
      if (!daemon::ParsePublicUrl(o->public_url, &error)) {
        std::fprintf(stderr, "error: %s\n", error.c_str());
        return kExitFailure;
      }
    }
    (void)cmd;
    return daemon::RunDaemon(*o);
  };
}

ARBITER_COMMAND("serve", SetupServe);

}  // namespace
}  // namespace arbiter::cli
