// Fuzz target `http`: bytes from a client -> the request parser the daemon uses
// (daemon/http_server.cc: Beast's request_parser<string_body> with the server's body and
// header limits), fed in pieces as a socket would deliver them. No sockets. The first byte
// picks the piece size, so both whole-buffer and byte-at-a-time parsing are covered.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "daemon/http_server.h"
#include "fuzz/fuzz_target.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = data[0] == 0 ? size : data[0];
  ++data, --size;
  const arbiter::Limits limits = arbiter::daemon::HttpServerOptions().limits;
  // Several requests may arrive on one keep-alive connection: parse until the bytes run out.
  size_t offset = 0;
  while (offset < size) {
    std::optional<http::request_parser<http::string_body>> parser;
    parser.emplace();
    parser->body_limit(limits.http_body_bytes);
    parser->header_limit(static_cast<std::uint32_t>(limits.http_header_bytes));
    boost::beast::error_code ec;
    size_t available = 0;  // bytes handed to the parser but not yet consumed
    while (!parser->is_done()) {
      if (offset + available == size) break;
      available = std::min(size - offset, available + piece);
      size_t used = parser->put(boost::asio::buffer(data + offset, available), ec);
      offset += used;
      available -= used;
      if (ec == http::error::need_more) {
        ec = {};
        continue;
      }
      if (ec) break;
    }
    if (!parser->is_done() && !ec && offset == size) {
      parser->put_eof(ec);
    }
    if (ec || !parser->is_done()) return 0;
    arbiter::daemon::HttpRequest req = parser->release();
    // The limits are promises the handlers rely on.
    if (req.body().size() > limits.http_body_bytes) std::abort();
    (void)req.method_string();
    (void)req.target();
    (void)req.keep_alive();
    for (const auto& field : req) (void)field.value();
    if (!req.keep_alive()) return 0;
  }
  return 0;
}
