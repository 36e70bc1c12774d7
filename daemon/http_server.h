// The HTTP/1.1 server under the daemon: Boost.Beast over Asio, keep-alive, N worker threads,
// optional TLS, and the limits that keep one bad client from hurting the others (body size,
// header size, read deadlines). It knows nothing about policies: every complete request goes
// to one Handler, which answers through a Reply exactly once, from any thread, possibly later
// (the daemon answers after the ledger has made the decision durable).
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

namespace arbiter::daemon {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Beast 1.74 uses boost::string_view; the rest of Arbiter uses std::string_view.
inline std::string_view Sv(boost::beast::string_view s) { return {s.data(), s.size()}; }
inline boost::beast::string_view BSv(std::string_view s) { return {s.data(), s.size()}; }

// Hands the response back to the connection. Call exactly once; safe from any thread.
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
  int threads = 2;
  size_t body_limit = 1 << 20;    // larger bodies get 413
  size_t header_limit = 16 << 10;  // larger headers get 431
  // A request's header must arrive completely within this time after the previous response
  // (or the connection's start), its body within body_timeout after the header; otherwise the
  // connection is closed. This is what stops a client that trickles bytes and stalls.
  std::chrono::milliseconds header_timeout{30'000};
  std::chrono::milliseconds body_timeout{30'000};
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

  // Starts accepting and runs the worker threads; returns at once.
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
