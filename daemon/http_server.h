// The HTTP/1.1 server under the daemon: Boost.Beast over Asio, keep-alive, N worker threads,
// optional TLS, and the limits that keep one bad client from hurting the others (the http_*
// fields of Limits: sizes, deadlines, a connection cap, a per-connection request cap). It
// knows nothing about policies: every complete request goes to one Handler, which answers
// through a Reply, from any thread, possibly later (the daemon answers after the ledger has
// made the decision durable).
//
// Framing follows RFC 9112: a Transfer-Encoding other than exactly `chunked`, Content-Length
// together with Transfer-Encoding, or Transfer-Encoding in HTTP/1.0 is refused (400, or 501
// for an unknown coding) and the connection closes. Every response carries X-Request-ID: the
// client's when it sent a usable one, else one generated here. One thread only accepts, so
// accepting never waits behind handlers; when the process is out of descriptors it pauses
// (http_accept_backoff_ms) instead of retrying in a loop.
#pragma once

#include <arbiter/status.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/limits.h"

namespace arbiter::daemon {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Beast 1.74 uses boost::string_view; the rest of Arbiter uses std::string_view.
inline std::string_view Sv(boost::beast::string_view s) { return {s.data(), s.size()}; }
inline boost::beast::string_view BSv(std::string_view s) { return {s.data(), s.size()}; }

// Hands the response back to the connection; safe from any thread. The first call answers;
// later calls are dropped (and logged). If every copy is destroyed unanswered, or the handler
// throws before answering, the client gets one 500 and the connection closes. A Reply must
// not outlive its HttpServer.
using Reply = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest&, Reply)>;
// With tls_client_ca_file, the subject (RFC 2253) of a client certificate that verified
// against it is put on each request in this header; one a client sent itself is always
// removed, so the header names a verified certificate or is absent.
inline constexpr std::string_view kPeerSubjectHeader = "Arbiter-Tls-Client-Subject";

// Called for every response written (status, seconds since the request was complete).
using ResponseObserver = std::function<void(unsigned status, double seconds)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8181;  // 0 picks a free port; see HttpServer::port()
  int threads = 2;       // I/O threads, which also run the handlers (see BlockingPool)
  // Every bound: http_body_bytes (413), http_header_bytes (431), http_connections,
  // http_requests_per_connection, and the deadlines. A request's header must be complete
  // within http_header_timeout_ms of the connection's start or of its first byte on a
  // keep-alive connection, whose next request must start within http_idle_timeout_ms of the
  // previous response; a body within http_body_timeout_ms after the header; a response be
  // taken within http_write_timeout_ms. Otherwise the connection is closed without an answer.
  Limits limits = kDefaultLimits;
  std::optional<std::string> tls_cert_file;  // PEM chain; with tls_key_file, serve HTTPS only
  std::optional<std::string> tls_key_file;
  std::optional<std::string> tls_client_ca_file;  // PEM CAs: ask for client certificates
};

class HttpServer {
 public:
  // Binds and listens; fails with a clear Status (port in use, bad certificate, ...).
  static Result<std::unique_ptr<HttpServer>> Create(HttpServerOptions options, Handler handler,
                                                    ResponseObserver observer = nullptr);
  ~HttpServer();

  uint16_t port() const { return port_; }
  bool tls() const;
  boost::asio::io_context& io_context() { return *io_; }

  // Starts the accept thread and the worker threads; returns at once.
  void Start();
  // Graceful stop, part one: closes the listening socket, closes idle connections, and makes
  // every busy connection close after its current response. Returns at once.
  void BeginDrain();
  // Requests read but not yet answered, and connections still open.
  size_t requests_in_flight() const { return in_flight_->load(); }
  size_t open_connections() const;
  // Waits up to `limit` for every connection to finish after BeginDrain(); true if they did.
  bool WaitDrained(std::chrono::milliseconds limit) const;
  // Stops the event loop and joins the worker threads. Safe to call twice.
  void Stop();

  struct Impl;

 private:
  HttpServer() = default;
  // The acceptor's own loop and thread: accepting (and pausing at the connection cap or when
  // out of descriptors) never waits for a busy worker. Declared before io_ so that it outlives
  // the sessions on io_, whose end may release the acceptor.
  std::unique_ptr<boost::asio::io_context> accept_io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      accept_work_;
  std::thread accept_thread_;
  std::unique_ptr<boost::asio::io_context> io_;
  // Keeps the worker threads running while a reply may still be posted from another thread
  // (a ledger commit), even when no socket operation is pending.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::shared_ptr<Impl> impl_;
  std::shared_ptr<std::atomic<size_t>> in_flight_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  int thread_count_ = 1;
};

}  // namespace arbiter::daemon
