// The HTTP server core with stub handlers (test-only): limits, timeouts, routing, keep-alive,
// X-Request-ID, JSON input checks, TLS, and draining. The real daemon is tested end to end in
// daemon_integration_test.cc.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include "common/utf8.h"
#include "daemon/http_server.h"
#include "daemon/json_input.h"
#include "daemon/responses.h"
#include "daemon/router.h"
#include "daemon/static_files.h"
#include "tests/daemon/http_client.h"

using namespace arbiter::daemon;
using arbiter::testing::HttpClient;
using arbiter::testing::RawConnection;
namespace http = boost::beast::http;

namespace {

struct StubServer {
  explicit StubServer(HttpServerOptions options = {}) {
    options.port = 0;
    router.Add(http::verb::get, "/hello", [](HttpRequest&, Reply reply) {
      reply(TextResponse(200, "hello"));
    });
    router.Add(http::verb::post, "/echo", [](HttpRequest& req, Reply reply) {
      nlohmann::json value;
      JsonInputError error;
      if (!ParseJsonBody(Sv(req[http::field::content_type]), req.body(), &value, &error)) {
        return reply(ErrorResponse(error.status, error.code, error.message));
      }
      reply(JsonResponse(200, value));
    });
    // Answers later from another thread, as the daemon does after a ledger commit.
    router.Add(http::verb::post, "/later", [](HttpRequest&, Reply reply) {
      std::thread([reply] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        reply(TextResponse(200, "later"));
      }).detach();
    });
    router.AddPrefix(http::verb::get, "/files/", [this](HttpRequest& req, Reply reply) {
      reply(ServeStaticFile(files_root, TargetPath(Sv(req.target())).substr(7)));
    });
    auto created = HttpServer::Create(
        options, [this](HttpRequest& req, Reply reply) { router.Route(req, std::move(reply)); });
    REQUIRE(created.ok());
    server = std::move(created).value();
    server->Start();
  }
  uint16_t port() const { return server->port(); }
  Router router;
  std::string files_root = ARBITER_SOURCE_DIR "/daemon";
  std::unique_ptr<HttpServer> server;
};

}  // namespace

TEST_CASE("routes, 404 and 405 with Allow") {
  StubServer s;
  HttpClient client(s.port());
  auto ok = client.Get("/hello");
  CHECK(ok.status == 200);
  CHECK(ok.body == "hello");
  auto missing = client.Get("/nope");
  CHECK(missing.status == 404);
  CHECK(nlohmann::json::parse(missing.body)["error"]["code"] == "not_found");
  auto wrong = client.Post("/hello", "{}");
  CHECK(wrong.status == 405);
  CHECK(wrong.header("allow") == "GET");
}

TEST_CASE("keep-alive serves many requests on one connection") {
  StubServer s;
  HttpClient client(s.port());
  for (int i = 0; i < 20; ++i) {
    auto res = client.Post("/echo", R"({"i":)" + std::to_string(i) + "}");
    REQUIRE(res.status == 200);
    CHECK(res.keep_alive);
    CHECK(nlohmann::json::parse(res.body)["i"] == i);
  }
  CHECK(client.connected());
}

TEST_CASE("X-Request-ID is echoed, also on errors") {
  StubServer s;
  HttpClient client(s.port());
  auto res = client.Get("/hello", {{"X-Request-ID", "req-42"}});
  CHECK(res.header("x-request-id") == "req-42");
  auto err = client.Get("/missing", {{"X-Request-ID", "req-43"}});
  CHECK(err.status == 404);
  CHECK(err.header("x-request-id") == "req-43");
}

TEST_CASE("bad JSON bodies get the right 4xx") {
  StubServer s;
  HttpClient client(s.port());
  SECTION("malformed JSON is 400") {
    auto res = client.Post("/echo", R"({"a": )");
    CHECK(res.status == 400);
    CHECK(nlohmann::json::parse(res.body)["error"]["code"] == "invalid_json");
  }
  SECTION("wrong content type is 415") {
    auto res = client.Post("/echo", "{}", {{"Content-Type", "text/plain"}});
    CHECK(res.status == 415);
    auto none = client.Send("POST", "/echo", "{}", {});
    CHECK(none.status == 415);
  }
  SECTION("content type with parameters is accepted") {
    auto res = client.Post("/echo", "{}", {{"Content-Type", "Application/JSON; charset=utf-8"}});
    CHECK(res.status == 200);
  }
  SECTION("10,000-deep JSON is 400, not a crash") {
    std::string deep(10000, '[');
    deep += std::string(10000, ']');
    auto res = client.Post("/echo", deep);
    CHECK(res.status == 400);
    CHECK(nlohmann::json::parse(res.body)["error"]["code"] == "too_deep");
    std::string deep_objects;
    for (int i = 0; i < 10000; ++i) deep_objects += R"({"a":)";
    deep_objects += "1" + std::string(10000, '}');
    CHECK(client.Post("/echo", deep_objects).status == 400);
    // The server still answers afterwards.
    CHECK(client.Get("/hello").status == 200);
  }
  SECTION("invalid UTF-8 is 400") {
    auto res = client.Post("/echo", "{\"name\":\"caf\xC3\x28\"}");
    CHECK(res.status == 400);
    CHECK(nlohmann::json::parse(res.body)["error"]["code"] == "invalid_utf8");
    CHECK(client.Post("/echo", "{\"a\":\"\xED\xA0\x80\"}").status == 400);  // surrogate
    CHECK(client.Post("/echo", "{\"a\":\"\xC0\xAF\"}").status == 400);      // overlong
    CHECK(client.Post("/echo", "{\"a\":\"d\xC3\xA9j\xC3\xA0\"}").status == 200);
  }
}

TEST_CASE("a body over the limit is 413 and the server keeps serving") {
  HttpServerOptions options;
  options.limits.http_body_bytes = 1024;
  StubServer s(options);
  HttpClient client(s.port());
  std::string big = "{\"a\":\"" + std::string(4096, 'x') + "\"}";
  auto res = client.Post("/echo", big);
  CHECK(res.status == 413);
  HttpClient other(s.port());
  CHECK(other.Get("/hello").status == 200);
}

TEST_CASE("the default body limit is 1 MiB") {
  StubServer s;
  HttpClient client(s.port());
  std::string just_under = "{\"a\":\"" + std::string((1 << 20) - 100, 'x') + "\"}";
  CHECK(client.Post("/echo", just_under).status == 200);
  std::string over = "{\"a\":\"" + std::string(1 << 20, 'x') + "\"}";
  CHECK(client.Post("/echo", over).status == 413);
}

TEST_CASE("a client that trickles a header and stops is closed after the timeout") {
  HttpServerOptions options;
  options.limits.http_header_timeout_ms = 300;
  StubServer s(options);
  RawConnection slow(s.port());
  for (char c : std::string("GET /hello HTTP/1.1\r\nHost: x\r\n")) {
    slow.Write(std::string(1, c));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  bool closed = false;
  std::string got = slow.ReadUntilClosed(std::chrono::seconds(10), &closed);
  CHECK(closed);
  CHECK(got.empty());
  HttpClient client(s.port());
  CHECK(client.Get("/hello").status == 200);
}

TEST_CASE("a client that sends a header and stalls in the body is closed") {
  HttpServerOptions options;
  options.limits.http_body_timeout_ms = 300;
  StubServer s(options);
  RawConnection slow(s.port());
  slow.Write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 100\r\n\r\n{\"a\":");
  bool closed = false;
  slow.ReadUntilClosed(std::chrono::seconds(10), &closed);
  CHECK(closed);
}

TEST_CASE("garbage instead of HTTP is 400 and closed") {
  StubServer s;
  RawConnection raw(s.port());
  raw.Write("HELLO THERE\r\n\r\n");
  bool closed = false;
  std::string got = raw.ReadUntilClosed(std::chrono::seconds(10), &closed);
  CHECK(got.starts_with("HTTP/1.1 400"));
  CHECK(closed);
}

TEST_CASE("replies from another thread arrive; drain waits for them") {
  StubServer s;
  auto pending = std::async(std::launch::async, [&] {
    HttpClient client(s.port());
    return client.Post("/later", "{}");
  });
  while (s.server->requests_in_flight() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  s.server->BeginDrain();
  CHECK(s.server->WaitDrained(std::chrono::seconds(10)));
  auto res = pending.get();
  CHECK(res.status == 200);
  CHECK(res.body == "later");
  CHECK_FALSE(res.keep_alive);
  // No new connections after the drain started.
  CHECK_THROWS(HttpClient(s.port()).Get("/hello"));
}

TEST_CASE("static files stay inside their folder") {
  StubServer s;
  HttpClient client(s.port());
  auto res = client.Get("/files/CMakeLists.txt");
  CHECK(res.status == 200);
  CHECK(res.header("content-type") == "text/plain; charset=utf-8");
  CHECK(client.Get("/files/../CMakeLists.txt").status == 404);
  CHECK(client.Get("/files/%2e%2e/CMakeLists.txt").status == 404);
  CHECK(client.Get("/files/nope.js").status == 404);
}

TEST_CASE("TLS when given a certificate and key") {
  auto dir = std::filesystem::temp_directory_path() / ("arbiter-tls-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                    "-keyout " + key + " -out " + cert + " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  HttpServerOptions options;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  StubServer s(options);
  CHECK(s.server->tls());
  HttpClient client(s.port(), /*tls=*/true);
  CHECK(client.Get("/hello").status == 200);
  CHECK(client.Post("/echo", "{\"x\":1}").body == "{\"x\":1}");
  // A plain-HTTP client gets no answer.
  RawConnection plain(s.port());
  plain.Write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  std::string got = plain.ReadUntilClosed(std::chrono::seconds(10), &closed);
  CHECK(got.find("hello") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a bad certificate is a clear error") {
  HttpServerOptions options;
  options.port = 0;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  auto created = HttpServer::Create(options, [](HttpRequest&, Reply) {});
  REQUIRE_FALSE(created.ok());
  CHECK(created.status().message().find("/nonexistent/cert.pem") != std::string::npos);
}

TEST_CASE("JSON input helpers") {
  CHECK(IsJsonContentType("application/json"));
  CHECK(IsJsonContentType("application/problem+json"));
  CHECK_FALSE(IsJsonContentType("application/jsonx"));
  CHECK_FALSE(IsJsonContentType("text/json"));
  JsonInputError error;
  CHECK(CheckJsonText(R"({"a":"[[[[","b":[1,{"c":2}]})", &error));
  arbiter::Limits shallow;
  shallow.json_depth = 2;
  CHECK_FALSE(CheckJsonText(R"({"a":"[[[[","b":[1,{"c":2}]})", &error, shallow));
  CHECK(error.code == "too_deep");
  CHECK(error.message.starts_with("body:1:20: "));
  size_t at = 0;
  CHECK_FALSE(arbiter::IsValidUtf8("ab\xF5", &at));
  CHECK(at == 2);
  CHECK(QueryParam("/p?seq=5&x=1", "seq") == "5");
  CHECK(QueryParam("/p?x=1", "seq") == std::nullopt);
}
