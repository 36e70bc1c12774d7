#include "daemon/http_server.h"

#include <fmt/format.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <unistd.h>

#include <chrono>
#include <mutex>
#include <random>
#include <unordered_map>

#include "daemon/log.h"
#include "daemon/responses.h"

namespace arbiter::daemon {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

using Millis = std::chrono::milliseconds;

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Runs on any thread: closes the connection if idle, else after its current response.
  virtual void Drain() = 0;
  // Runs on any thread: closes the connection if it is still waiting for its client.
  virtual void Evict() = 0;
  // Since when (steady-clock ns) the connection has been waiting for bytes from its client —
  // a TLS handshake, a request header, the pause between keep-alive requests, a body, or
  // input dropped after an error — or 0 while a request is with the handler or its answer
  // is being written. The accept thread reads it to choose whom to close when full.
  int64_t WaitingSince() const { return waiting_since_.load(std::memory_order_relaxed); }

 protected:
  void SetWaiting(bool waiting) {
    waiting_since_.store(waiting ? std::chrono::steady_clock::now().time_since_epoch().count() : 0,
                         std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> waiting_since_{0};
};

// A client's X-Request-ID is echoed only if it is short and made of characters that are safe
// in logs and headers; anything else is replaced by a generated id.
bool IsUsableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("-_.:/+=@~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// "<16 hex digits, random per process>-<counter in hex>": unique within and across runs
// without a random draw per request. HttpServer::Create draws the prefix, before anything is
// served: std::random_device may open /dev/urandom (where the CPU has no RDRAND) and throws
// when no descriptor is left, which on an I/O thread, mid-EMFILE, would end the daemon.
std::string GenerateRequestId() {
  static const uint64_t prefix = [] {
    try {
      std::random_device device;
      return (static_cast<uint64_t>(device()) << 32) ^ device();
    } catch (const std::exception&) {
      // Unique enough for a log correlation id; never a secret.
      return static_cast<uint64_t>(
                 std::chrono::steady_clock::now().time_since_epoch().count()) ^
             (static_cast<uint64_t>(::getpid()) << 40);
    }
  }();
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{:016x}-{:x}", prefix, counter.fetch_add(1, std::memory_order_relaxed));
}

std::string RequestIdFor(std::string_view sent) {
  return IsUsableRequestId(sent) ? std::string(sent) : GenerateRequestId();
}

struct FramingError {
  unsigned status;
  std::string message;
};

// RFC 9112 section 6: a request body's length is known only from exactly one `chunked`
// coding, or from Content-Length alone. Beast 1.74 itself refuses Transfer-Encoding after
// Content-Length and Content-Length after a chunked Transfer-Encoding, but takes
// `chunked, identity` or `identity` as "no body" and lets Content-Length stand beside a
// Transfer-Encoding that does not end in chunked: the framing a request smuggler uses.
std::optional<FramingError> CheckFraming(const HttpRequest& req) {
  auto [first, last] = req.equal_range(http::field::transfer_encoding);
  if (first == last) return std::nullopt;
  if (req.version() < 11) {
    return FramingError{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  }
  if (req.find(http::field::content_length) != req.end()) {
    return FramingError{400, "a request may not have both Content-Length and "
                             "Transfer-Encoding"};
  }
  std::vector<std::string_view> codings;
  for (auto it = first; it != last; ++it) {
    std::string_view list = Sv(it->value());
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      size_t b = item.find_first_not_of(" \t");
      size_t e = item.find_last_not_of(" \t");
      if (b != std::string_view::npos) codings.push_back(item.substr(b, e - b + 1));
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  auto is_chunked = [](std::string_view c) { return beast::iequals(BSv(c), "chunked"); };
  if (codings.empty() || !is_chunked(codings.back())) {
    return FramingError{400, "the last Transfer-Encoding must be chunked"};
  }
  for (size_t i = 0; i + 1 < codings.size(); ++i) {
    if (is_chunked(codings[i])) {
      return FramingError{400, "chunked may appear only once in Transfer-Encoding"};
    }
  }
  if (codings.size() > 1) {
    return FramingError{501, fmt::format("transfer coding '{}' is not supported; send the body "
                                         "with Transfer-Encoding: chunked only",
                                         codings.front())};
  }
  return std::nullopt;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(net::io_context& io_context, net::io_context& accept_context, HttpServerOptions opts)
      : options(std::move(opts)),
        io(io_context),
        accept_io(accept_context),
        acceptor(accept_context),
        backoff(accept_context) {}

  HttpServerOptions options;
  Handler handler;
  ResponseObserver observer;
  net::io_context& io;
  net::io_context& accept_io;
  tcp::acceptor acceptor;          // used on the accept thread only
  net::steady_timer backoff;       // likewise
  bool accept_failing = false;     // likewise: a failure was logged, recovery not yet
  std::unique_ptr<ssl::context> tls;
  std::shared_ptr<std::atomic<size_t>> in_flight;
  std::atomic<bool> draining{false};
  // Live sessions, against limits.http_connections. At the cap, Accept() sets `paused` and
  // stops; the session whose end takes the count below the cap resumes it.
  std::atomic<uint32_t> connections{0};
  std::atomic<bool> paused{false};

  mutable std::mutex sessions_mutex;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;

  void Accept();
  void OnAccepted(beast::error_code ec, tcp::socket socket);
  // At the connection cap or out of descriptors: closes the connection that has waited
  // longest for its client, if it has waited at least limits.http_evict_after_ms, so that
  // clients holding connections open without finishing a request (slowloris) cannot lock
  // others out. Returns whether one was closed; `youngest_wait` gets how long until the
  // longest waiter becomes old enough otherwise (or nullopt when none waits).
  bool EvictLongestWaiting(std::optional<Millis>* youngest_wait);
  // Resumes a paused accept once, whoever calls first (a session's end or the evict timer).
  void Resume() {
    if (paused.load() && paused.exchange(false)) {
      net::post(accept_io, [self = shared_from_this()] { self->Accept(); });
    }
  }
  uint64_t evictions = 0;      // accept thread only: connections closed to make room
  void Register(SessionBase* raw, std::weak_ptr<SessionBase> weak) {
    std::lock_guard lock(sessions_mutex);
    sessions.emplace(raw, std::move(weak));
  }
  void Unregister(SessionBase* raw) {
    {
      std::lock_guard lock(sessions_mutex);
      sessions.erase(raw);
    }
    connections.fetch_sub(1);
    Resume();
  }
};

namespace {

// The RFC 2253 subject of the peer's certificate when it verified, else empty.
template <class Stream>
std::string PeerSubject(Stream& stream) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    return {};
  } else {
    SSL* ssl = stream.native_handle();
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (cert == nullptr) return {};
    std::string out;
    if (SSL_get_verify_result(ssl) == X509_V_OK) {
      BIO* bio = BIO_new(BIO_s_mem());
      if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
        char* data = nullptr;
        long n = BIO_get_mem_data(bio, &data);
        if (n > 0) out.assign(data, static_cast<size_t>(n));
      }
      BIO_free(bio);
    }
    X509_free(cert);
    return out;
  }
}

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(stream)), server_(std::move(server)), limits_(server_->options.limits) {}
  ~Session() override { server_->Unregister(this); }

  void Start() {
    SetWaiting(true);
    server_->Register(this, this->weak_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Lowest().expires_after(Millis(self->limits_.http_header_timeout_ms));
        self->stream_.async_handshake(ssl::stream_base::server,
                                      [self](beast::error_code ec) {
                                        if (ec) return self->Close();
                                        self->peer_subject_ = PeerSubject(self->stream_);
                                        self->ReadHeader();
                                      });
      } else {
        self->ReadHeader();
      }
    });
  }

  void Drain() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (!self->busy_) self->Close();
    });
  }

  void Evict() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (!self->busy_ && self->WaitingSince() != 0) self->Close();
    });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  using Self = Session<Stream>;

  // The shared end of every copy of one request's Reply: the first answer wins, and a request
  // left unanswered (all copies gone) is answered 500 rather than left hanging.
  class Answer {
   public:
    explicit Answer(std::shared_ptr<Self> session) : session_(std::move(session)) {}
    ~Answer() {
      if (answered_.load()) return;
      LogError("request {}: the handler never answered; answering 500", session_->request_id_);
      auto executor = session_->stream_.get_executor();
      net::post(executor, [session = std::move(session_)] { session->WriteInternalError(); });
    }
    // True for the first caller only.
    bool Take() { return !answered_.exchange(true); }
    void Send(HttpResponse res) {
      if (!Take()) {
        // Not naming the request: its session may already be reading the next one.
        LogError("a handler answered a request twice; the second answer ({}) was dropped",
                 res.result_int());
        return;
      }
      net::post(session_->stream_.get_executor(),
                [session = session_, res = std::move(res)]() mutable {
                  session->Write(std::move(res));
                });
    }

   private:
    std::shared_ptr<Self> session_;
    std::atomic<bool> answered_{false};
  };

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void ReadHeader() {
    if (server_->draining.load()) return Close();
    SetWaiting(true);
    request_id_.clear();
    parser_.emplace();
    parser_->body_limit(limits_.http_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(limits_.http_header_bytes));
    if (served_ > 0 && buffer_.size() == 0) {
      // Keep-alive: wait up to the idle timeout for the next request's first bytes; its header
      // deadline starts when they arrive.
      Lowest().expires_after(Millis(limits_.http_idle_timeout_ms));
      stream_.async_read_some(
          buffer_.prepare(kFirstRead),
          [self = this->shared_from_this()](beast::error_code ec, size_t n) {
            if (ec) return self->Close();
            self->buffer_.commit(n);
            self->ReadHeaderBytes();
          });
      return;
    }
    ReadHeaderBytes();
  }

  void ReadHeaderBytes() {
    Lowest().expires_after(Millis(limits_.http_header_timeout_ms));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    request_id_ = RequestIdFor(Sv(req["X-Request-ID"]));
    if (auto bad = CheckFraming(req)) {
      return WriteError(bad->status, bad->status == 501 ? "unsupported_transfer_encoding"
                                                        : "bad_framing",
                        bad->message);
    }
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      continue_ = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      Lowest().expires_after(Millis(limits_.http_write_timeout_ms));
      http::async_write(stream_, *continue_,
                        [self = this->shared_from_this()](beast::error_code ec2, size_t) {
                          if (ec2) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return Dispatch();
    Lowest().expires_after(Millis(limits_.http_body_timeout_ms));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->OnReadError(ec);
          self->Dispatch();
        });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return WriteError(413, "body_too_large",
                        fmt::format("request body exceeds the limit of {} bytes",
                                    limits_.http_body_bytes));
    }
    if (ec == http::error::header_limit) {
      return WriteError(431, "header_too_large", "request header fields too large");
    }
    // Timeouts, resets, TLS failures and a peer that closed: nobody to answer.
    bool parse_error = ec.category() == http::make_error_code(http::error::bad_target).category();
    if (!parse_error || ec == http::error::end_of_stream || ec == http::error::partial_message) {
      return Close();
    }
    if (ec == http::error::bad_transfer_encoding || ec == http::error::bad_content_length) {
      return WriteError(400, "bad_framing", fmt::format("request framing: {}", ec.message()));
    }
    WriteError(400, "bad_http", fmt::format("malformed HTTP request: {}", ec.message()));
  }

  // An error found while reading: answered, then the connection closes (its framing is lost).
  void WriteError(unsigned status, std::string_view code, std::string message) {
    // A header that failed to parse may still have yielded the client's id.
    if (request_id_.empty()) request_id_ = RequestIdFor(Sv(parser_->get()["X-Request-ID"]));
    keep_alive_ = false;
    linger_ = true;
    counted_ = false;
    started_ = std::chrono::steady_clock::now();
    Write(ErrorResponse(status, code, message));
  }

  // Also on a closed connection: the failed write is what ends the request's in_flight count.
  void WriteInternalError() {
    keep_alive_ = false;
    Write(ErrorResponse(500, "internal", "internal error"));
  }

  void Dispatch() {
    // Drain may have closed the connection after the read completed but before this ran:
    // a request nobody can be answered on is not decided (and so not recorded).
    if (closed_) return;
    SetWaiting(false);
    Lowest().expires_never();  // the handler may wait on the ledger
    HttpRequest req = parser_->release();
    ++served_;
    keep_alive_ = req.keep_alive() && served_ < limits_.http_requests_per_connection;
    // Only the server names a certificate: a header of that name from the client goes.
    req.erase(BSv(kPeerSubjectHeader));
    if (!peer_subject_.empty()) req.set(BSv(kPeerSubjectHeader), peer_subject_);
    busy_ = true;
    counted_ = true;
    server_->in_flight->fetch_add(1);
    started_ = std::chrono::steady_clock::now();
    auto answer = std::make_shared<Answer>(this->shared_from_this());
    Reply reply = [answer](HttpResponse res) { answer->Send(std::move(res)); };
    // Handlers report errors as responses; an exception here is a bug. If it came before the
    // answer, the client gets one 500 and the connection closes (the handler's state is
    // unknown); after it, the answer stands.
    const char* what = nullptr;
    try {
      server_->handler(req, std::move(reply));
    } catch (const std::exception& e) {
      what = e.what();
      LogError("request {}: the handler threw: {}", request_id_, what);
    } catch (...) {
      what = "";
      LogError("request {}: the handler threw a non-exception", request_id_);
    }
    if (what != nullptr && answer->Take()) WriteInternalError();
  }

  void Write(HttpResponse res) {
    busy_ = true;
    SetWaiting(false);
    res.version(11);
    bool keep = keep_alive_ && !server_->draining.load();
    res.keep_alive(keep);
    res.set("X-Request-ID", request_id_);
    res.prepare_payload();
    response_ = std::make_shared<HttpResponse>(std::move(res));
    Lowest().expires_after(Millis(limits_.http_write_timeout_ms));
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this(), keep](beast::error_code ec, size_t) {
                        self->OnWritten(ec, keep);
                      });
  }

  void OnWritten(beast::error_code ec, bool keep) {
    unsigned status = response_->result_int();
    response_.reset();
    busy_ = false;
    if (counted_) {
      counted_ = false;
      server_->in_flight->fetch_sub(1);
    }
    if (server_->observer) {
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
      server_->observer(status, took.count());
    }
    if (ec) return Close();
    if (!keep) return linger_ ? Linger() : Close();
    ReadHeader();
  }

  // After an error answered in the middle of a request (413, 431, 400), the client may still
  // be sending its body. Closing with unread data makes the kernel send a reset, which can
  // destroy the answer before the client reads it; so stop sending, then read and drop what
  // arrives until the client closes, for at most http_linger_ms and http_linger_bytes.
  static constexpr size_t kFirstRead = 4096;
  void Linger() {
    SetWaiting(true);
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().expires_after(Millis(limits_.http_linger_ms));
    discard_.resize(64 << 10);
    DropSome();
  }
  void DropSome() {
    Lowest().async_read_some(
        net::buffer(discard_), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
          self->lingered_ += n;
          if (ec || self->lingered_ > self->limits_.http_linger_bytes ||
              self->server_->draining.load()) {
            return self->Close();
          }
          self->DropSome();
        });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    auto& socket = Lowest().socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  Stream stream_;
  std::shared_ptr<HttpServer::Impl> server_;
  const Limits& limits_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::empty_body>> continue_;
  std::shared_ptr<HttpResponse> response_;
  std::string request_id_;
  std::string peer_subject_;  // of a verified client certificate
  std::chrono::steady_clock::time_point started_;
  uint32_t served_ = 0;   // requests dispatched on this connection
  bool keep_alive_ = false;
  bool busy_ = false;     // a request is with the handler or its response is being written
  bool counted_ = false;  // the current response answers a request counted in in_flight
  bool closed_ = false;
  bool linger_ = false;   // the connection ends after an error answered mid-request
  std::vector<char> discard_;
  size_t lingered_ = 0;
};

}  // namespace

// Runs on the accept thread only.
void HttpServer::Impl::Accept() {
  if (draining.load() || !acceptor.is_open()) return;
  if (connections.load() >= options.limits.http_connections) {
    paused.store(true);
    // A session that ended between the check and the store has not seen `paused`: look again.
    if (connections.load() >= options.limits.http_connections || !paused.exchange(false)) {
      // Make room: the evicted session's end resumes accept. If every waiter is too recent,
      // look again when the longest one is old enough (a session that ends first resumes).
      std::optional<Millis> again;
      if (!EvictLongestWaiting(&again) && again) {
        backoff.expires_after(*again);
        backoff.async_wait([self = shared_from_this()](beast::error_code ec) {
          if (!ec) self->Resume();
        });
      }
      return;
    }
  }
  acceptor.async_accept(net::make_strand(io),
                        [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                          self->OnAccepted(ec, std::move(socket));
                        });
}

void HttpServer::Impl::OnAccepted(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec == net::error::connection_aborted) return Accept();  // gave up while in the backlog
  if (ec) {
    // Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) or worse: an immediate
    // retry fails the same way at once, a loop that burns a core. Pause; the connections
    // wait in the listen backlog and are accepted once descriptors are free again.
    if (!accept_failing) {
      LogWarning("accept failed ({}); pausing {} ms between attempts until it works",
                 ec.message(), options.limits.http_accept_backoff_ms);
      accept_failing = true;
    }
    // Out of descriptors may mean clients holding connections without finishing a request.
    std::optional<Millis> ignored;
    EvictLongestWaiting(&ignored);
    backoff.expires_after(Millis(options.limits.http_accept_backoff_ms));
    backoff.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec) self->Accept();
    });
    return;
  }
  if (accept_failing) {
    LogInfo("accepting connections again");
    accept_failing = false;
  }
  if (draining.load()) return;
  connections.fetch_add(1);
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (tls) {
    using TlsStream = beast::ssl_stream<beast::tcp_stream>;
    std::make_shared<Session<TlsStream>>(TlsStream(beast::tcp_stream(std::move(socket)), *tls),
                                         shared_from_this())
        ->Start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                 shared_from_this())
        ->Start();
  }
  Accept();
}

// Runs on the accept thread only.
bool HttpServer::Impl::EvictLongestWaiting(std::optional<Millis>* youngest_wait) {
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  const int64_t min_age = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              Millis(options.limits.http_evict_after_ms))
                              .count();
  // A session in the map is alive or blocked in Unregister (its destructor's first step), so
  // its base can be read under the lock. No shared_ptr may be dropped under it: the last one
  // would run that destructor here and take the lock again.
  std::shared_ptr<SessionBase> victim;
  int64_t since = 0;
  {
    std::lock_guard lock(sessions_mutex);
    const std::weak_ptr<SessionBase>* chosen = nullptr;
    for (const auto& [raw, weak] : sessions) {
      int64_t s = raw->WaitingSince();
      if (s != 0 && (since == 0 || s < since)) {
        chosen = &weak;
        since = s;
      }
    }
    if (chosen != nullptr) victim = chosen->lock();
  }
  *youngest_wait = std::nullopt;
  if (!victim) return false;
  if (now - since < min_age) {
    *youngest_wait = std::chrono::duration_cast<Millis>(
                         std::chrono::steady_clock::duration(min_age - (now - since))) +
                     Millis(1);
    return false;
  }
  if (evictions++ % 1000 == 0) {
    LogWarning("connections full: closing the one that waited longest for its client ({} ms); "
               "{} closed so far",
               (now - since) / 1'000'000, evictions);
  }
  victim->Evict();
  return true;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(HttpServerOptions options,
                                                       Handler handler,
                                                       ResponseObserver observer) {
  (void)GenerateRequestId();  // draws the process's id prefix now, not mid-EMFILE
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->thread_count_ = std::max(1, options.threads);
  server->io_ = std::make_unique<net::io_context>(server->thread_count_);
  server->accept_io_ = std::make_unique<net::io_context>(1);
  server->in_flight_ = std::make_shared<std::atomic<size_t>>(0);
  if (options.limits.http_connections == 0 || options.limits.http_requests_per_connection == 0) {
    return Status::InvalidArgument(
        "http_connections and http_requests_per_connection must be at least 1");
  }
  auto impl = std::make_shared<Impl>(*server->io_, *server->accept_io_, options);
  impl->handler = std::move(handler);
  impl->observer = std::move(observer);
  impl->in_flight = server->in_flight_;

  if (options.tls_cert_file.has_value() != options.tls_key_file.has_value()) {
    return Status::InvalidArgument("TLS needs both a certificate file and a key file");
  }
  if (options.tls_cert_file) {
    try {
      auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
      ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
      ctx->use_certificate_chain_file(*options.tls_cert_file);
      ctx->use_private_key_file(*options.tls_key_file, ssl::context::pem);
      if (options.tls_client_ca_file) {
        // Asked for, not required: callers may authenticate with a bearer token instead.
        ctx->load_verify_file(*options.tls_client_ca_file);
        ctx->set_verify_mode(ssl::verify_peer);
      }
      impl->tls = std::move(ctx);
    } catch (const boost::system::system_error& e) {
      return Status::InvalidArgument(
          fmt::format("cannot load TLS certificate '{}' / key: {}", *options.tls_cert_file,
                      e.code().message()));
    }
  }

  beast::error_code ec;
  auto address = net::ip::make_address(options.host, ec);
  if (ec) return Status::InvalidArgument(fmt::format("bad listen address '{}'", options.host));
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError(
        fmt::format("cannot listen on {}:{}: {}", options.host, options.port, ec.message()));
  }
  server->port_ = impl->acceptor.local_endpoint().port();
  server->impl_ = std::move(impl);
  return server;
}

HttpServer::~HttpServer() {
  Stop();
  if (!impl_) return;
  // Let the closes run so every session lets go of the server before the io_contexts die.
  BeginDrain();
  for (auto* context : {accept_io_.get(), io_.get()}) {
    context->restart();
    for (int round = 0; round < 100 && context->poll() > 0; ++round) {
    }
  }
}

bool HttpServer::tls() const { return impl_->tls != nullptr; }

void HttpServer::Start() {
  work_.emplace(io_->get_executor());
  accept_work_.emplace(accept_io_->get_executor());
  net::post(*accept_io_, [impl = impl_] { impl->Accept(); });
  accept_thread_ = std::thread([io = accept_io_.get()] { io->run(); });
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([io = io_.get()] { io->run(); });
  }
}

void HttpServer::BeginDrain() {
  if (impl_->draining.exchange(true)) return;
  net::post(*accept_io_, [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->backoff.cancel();
  });
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(impl_->sessions_mutex);
    for (auto& [raw, weak] : impl_->sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->Drain();
}

size_t HttpServer::open_connections() const {
  std::lock_guard lock(impl_->sessions_mutex);
  return impl_->sessions.size();
}

bool HttpServer::WaitDrained(std::chrono::milliseconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (requests_in_flight() == 0 && open_connections() == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return requests_in_flight() == 0;
}

void HttpServer::Stop() {
  if (!io_) return;
  work_.reset();
  accept_work_.reset();
  accept_io_->stop();
  if (accept_thread_.joinable() && accept_thread_.get_id() != std::this_thread::get_id()) {
    accept_thread_.join();
  }
  io_->stop();
  for (auto& t : threads_) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
  threads_.clear();
}

}  // namespace arbiter::daemon
