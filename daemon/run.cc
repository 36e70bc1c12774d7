#include "daemon/run.h"

#include <arbiter/ledger.h>
#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "daemon/auth_file.h"
#include "daemon/auth_policy.h"
#include "daemon/authzen.h"
#include "daemon/blocking_pool.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/playground.h"
#include "daemon/router.h"
#include "daemon/service.h"
#include "recorder/privacy.h"
#include "recorder/recorder.h"

namespace arbiter::daemon {

namespace fs = std::filesystem;

bool ParseListen(std::string_view listen, std::string* host, uint16_t* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view port_text = listen.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string_view::npos) {
    return false;
  }
  unsigned long value = std::stoul(std::string(port_text));
  if (value > 65535) return false;
  std::string_view h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  *host = std::string(h);
  *port = static_cast<uint16_t>(value);
  return true;
}

namespace {

// The exit status after SIGTERM/SIGINT when the ledger was failed (a storage error it could
// not recover from by shutdown): EX_TEMPFAIL from sysexits.h. Nothing acknowledged is lost.
constexpr int kExitLedgerFailed = 75;

// 127.0.0.0/8 or ::1. A name ("localhost") is not resolved here: the server refuses it.
bool IsLoopbackHost(const std::string& host) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

// The signing key: --key, or a development key kept in the ledger directory. A new
// development key is written next to the ledger only after the ledger has been created, since
// the ledger refuses a directory that holds something other than a ledger.
struct ObtainedKey {
  ledger::SigningKey key;
  bool write_after_open = false;
};

Result<ObtainedKey> ObtainKey(const DaemonOptions& options) {
  const auto permissions = options.allow_insecure_key_file
                               ? ledger::KeyFilePermissions::kAllowGroupOrOthers
                               : ledger::KeyFilePermissions::kOwnerOnly;
  if (options.allow_insecure_key_file) {
    LogWarning("--allow-insecure-key-file: a signing key file others can read is accepted "
               "(development only)");
  }
  if (!options.key_file.empty()) {
    auto key = ledger::SigningKey::LoadFile(options.key_file, permissions);
    if (!key.ok()) return key.status();
    return ObtainedKey{std::move(key).value(), false};
  }
  fs::path key_path = fs::path(options.ledger_dir) / "arbiter-dev.key";
  if (fs::exists(key_path)) {
    LogWarning("no --key given: using the development key {} (not for production)",
               key_path.string());
    auto key = ledger::SigningKey::LoadFile(key_path.string(), permissions);
    if (!key.ok()) {
      if (key.status().code() == StatusCode::kPermissionDenied) {
        return Status::PermissionDenied(
            key.status().message() +
            " (the development key; pass --allow-insecure-key-file to accept it anyway)");
      }
      return key.status();
    }
    return ObtainedKey{std::move(key).value(), false};
  }
  auto key = ledger::SigningKey::Generate("arbiter-dev");
  if (!key.ok()) return key.status();
  return ObtainedKey{std::move(key).value(), true};
}

// Reading back further than this for the activation in force costs more at start than a
// redundant activation entry does.
constexpr uint64_t kActivationScanLimit = 1'000'000;

// The size of the latest signed checkpoint (0: none yet).
Result<uint64_t> SignedSize(const ledger::Ledger& ledger) {
  auto note = ledger.LatestCheckpoint();
  if (!note.ok()) {
    if (note.status().code() == StatusCode::kNotFound) return uint64_t{0};
    return note.status();
  }
  size_t blank = note->find("\n\n");
  if (blank == std::string::npos) return Status::Corruption("the latest checkpoint is malformed");
  ARBITER_ASSIGN_OR_RETURN(ledger::CheckpointBody body,
                           ledger::ParseCheckpointBody(note->substr(0, blank + 1)));
  return body.size;
}

// Puts the loaded policies in force. When the ledger's activation in force has the same
// bundle and data, a restart records a start entry pointing at it; otherwise an activation.
Status StartPolicies(DecisionService& service, ledger::Ledger& ledger,
                     std::shared_ptr<PolicyState> state) {
  auto in_force = FindActivationInForce(ledger, kActivationScanLimit);
  if (!in_force.ok()) {
    LogWarning("cannot find the activation in force ({}); recording a new one",
               in_force.status().ToString());
  }
  // An activation recorded before bundles and data were (no bytes to replay with) is
  // recorded again rather than pointed at.
  if (in_force.ok() && *in_force && (*in_force)->bundle_digest == state->engine.digest() &&
      (*in_force)->data_digest == state->data_digest && (*in_force)->bundle_recorded) {
    if (!state->data_json.empty()) {
      auto data = recorder::EnsureDataRecorded(ledger, state->data_json);
      if (!data.ok()) {
        return Status(data.status().code(),
                      fmt::format("cannot record the entity data: {}", data.status().message()));
      }
    }
    ledger::StartRecord start;
    start.activation_seq = (*in_force)->seq;
    start.bundle_digest = state->engine.digest();
    start.data_digest = state->data_digest;
    start.version = ARBITER_VERSION;
    ARBITER_ASSIGN_OR_RETURN(ledger::Record record, start.ToRecord());
    auto receipt = ledger.Append(std::move(record));
    if (!receipt.ok()) {
      return Status(receipt.status().code(),
                    fmt::format("cannot record the start: {}", receipt.status().message()));
    }
    state->activation_seq = (*in_force)->seq;
    LogInfo("policies unchanged since the activation at seq {}: bundle {} ({} rules); start "
            "recorded at seq {}",
            (*in_force)->seq, state->engine.digest(), state->engine.rules().size(),
            receipt->seq);
    service.Resume(std::move(state));
    return Status::Ok();
  }
  return service.Activate(std::move(state), "daemon start");
}

Result<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot read admin token file '{}'", path));
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  size_t start = 0;
  while (start < token.size() && std::isspace(static_cast<unsigned char>(token[start]))) ++start;
  token = token.substr(start);
  if (token.size() < 16) {
    return Status::InvalidArgument(
        fmt::format("the admin token in '{}' is shorter than 16 characters", path));
  }
  return token;
}

// Stop and reload requests from the signal handler to the main thread.
struct Control {
  std::mutex mutex;
  std::condition_variable cv;
  bool stop = false;
  int reloads = 0;
  int stop_signal = 0;
};

void WaitForSignals(boost::asio::signal_set& signals, Control& control) {
  signals.async_wait([&signals, &control](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    {
      std::lock_guard lock(control.mutex);
      if (signal == SIGHUP) {
        ++control.reloads;
      } else {
        control.stop = true;
        control.stop_signal = signal;
      }
    }
    control.cv.notify_all();
    if (signal == SIGHUP) WaitForSignals(signals, control);
  });
}

}  // namespace

int RunDaemon(const DaemonOptions& options) {
  // A write past a file-size limit must become a ledger error (fail closed), not a crash.
  std::signal(SIGXFSZ, SIG_IGN);
  std::signal(SIGPIPE, SIG_IGN);

  HttpServerOptions http;
  if (!ParseListen(options.listen, &http.host, &http.port)) {
    LogError("--listen must be HOST:PORT, not '{}'", options.listen);
    return 1;
  }
  http.threads = options.threads > 0
                     ? options.threads
                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  http.limits = options.limits;
  if (!options.tls_cert_file.empty()) http.tls_cert_file = options.tls_cert_file;
  if (!options.tls_key_file.empty()) http.tls_key_file = options.tls_key_file;
  if (!options.tls_client_ca_file.empty()) {
    if (options.tls_cert_file.empty()) {
      LogError("--tls-client-ca needs --tls-cert and --tls-key (client certificates are TLS)");
      return 1;
    }
    http.tls_client_ca_file = options.tls_client_ca_file;
  }
  std::optional<std::string> public_url;
  if (!options.public_url.empty()) {
    std::string error;
    public_url = ParsePublicUrl(options.public_url, &error);
    if (!public_url) {
      LogError("{}", error);
      return 1;
    }
  }

  ApiFacts facts;
  facts.auth_file = !options.auth_file.empty();
  facts.loopback = IsLoopbackHost(http.host);
  facts.open_decisions = options.open_decisions;
  if (!facts.loopback && !facts.auth_file && !facts.open_decisions) {
    LogError("refusing to listen on {} without --auth-file: anyone who can reach it could ask "
             "for decisions. Give --auth-file FILE (the principals and their roles, "
             "spec/http-api.md), or --open-decisions to open the decision endpoints to "
             "everyone on purpose (everything else still answers 401)",
             options.listen);
    return 1;
  }
  std::vector<PrincipalEntry> principals;
  if (!options.auth_file.empty()) {
    auto loaded = LoadAuthFile(options.auth_file);
    if (!loaded.ok()) {
      LogError("{}", loaded.status().message());
      return 1;
    }
    principals = std::move(loaded).value();
    bool certificates = false;
    for (const auto& p : principals) certificates |= !p.cert_subject.empty();
    if (certificates && options.tls_client_ca_file.empty()) {
      LogError("{}: principals with cert_subject need --tls-client-ca (the CAs that sign "
               "their client certificates)",
               options.auth_file);
      return 1;
    }
  }

  auto durability = ledger::ParseDurability(options.durability);
  if (!durability.ok()) {
    LogError("{}", durability.status().message());
    return 1;
  }
  auto record_mode = recorder::ParseRequestMode(options.record_requests);
  if (!record_mode.ok()) {
    LogError("--record: {}", record_mode.status().message());
    return 1;
  }
  std::vector<std::string> record_masks = options.record_masks;
  if (!options.record_mask_file.empty()) {
    auto listed = recorder::ReadMaskFile(options.record_mask_file);
    if (!listed.ok()) {
      LogError("--record-mask-file: {}", listed.status().message());
      return 1;
    }
    record_masks.insert(record_masks.end(), listed->begin(), listed->end());
  }
  std::string admin_token;
  if (!options.admin_token_file.empty()) {
    auto token = ReadToken(options.admin_token_file);
    if (!token.ok()) {
      LogError("{}", token.status().message());
      return 1;
    }
    admin_token = std::move(token).value();
    PrincipalEntry admin = AdminTokenPrincipal(admin_token);
    for (const auto& p : principals) {
      if (p.name == admin.name || p.token_sha256 == admin.token_sha256) {
        LogError("--admin-token-file: the auth file already has a principal '{}' or that "
                 "token; give the admin principal in one place",
                 p.name);
        return 1;
      }
    }
    principals.push_back(std::move(admin));
  }
  std::string api_policy_dir = options.api_policy_dir.empty()
                                   ? std::string(ARBITER_STDLIB_DIR) + "/system-api"
                                   : options.api_policy_dir;
  auto guard_or = ApiGuard::Create(api_policy_dir, std::move(principals), facts);
  if (!guard_or.ok()) {
    LogError("{}", guard_or.status().message());
    return 1;
  }
  std::unique_ptr<ApiGuard> guard = std::move(guard_or).value();
  LogInfo("API policy {} ({} principals{}{})", api_policy_dir,
          guard->authenticator().principals().size() - 1,
          facts.auth_file ? "" : "; no --auth-file: only the decision endpoints answer",
          facts.open_decisions ? "; decisions open to everyone (--open-decisions)" : "");

  auto key = ObtainKey(options);
  if (!key.ok()) {
    LogError("cannot get the ledger signing key: {}", key.status().ToString());
    return 1;
  }
  ledger::LedgerOptions ledger_options;
  ledger_options.durability = *durability;
  ledger_options.checkpoint_every_entries = options.checkpoint_every_entries;
  ledger_options.checkpoint_every_ms = options.checkpoint_every_ms;
  ledger_options.signing_key = std::make_shared<const ledger::SigningKey>(std::move(key->key));
  auto opened = ledger::Ledger::Open(options.ledger_dir, ledger_options);
  if (!opened.ok()) {
    LogError("cannot open the ledger at '{}': {}", options.ledger_dir,
             opened.status().ToString());
    return 1;
  }
  if (key->write_after_open) {
    auto written = ledger::WriteKeyFiles(*ledger_options.signing_key, options.ledger_dir);
    if (!written.ok()) {
      LogError("cannot write the development key: {}", written.status().ToString());
      return 1;
    }
    LogWarning("no --key given: created a development key {} with public key {} "
               "(not for production; use `arbiter keygen` and --key)",
               written->first, written->second);
  }
  std::unique_ptr<ledger::Ledger> ledger = std::move(opened).value();
  LogInfo("ledger {} open ({} entries, durability {}, origin '{}')", options.ledger_dir,
          ledger->Size(), options.durability, ledger->origin());
  // Entries past the latest checkpoint were left by a crash (kill -9, power loss): only the
  // hash chain covers them until a checkpoint is signed, which happens before serving.
  auto signed_size = SignedSize(*ledger);
  if (!signed_size.ok()) {
    LogError("cannot read the ledger's latest checkpoint: {}", signed_size.status().ToString());
    (void)ledger->Close();
    return 1;
  }
  const uint64_t unsigned_at_open = ledger->Size() - std::min(ledger->Size(), *signed_size);

  Metrics metrics;
  ServiceOptions service_options;
  service_options.policy_files = options.policy_files;
  if (*record_mode != recorder::RequestMode::kFull || !record_masks.empty()) {
    // Salts, the mask key and data keys live outside the ledger (spec/ledger-format.md,
    // "Record modes and erasure"); full mode without masks never opens the store.
    std::string dir = options.record_private_dir.empty()
                          ? ledger::PrivacyStore::DefaultDir(options.ledger_dir)
                          : options.record_private_dir;
    auto store = ledger::PrivacyStore::Open(dir, false);
    if (!store.ok()) {
      LogError("cannot open the ledger's private store: {}", store.status().message());
      (void)ledger->Close();
      return 1;
    }
    auto privacy = recorder::RequestPrivacy::Make(
        *record_mode, record_masks,
        std::shared_ptr<ledger::PrivacyStore>(std::move(store).value()));
    if (!privacy.ok()) {
      LogError("{}", privacy.status().message());
      (void)ledger->Close();
      return 1;
    }
    service_options.record_privacy = std::move(privacy).value();
    LogInfo("recording requests={} ({} masked paths), private store {}",
            recorder::RequestModeName(*record_mode), record_masks.size(), dir);
  }
  DecisionService service(service_options, ledger.get(), &metrics);

  PolicyLoad load = LoadPolicyFiles(options.policy_files);
  if (!load.state) {
    if (!load.error.formatted.empty()) std::fputs(load.error.formatted.c_str(), stderr);
    LogError("cannot load the policies: {}", load.error.status.ToString());
    (void)ledger->Close();
    return 1;
  }
  if (Status st = StartPolicies(service, *ledger, std::move(load.state)); !st.ok()) {
    LogError("{}", st.ToString());
    (void)ledger->Close();
    return 1;
  }
  if (unsigned_at_open > 0) {
    auto checkpoint = ledger->MakeCheckpoint();
    if (!checkpoint.ok()) {
      LogError("cannot sign a checkpoint over the recovered entries: {}",
               checkpoint.status().ToString());
      (void)ledger->Close();
      return 1;
    }
    LogInfo("recovered {} {} past the last checkpoint (size {}; the last run did not shut "
            "down cleanly); signed a checkpoint of size {} before serving",
            unsigned_at_open, unsigned_at_open == 1 ? "entry" : "entries", *signed_size,
            ledger->Size());
  }

  // Handlers that may block (Router::AddBlocking) run here, off the I/O threads.
  BlockingPool blocking(options.limits);
  Router router(&blocking);
  service.AddRoutes(router, *guard);
  std::unique_ptr<Playground> playground;
  if (options.playground) {
    PlaygroundOptions pg;
    pg.page_dir = options.playground_dir.empty() ? ARBITER_PLAYGROUND_DIR : options.playground_dir;
    pg.stdlib_dir = options.stdlib_dir.empty() ? ARBITER_STDLIB_DIR : options.stdlib_dir;
    auto created = Playground::Create(pg);
    if (!created.ok()) {
      LogError("cannot start the playground: {}", created.status().ToString());
      (void)ledger->Close();
      return 1;
    }
    playground = std::move(created).value();
    playground->AddRoutes(router, *guard);
    if (!facts.loopback) {
      LogWarning("--playground on a non-loopback address: served only to principals with the "
                 "playground role");
    }
  }

  auto server_or = HttpServer::Create(
      http, [&router](HttpRequest& req, Reply reply) { router.Route(req, std::move(reply)); },
      [&metrics](unsigned status, double seconds) {
        metrics.RecordResponse(status);
        metrics.RecordRequestLatency(seconds);
      });
  if (!server_or.ok()) {
    LogError("{}", server_or.status().ToString());
    (void)ledger->Close();
    return 1;
  }
  auto server = std::move(server_or).value();
  std::string scheme = server->tls() ? "https" : "http";
  std::string host_for_url = http.host.find(':') != std::string::npos ? "[" + http.host + "]" : http.host;
  std::string base_url = fmt::format("{}://{}:{}", scheme, host_for_url, server->port());
  // Named in the AuthZEN metadata: where clients reach the daemon, when it is not here.
  service.set_public_base_url(public_url ? *public_url : base_url);
  // Decisions are completed on the server's threads; the ledger is closed (its writer
  // joined) before the server stops, so every completion posted here runs.
  service.set_completions([io = &server->io_context()](std::function<void()> run) {
    boost::asio::post(*io, std::move(run));
  });

  Control control;
  boost::asio::signal_set signals(server->io_context(), SIGTERM, SIGINT, SIGHUP);
  WaitForSignals(signals, control);
  server->Start();
  LogInfo("arbiter serving on {} ({} threads{}{}{})", base_url, http.threads,
          server->tls() ? ", TLS" : "", options.playground ? ", playground at /playground" : "",
          public_url ? ", public URL " + *public_url : "");
  if (!options.port_file.empty()) {
    std::ofstream(options.port_file) << http.host << ":" << server->port() << "\n";
  }

  int handled_reloads = 0;
  int stop_signal = 0;
  for (;;) {
    std::unique_lock lock(control.mutex);
    control.cv.wait(lock, [&] { return control.stop || control.reloads > handled_reloads; });
    if (control.stop) {
      stop_signal = control.stop_signal;
      break;
    }
    int pending = control.reloads;
    lock.unlock();
    LogInfo("SIGHUP: reloading policies from disk");
    (void)service.ReloadFromDisk("SIGHUP reload");
    handled_reloads = pending;
  }

  LogInfo("{}: stopping: no new connections, finishing in-flight requests",
          stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
  service.set_draining();
  server->BeginDrain();
  if (!server->WaitDrained(std::chrono::seconds(30))) {
    LogWarning("some connections were still busy after 30 s; closing them");
  }
  blocking.Shutdown();  // before the ledger and the playground its handlers use are closed
  boost::system::error_code ignored;
  signals.cancel(ignored);
  Status closed = ledger->Close();
  if (playground) playground->Close();
  server->Stop();
  if (!closed.ok()) {
    if (ledger->Health().failed) {
      // Documented (spec/http-api.md): the storage was still failing at shutdown.
      LogError("the ledger was still failed at shutdown: {}; every acknowledged entry is in "
               "its log and the next start recovers it (exit {})",
               closed.ToString(), kExitLedgerFailed);
      return kExitLedgerFailed;
    }
    LogError("closing the ledger failed: {}", closed.ToString());
    return 1;
  }
  LogInfo("ledger flushed with a final checkpoint ({} entries); bye", ledger->Size());
  return 0;
}

}  // namespace arbiter::daemon
