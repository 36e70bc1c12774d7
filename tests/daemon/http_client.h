// A small blocking HTTP/1.1 client for the daemon tests (Boost.Beast), plus raw-socket helpers
// for the misbehaving-client cases. Loopback only.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace arbiter::testing {

struct HttpResult {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool keep_alive = false;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One keep-alive connection to 127.0.0.1:port (optionally TLS, certificate not verified).
class HttpClient {
 public:
  explicit HttpClient(uint16_t port, bool tls = false) : port_(port), tls_(tls) {}

  // Sent with every request unless the request sets the same header (a bearer token).
  void SetDefaultHeader(const std::string& name, const std::string& value) {
    defaults_[name] = value;
  }
  // With tls: present this client certificate (PEM files) from the next connection on.
  void SetClientCertificate(const std::string& cert_file, const std::string& key_file) {
    client_cert_ = cert_file;
    client_key_ = key_file;
    Reset();
  }

  // On a reused keep-alive connection that the server has closed meanwhile (idle timeout),
  // reconnects and sends once more, as HTTP clients do.
  HttpResult Send(const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {
                      {"Content-Type", "application/json"}}) {
    if (connected()) {
      try {
        return SendOnce(method, target, body, headers);
      } catch (const boost::system::system_error&) {
        Reset();
      }
    }
    return SendOnce(method, target, body, headers);
  }

  HttpResult SendOnce(const std::string& method, const std::string& target,
                      const std::string& body,
                      const std::map<std::string, std::string>& headers) {
    namespace http = boost::beast::http;
    Connect();
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : defaults_) req.set(k, v);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    if (body.empty() && method == "GET") req.content_length(boost::none);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (tls_) {
      http::write(*tls_stream_, req);
      http::read(*tls_stream_, buffer_, parser);
    } else {
      http::write(*socket_, req);
      http::read(*socket_, buffer_, parser);
    }
    auto res = parser.release();
    HttpResult out;
    out.status = res.result_int();
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    out.body = res.body();
    out.keep_alive = res.keep_alive();
    if (!out.keep_alive) Reset();
    return out;
  }

  HttpResult Get(const std::string& target,
                 const std::map<std::string, std::string>& headers = {}) {
    return Send("GET", target, "", headers);
  }
  HttpResult Post(const std::string& target, const std::string& body,
                  std::map<std::string, std::string> headers = {}) {
    if (!headers.count("Content-Type")) headers["Content-Type"] = "application/json";
    return Send("POST", target, body, headers);
  }

  void Reset() {
    socket_.reset();
    tls_stream_.reset();
    buffer_.clear();
  }
  bool connected() const { return socket_ || tls_stream_; }

 private:
  void Connect() {
    if (connected()) return;
    using tcp = boost::asio::ip::tcp;
    tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port_);
    if (tls_) {
      ssl_ctx_ = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
      ssl_ctx_->set_verify_mode(boost::asio::ssl::verify_none);
      if (!client_cert_.empty()) {
        ssl_ctx_->use_certificate_chain_file(client_cert_);
        ssl_ctx_->use_private_key_file(client_key_, boost::asio::ssl::context::pem);
      }
      tls_stream_ = std::make_unique<boost::asio::ssl::stream<tcp::socket>>(io_, *ssl_ctx_);
      tls_stream_->next_layer().connect(ep);
      tls_stream_->handshake(boost::asio::ssl::stream_base::client);
    } else {
      socket_ = std::make_unique<tcp::socket>(io_);
      socket_->connect(ep);
    }
  }

  std::map<std::string, std::string> defaults_;
  std::string client_cert_, client_key_;
  uint16_t port_;
  bool tls_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ip::tcp::socket> socket_;
  std::unique_ptr<boost::asio::ssl::context> ssl_ctx_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_stream_;
  boost::beast::flat_buffer buffer_;
};

// A raw TCP connection for writing arbitrary bytes and seeing whether the server closes it.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  void Write(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
  // Reads until the server closes the connection or `limit` passes; returns what arrived, and
  // sets *closed when the server closed it.
  std::string ReadUntilClosed(std::chrono::milliseconds limit, bool* closed) {
    std::string data;
    *closed = false;
    socket_.non_blocking(true);
    auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      boost::system::error_code ec;
      size_t n = socket_.read_some(boost::asio::buffer(buf), ec);
      if (ec == boost::asio::error::would_block) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (ec) {
        *closed = true;
        break;
      }
      data.append(buf, n);
    }
    return data;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

}  // namespace arbiter::testing
