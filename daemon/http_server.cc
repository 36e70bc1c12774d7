#include "daemon/http_server.h"

#include "daemon/responses.h"

#include <fmt/format.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <mutex>
#include <unordered_map>

namespace arbiter::daemon {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Runs on any thread: closes the connection if idle, else after its current response.
  virtual void Drain() = 0;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(net::io_context& io_context, HttpServerOptions opts)
      : options(std::move(opts)), io(io_context), acceptor(net::make_strand(io_context)) {}

  HttpServerOptions options;
  Handler handler;
  ResponseObserver observer;
  net::io_context& io;
  tcp::acceptor acceptor;
  std::unique_ptr<ssl::context> tls;
  std::shared_ptr<std::atomic<size_t>> in_flight;
  std::atomic<bool> draining{false};

  mutable std::mutex sessions_mutex;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;

  void Accept();
  void Register(SessionBase* raw, std::weak_ptr<SessionBase> weak) {
    std::lock_guard lock(sessions_mutex);
    sessions.emplace(raw, std::move(weak));
  }
  void Unregister(SessionBase* raw) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(raw);
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
      : stream_(std::move(stream)), server_(std::move(server)) {}
  ~Session() override { server_->Unregister(this); }

  void Start() {
    server_->Register(this, this->weak_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        beast::get_lowest_layer(self->stream_).expires_after(self->server_->options.header_timeout);
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

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void ReadHeader() {
    if (server_->draining.load()) return Close();
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.header_limit));
    beast::get_lowest_layer(stream_).expires_after(server_->options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      continue_ = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
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
    beast::get_lowest_layer(stream_).expires_after(server_->options.body_timeout);
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
                                    server_->options.body_limit));
    }
    if (ec == http::error::header_limit) {
      return WriteError(431, "header_too_large", "request header fields too large");
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec.category() != http::make_error_code(http::error::bad_target).category() ||
        ec == http::error::partial_message) {
      return Close();
    }
    WriteError(400, "bad_http", fmt::format("malformed HTTP request: {}", ec.message()));
  }

  // An error found while reading: answered, then the connection closes (its framing is lost).
  void WriteError(unsigned status, std::string_view code, std::string message) {
    keep_alive_ = false;
    linger_ = true;
    request_id_.clear();
    counted_ = false;
    started_ = std::chrono::steady_clock::now();
    Write(ErrorResponse(status, code, message));
  }

  void Dispatch() {
    // Drain may have closed the connection after the read completed but before this ran:
    // a request nobody can be answered on is not decided (and so not recorded).
    if (closed_) return;
    beast::get_lowest_layer(stream_).expires_never();  // the handler may wait on the ledger
    HttpRequest req = parser_->release();
    keep_alive_ = req.keep_alive();
    request_id_ = std::string(req["X-Request-ID"]);
    // Only the server names a certificate: a header of that name from the client goes.
    req.erase(BSv(kPeerSubjectHeader));
    if (!peer_subject_.empty()) req.set(BSv(kPeerSubjectHeader), peer_subject_);
    busy_ = true;
    counted_ = true;
    server_->in_flight->fetch_add(1);
    started_ = std::chrono::steady_clock::now();
    auto self = this->shared_from_this();
    Reply reply = [self](HttpResponse res) {
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res)]() mutable { self->Write(std::move(res)); });
    };
    try {
      server_->handler(req, std::move(reply));
    } catch (const std::exception& e) {
      // Handlers report errors as responses; reaching here is a bug, so the Reply may already
      // have been used. Close rather than risk a second response.
      keep_alive_ = false;
      Write(ErrorResponse(500, "internal", "internal error"));
    }
  }

  void Write(HttpResponse res) {
    busy_ = true;
    res.version(11);
    bool keep = keep_alive_ && !server_->draining.load();
    res.keep_alive(keep);
    if (!request_id_.empty()) res.set("X-Request-ID", request_id_);
    res.prepare_payload();
    response_ = std::make_shared<HttpResponse>(std::move(res));
    beast::get_lowest_layer(stream_).expires_after(server_->options.body_timeout);
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
  // arrives until the client closes, for at most kLingerTime and kLingerBytes.
  static constexpr auto kLingerTime = std::chrono::seconds(2);
  static constexpr size_t kLingerBytes = 16 << 20;
  void Linger() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    beast::get_lowest_layer(stream_).expires_after(kLingerTime);
    discard_.resize(64 << 10);
    DropSome();
  }
  void DropSome() {
    beast::get_lowest_layer(stream_).async_read_some(
        net::buffer(discard_), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
          self->lingered_ += n;
          if (ec || self->lingered_ > kLingerBytes || self->server_->draining.load()) {
            return self->Close();
          }
          self->DropSome();
        });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  Stream stream_;
  std::shared_ptr<HttpServer::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::empty_body>> continue_;
  std::shared_ptr<HttpResponse> response_;
  std::string request_id_;
  std::string peer_subject_;  // of a verified client certificate
  std::chrono::steady_clock::time_point started_;
  bool keep_alive_ = false;
  bool busy_ = false;     // a request is with the handler or its response is being written
  bool counted_ = false;  // the current response answers a request counted in in_flight
  bool closed_ = false;
  bool linger_ = false;   // the connection ends after an error answered mid-request
  std::vector<char> discard_;
  size_t lingered_ = 0;
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(
      net::make_strand(io), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
        if (!ec && !self->draining.load()) {
          beast::error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          if (self->tls) {
            using TlsStream = beast::ssl_stream<beast::tcp_stream>;
            std::make_shared<Session<TlsStream>>(
                TlsStream(beast::tcp_stream(std::move(socket)), *self->tls), self)
                ->Start();
          } else {
            std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                         self)
                ->Start();
          }
        }
        self->Accept();
      });
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(HttpServerOptions options,
                                                       Handler handler,
                                                       ResponseObserver observer) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->thread_count_ = std::max(1, options.threads);
  server->io_ = std::make_unique<net::io_context>(server->thread_count_);
  server->in_flight_ = std::make_shared<std::atomic<size_t>>(0);
  auto impl = std::make_shared<Impl>(*server->io_, options);
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
  // Let the closes run so every session lets go of the server before the io_context dies.
  BeginDrain();
  io_->restart();
  for (int round = 0; round < 100 && io_->poll() > 0; ++round) {
  }
}

bool HttpServer::tls() const { return impl_->tls != nullptr; }

void HttpServer::Start() {
  work_.emplace(io_->get_executor());
  net::dispatch(impl_->acceptor.get_executor(), [impl = impl_] { impl->Accept(); });
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([io = io_.get()] { io->run(); });
  }
}

void HttpServer::BeginDrain() {
  if (impl_->draining.exchange(true)) return;
  net::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
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
  io_->stop();
  for (auto& t : threads_) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
  threads_.clear();
}

}  // namespace arbiter::daemon
