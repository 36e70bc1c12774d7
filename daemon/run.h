// `arbiter serve` as a library call: opens the ledger (making a development key when none is
// given), loads and records the policies, serves until SIGTERM/SIGINT, reloads on SIGHUP, and
// shuts down gracefully (stop accepting, finish in-flight requests, flush, final checkpoint).
#pragma once

#include <string>
#include <vector>

#include "common/limits.h"
#include "daemon/http_server.h"
#include "daemon/policy_state.h"

namespace arbiter::daemon {

struct DaemonOptions {
  PolicyFiles policy_files;
  std::string ledger_dir;
  std::string key_file;           // empty: a development key in the ledger directory
  // Development only: accept a key file (--key or the development key) that group or others
  // may read or write. Without it such a file is refused, as ssh refuses one.
  bool allow_insecure_key_file = false;
  std::string durability = "sync";
  std::string listen = "127.0.0.1:8181";
  int threads = 0;                // 0: one per core
  // The HTTP bounds (http_* fields) and the BlockingPool's size; the flags map onto them.
  Limits limits;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;  // ask for client certificates signed by these CAs
  // The URL clients reach the daemon at (a proxy or TLS terminator in front of it), named in
  // the AuthZEN metadata; checked by ParsePublicUrl (daemon/authzen.h). Empty: the listening
  // address, https with TLS.
  std::string public_url;
  std::string admin_token_file;   // a principal `admin` with role `admin`
  std::string auth_file;          // the principals (spec/http-api.md); empty: none
  std::string api_policy_dir;     // empty: the source tree's stdlib-policies/system-api/
  // Without an auth file on a non-loopback address, start anyway with the decision endpoints
  // open to everyone (everything else still needs credentials).
  bool open_decisions = false;
  uint64_t checkpoint_every_entries = 1000;  // 0: never by count
  uint64_t checkpoint_every_ms = 1000;       // 0: never by time
  bool playground = false;
  std::string playground_dir;     // empty: the source tree's playground/
  std::string stdlib_dir;         // empty: the source tree's stdlib-policies/
  // How requests are recorded (spec/ledger-format.md, "Record modes and erasure"):
  // "full", "digest" or "encrypted" (also "requests=<mode>", as the --record flag reads).
  std::string record_requests = "full";
  std::vector<std::string> record_masks;  // JSON pointers masked in full mode
  std::string record_mask_file;           // more of them, one per line
  std::string record_private_dir;         // empty: "<ledger_dir>.private"
  // Written with "host:port\n" once listening (tests use --listen 127.0.0.1:0 and read it).
  std::string port_file;
};

// Runs until a stop signal; returns the process exit code (0 after a clean shutdown).
int RunDaemon(const DaemonOptions& options);

// "host:port" → parts; the port may be 0. False on a malformed address.
bool ParseListen(std::string_view listen, std::string* host, uint16_t* port);

}  // namespace arbiter::daemon
