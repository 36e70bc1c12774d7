// The HTTP server against hostile clients, with raw sockets: request framing per RFC 9112
// (Transfer-Encoding and Content-Length), X-Request-ID on every error answer, handlers that
// throw or never answer, file-descriptor exhaustion, the connection and per-connection request
// caps, and slow or idle clients. No assertion is on wall-clock time: waits have generous
// limits, and the fd-exhaustion case bounds CPU work, not latency.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "daemon/blocking_pool.h"
#include "daemon/http_server.h"
#include "daemon/responses.h"
#include "daemon/router.h"
#include "tests/daemon/http_client.h"

using namespace arbiter::daemon;
namespace http = boost::beast::http;
using std::chrono::milliseconds;

namespace {

struct RawResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A blocking-free TCP client on POSIX sockets: writes bytes as given and reads responses with
// a limit, so a test can tell "answered", "closed" and "nothing yet" apart.
class Raw {
 public:
  explicit Raw(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Raw() { Close(); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // False when the server has closed (EPIPE/ECONNRESET).
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // One response (header and Content-Length body), or nullopt if none is complete in `limit`.
  std::optional<RawResponse> ReadResponse(milliseconds limit = milliseconds(10'000)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (auto res = TakeResponse()) return res;
      if (!Fill(deadline)) return std::nullopt;
    }
  }
  // True if the server closes the connection within `limit` (bytes before the close are kept).
  bool WaitClosed(milliseconds limit = milliseconds(10'000)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (Fill(deadline)) {
    }
    return eof_;
  }
  const std::string& pending() const { return in_; }

 private:
  // Reads what is available before the deadline; false on timeout or EOF.
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    auto left = std::chrono::duration_cast<milliseconds>(deadline -
                                                         std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[8192];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }
  std::optional<RawResponse> TakeResponse() {
    size_t end = in_.find("\r\n\r\n");
    if (end == std::string::npos) return std::nullopt;
    RawResponse res;
    std::istringstream head(in_.substr(0, end));
    std::string line;
    std::getline(head, line);
    if (line.size() < 12) return std::nullopt;
    res.status = static_cast<unsigned>(std::stoul(line.substr(9, 3)));
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      res.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    size_t length = res.headers.count("content-length")
                        ? std::stoul(res.headers["content-length"])
                        : 0;
    if (in_.size() < end + 4 + length) return std::nullopt;
    res.body = in_.substr(end + 4, length);
    in_.erase(0, end + 4 + length);
    return res;
  }

  int fd_ = -1;
  std::string in_;
  bool eof_ = false;
};

struct Server {
  explicit Server(HttpServerOptions options = {}) {
    options.port = 0;
    router.Add(http::verb::get, "/hello",
               [](HttpRequest&, Reply reply) { reply(TextResponse(200, "hello")); });
    router.Add(http::verb::post, "/echo", [](HttpRequest& req, Reply reply) {
      reply(TextResponse(200, req.body()));
    });
    router.Add(http::verb::get, "/throw", [](HttpRequest&, Reply) {
      throw std::runtime_error("handler bug");
    });
    router.Add(http::verb::get, "/throw-int", [](HttpRequest&, Reply) { throw 42; });
    router.Add(http::verb::get, "/reply-then-throw", [](HttpRequest&, Reply reply) {
      reply(TextResponse(200, "answered"));
      throw std::runtime_error("bug after the answer");
    });
    router.Add(http::verb::get, "/reply-twice", [](HttpRequest&, Reply reply) {
      reply(TextResponse(200, "first"));
      reply(TextResponse(200, "second"));
    });
    router.Add(http::verb::get, "/never", [](HttpRequest&, Reply) {});
    auto created = HttpServer::Create(
        options, [this](HttpRequest& req, Reply reply) { router.Route(req, std::move(reply)); });
    REQUIRE(created.ok());
    server = std::move(created).value();
    server->Start();
  }
  uint16_t port() const { return server->port(); }
  Router router;
  std::unique_ptr<HttpServer> server;
};

std::string Post(std::string_view headers, std::string_view body) {
  return "POST /echo HTTP/1.1\r\nHost: x\r\nX-Request-ID: frame-1\r\n" + std::string(headers) +
         "\r\n" + std::string(body);
}

// A refused framing: one error answer carrying the request id, then the connection closes, and
// nothing after the header (a would-be smuggled request) is answered.
void ExpectRefusedAndClosed(uint16_t port, const std::string& bytes, unsigned want_status) {
  Raw raw(port);
  raw.Send(bytes);
  auto res = raw.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == want_status);
  CHECK(res->header("x-request-id") == "frame-1");
  CHECK(res->header("connection") == "close");
  CHECK(raw.WaitClosed());
  CHECK(raw.pending().empty());
}

const char* kSmuggled = "5\r\nhello\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

}  // namespace

TEST_CASE("Transfer-Encoding other than exactly chunked is refused and closes the connection") {
  Server s;
  SECTION("chunked, identity (chunked not last): 400") {
    ExpectRefusedAndClosed(s.port(), Post("Transfer-Encoding: chunked, identity\r\n", kSmuggled),
                           400);
  }
  SECTION("identity alone: 400") {
    ExpectRefusedAndClosed(s.port(), Post("Transfer-Encoding: identity\r\n", kSmuggled), 400);
  }
  SECTION("chunked, chunked: 400") {
    ExpectRefusedAndClosed(s.port(), Post("Transfer-Encoding: chunked, chunked\r\n", kSmuggled),
                           400);
  }
  SECTION("an unsupported coding before chunked: 501") {
    ExpectRefusedAndClosed(s.port(), Post("Transfer-Encoding: gzip, chunked\r\n", kSmuggled),
                           501);
  }
  SECTION("two Transfer-Encoding fields make one list: 501") {
    ExpectRefusedAndClosed(
        s.port(), Post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", kSmuggled),
        501);
  }
  SECTION("Transfer-Encoding in an HTTP/1.0 request: 400") {
    ExpectRefusedAndClosed(s.port(),
                           "POST /echo HTTP/1.0\r\nHost: x\r\nX-Request-ID: frame-1\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n" + std::string(kSmuggled),
                           400);
  }
  SECTION("exactly chunked (any case) is served and keeps the connection") {
    Raw raw(s.port());
    raw.Send(Post("Transfer-Encoding: Chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"));
    auto res = raw.ReadResponse();
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == "hello");
    raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    auto next = raw.ReadResponse();
    REQUIRE(next);
    CHECK(next->body == "hello");
  }
}

TEST_CASE("Content-Length with Transfer-Encoding is 400 and closes the connection") {
  Server s;
  SECTION("Content-Length first") {
    ExpectRefusedAndClosed(
        s.port(), Post("Content-Length: 18\r\nTransfer-Encoding: chunked\r\n", kSmuggled), 400);
  }
  SECTION("Transfer-Encoding first") {
    ExpectRefusedAndClosed(
        s.port(), Post("Transfer-Encoding: chunked\r\nContent-Length: 18\r\n", kSmuggled), 400);
  }
  SECTION("an identity Transfer-Encoding does not make Content-Length trusted") {
    ExpectRefusedAndClosed(
        s.port(), Post("Transfer-Encoding: identity\r\nContent-Length: 18\r\n", kSmuggled), 400);
  }
  SECTION("two different Content-Length values") {
    ExpectRefusedAndClosed(s.port(), Post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"),
                           400);
  }
}

TEST_CASE("error answers carry X-Request-ID") {
  HttpServerOptions options;
  options.limits.http_body_bytes = 1024;
  options.limits.http_header_bytes = 4096;
  Server s(options);
  SECTION("413: the client's id") {
    Raw raw(s.port());
    raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Request-ID: big-1\r\n"
             "Content-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
    auto res = raw.ReadResponse();
    REQUIRE(res);
    CHECK(res->status == 413);
    CHECK(res->header("x-request-id") == "big-1");
  }
  SECTION("431: an id, the client's when it was read, else a generated one") {
    Raw raw(s.port());
    raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-ID: huge-1\r\nX-Pad: " +
             std::string(8000, 'p') + "\r\n\r\n");
    auto res = raw.ReadResponse();
    REQUIRE(res);
    CHECK(res->status == 431);
    CHECK_FALSE(res->header("x-request-id").empty());
  }
  SECTION("a bad chunk: the client's id") {
    Raw raw(s.port());
    raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Request-ID: chunk-1\r\n"
             "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    auto res = raw.ReadResponse();
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->header("x-request-id") == "chunk-1");
    CHECK(raw.WaitClosed());
  }
  SECTION("garbage: a generated id") {
    Raw raw(s.port());
    raw.Send("HELLO THERE\r\n\r\n");
    auto res = raw.ReadResponse();
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK_FALSE(res->header("x-request-id").empty());
  }
  SECTION("no id or an unusable one: a generated id, different per request") {
    Raw raw(s.port());
    raw.Send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    auto first = raw.ReadResponse();
    REQUIRE(first);
    CHECK(first->status == 404);
    std::string generated = first->header("x-request-id");
    CHECK_FALSE(generated.empty());
    raw.Send("GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-ID: " + std::string(300, 'a') +
             "\r\n\r\n");
    auto second = raw.ReadResponse();
    REQUIRE(second);
    CHECK_FALSE(second->header("x-request-id").empty());
    CHECK(second->header("x-request-id") != std::string(300, 'a'));
    CHECK(second->header("x-request-id") != generated);
    raw.Send("GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-ID: a b\"c\r\n\r\n");
    auto third = raw.ReadResponse();
    REQUIRE(third);
    CHECK(third->header("x-request-id").find(' ') == std::string::npos);
  }
}

TEST_CASE("a handler that throws or misbehaves yields exactly one answer") {
  Server s;
  // After the answer the connection is either closed cleanly or still serves: the next answer
  // on it is the next request's, never a second answer to the first.
  auto exactly_one = [&](const std::string& target, unsigned want_status) {
    Raw raw(s.port());
    raw.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Request-ID: bug-1\r\n\r\n");
    auto res = raw.ReadResponse();
    REQUIRE(res);
    CHECK(res->status == want_status);
    CHECK(res->header("x-request-id") == "bug-1");
    if (res->header("connection") == "close") {
      CHECK(raw.WaitClosed());
      CHECK(raw.pending().empty());
      return;
    }
    raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    auto next = raw.ReadResponse();
    REQUIRE(next);
    CHECK(next->status == 200);
    CHECK(next->body == "hello");
  };
  SECTION("std::exception: 500") { exactly_one("/throw", 500); }
  SECTION("anything thrown: 500") { exactly_one("/throw-int", 500); }
  SECTION("answered, then threw: the answer only") { exactly_one("/reply-then-throw", 200); }
  SECTION("answered twice: the first answer only") { exactly_one("/reply-twice", 200); }
  SECTION("never answered: 500") { exactly_one("/never", 500); }
  // The server still serves others.
  arbiter::testing::HttpClient client(s.port());
  CHECK(client.Get("/hello").status == 200);
}

namespace {

// utime + stime of a process, in clock ticks.
long CpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> fields;
  std::string f;
  while (rest >> f) fields.push_back(f);
  // Field 3 (state) is fields[0]; utime and stime are fields 14 and 15.
  return std::stol(fields.at(11)) + std::stol(fields.at(12));
}

int HighestOpenFd() {
  int highest = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    highest = std::max(highest, std::stoi(entry.path().filename().string()));
  }
  return highest;
}

}  // namespace

TEST_CASE("out of file descriptors, accept backs off instead of spinning, then serves again") {
  int port_pipe[2], quit_pipe[2];
  REQUIRE(::pipe(port_pipe) == 0);
  REQUIRE(::pipe(quit_pipe) == 0);
  constexpr int kHeadroom = 8;  // descriptors left for accepted connections
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The server runs in a child whose descriptor limit is just above what it already uses.
    ::close(port_pipe[0]);
    ::close(quit_pipe[1]);
    HttpServerOptions options;
    options.port = 0;
    options.threads = 2;
    // Not closing idle connections to make room (tested below): here they hold on.
    options.limits.http_evict_after_ms = 600'000;
    auto created = HttpServer::Create(options, [](HttpRequest&, Reply reply) {
      reply(TextResponse(200, "hello"));
    });
    if (!created.ok()) ::_exit(2);
    auto server = std::move(created).value();
    server->Start();
    std::this_thread::sleep_for(milliseconds(100));  // its threads have opened what they open
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = static_cast<rlim_t>(HighestOpenFd() + 1 + kHeadroom);
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(3);
    // Fill every free descriptor number, then free exactly kHeadroom of them.
    std::vector<int> filler;
    for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) filler.push_back(fd);
    if (filler.size() < static_cast<size_t>(kHeadroom)) ::_exit(5);
    for (int i = 0; i < kHeadroom; ++i) {
      ::close(filler.back());
      filler.pop_back();
    }
    uint16_t port = server->port();
    if (::write(port_pipe[1], &port, sizeof port) != sizeof port) ::_exit(4);
    char c;
    (void)::read(quit_pipe[0], &c, 1);  // until the parent closes its end
    ::_exit(0);
  }
  ::close(port_pipe[1]);
  ::close(quit_pipe[0]);
  uint16_t port = 0;
  REQUIRE(::read(port_pipe[0], &port, sizeof port) == sizeof port);
  ::close(port_pipe[0]);

  // More keep-alive connections than the child has descriptors for; each asks once.
  constexpr int kClients = 3 * kHeadroom;
  std::vector<std::unique_ptr<Raw>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Raw>(port));
    clients.back()->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  int answered = 0;
  while (answered < kClients && clients[answered]->ReadResponse(milliseconds(2'000))) ++answered;
  CHECK(answered > 0);
  REQUIRE(answered < kClients);  // the rest wait: accept is failing with EMFILE

  // While exhausted, the server does (almost) no work: a spinning accept loop would burn a
  // whole core, i.e. CPU time close to the elapsed time.
  long hz = ::sysconf(_SC_CLK_TCK);
  long before = CpuTicks(child);
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(milliseconds(2'000));
  long cpu = CpuTicks(child) - before;
  double elapsed_ticks =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * hz;
  CHECK(cpu < elapsed_ticks / 5);

  // Freeing descriptors lets it accept and serve the waiting connections.
  for (int i = 0; i < answered; ++i) clients[i]->Close();
  auto next = clients[answered]->ReadResponse(milliseconds(20'000));
  REQUIRE(next);
  CHECK(next->status == 200);
  clients.clear();
  std::optional<RawResponse> fresh;
  for (int attempt = 0; attempt < 100 && !fresh; ++attempt) {
    Raw raw(port);
    raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    fresh = raw.ReadResponse(milliseconds(5'000));
  }
  REQUIRE(fresh);
  CHECK(fresh->status == 200);

  ::close(quit_pipe[1]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a slowloris client (one header byte per second) is closed while others are served") {
  HttpServerOptions options;
  options.limits.http_header_timeout_ms = 1'500;
  Server s(options);
  Raw slow(s.port());
  std::string header = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijklmnop\r\n\r\n";
  bool closed = false;
  for (size_t i = 0; i < header.size() && !closed; ++i) {
    if (!slow.Send(header.substr(i, 1))) break;
    // Meanwhile another client is served at once.
    arbiter::testing::HttpClient other(s.port());
    CHECK(other.Get("/hello").status == 200);
    closed = slow.WaitClosed(milliseconds(1'000));
  }
  CHECK((closed || slow.WaitClosed()));
  CHECK(slow.pending().empty());
}

TEST_CASE("the connection cap: the next connection waits, and is served once one closes") {
  HttpServerOptions options;
  options.limits.http_connections = 2;
  options.limits.http_evict_after_ms = 600'000;  // no room made by closing idle ones (below)
  Server s(options);
  const std::string get = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  Raw a(s.port()), b(s.port());
  a.Send(get);
  b.Send(get);
  REQUIRE(a.ReadResponse());
  REQUIRE(b.ReadResponse());
  Raw c(s.port());  // the kernel completes the handshake; the server does not accept it yet
  c.Send(get);
  CHECK_FALSE(c.ReadResponse(milliseconds(1'000)));
  CHECK(s.server->open_connections() == 2);
  a.Close();
  auto res = c.ReadResponse(milliseconds(20'000));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(s.server->open_connections() <= 2);
}

TEST_CASE("at the connection cap, the connection waiting longest on its client makes room") {
  HttpServerOptions options;
  options.limits.http_connections = 3;
  options.limits.http_evict_after_ms = 300;
  Server s(options);
  const std::string get = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  // `idle` was answered and keeps its connection open; `partial` never finishes its header;
  // `busy` is answered later, after both.
  Raw idle(s.port());
  idle.Send(get);
  REQUIRE(idle.ReadResponse());
  std::this_thread::sleep_for(milliseconds(50));
  Raw partial(s.port());
  partial.Send("GET /hello HTTP/1.1\r\nHost: x\r\n");
  std::this_thread::sleep_for(milliseconds(50));
  Raw fresh(s.port());
  fresh.Send(get);
  REQUIRE(fresh.ReadResponse());
  // Full: the next client gets in once the longest waiter (idle) is old enough to close.
  Raw next(s.port());
  next.Send(get);
  auto res = next.ReadResponse(milliseconds(20'000));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(idle.WaitClosed(milliseconds(5'000)));
  // The one after that closes the next longest waiter: the partial header.
  Raw last(s.port());
  last.Send(get);
  res = last.ReadResponse(milliseconds(20'000));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(partial.WaitClosed(milliseconds(5'000)));
  CHECK(s.server->open_connections() <= 3);
}

TEST_CASE("the request cap closes a keep-alive connection after N requests") {
  HttpServerOptions options;
  options.limits.http_requests_per_connection = 3;
  Server s(options);
  Raw raw(s.port());
  for (int i = 1; i <= 3; ++i) {
    raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    auto res = raw.ReadResponse();
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->header("connection") == (i < 3 ? "" : "close"));
  }
  CHECK(raw.WaitClosed());
  CHECK(raw.pending().empty());
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout") {
  HttpServerOptions options;
  options.limits.http_idle_timeout_ms = 300;
  options.limits.http_header_timeout_ms = 600'000;  // not what closes it
  Server s(options);
  Raw raw(s.port());
  raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(raw.ReadResponse());
  CHECK(raw.WaitClosed(milliseconds(20'000)));
  CHECK(raw.pending().empty());
}

TEST_CASE("on a keep-alive connection the header deadline starts at the request's first byte") {
  HttpServerOptions options;
  options.limits.http_idle_timeout_ms = 600'000;
  options.limits.http_header_timeout_ms = 500;
  Server s(options);
  Raw raw(s.port());
  raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(raw.ReadResponse());
  std::this_thread::sleep_for(milliseconds(800));  // idle longer than the header timeout
  raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = raw.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 200);
  raw.Send("GET /hel");  // then stalls: closed by the header timeout
  CHECK(raw.WaitClosed(milliseconds(20'000)));
}

TEST_CASE("accepting does not wait for busy workers") {
  HttpServerOptions options;
  options.threads = 1;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Router router;
  router.Add(http::verb::get, "/hold", [released](HttpRequest&, Reply reply) {
    released.wait();  // holds the only I/O thread
    reply(TextResponse(200, "held"));
  });
  options.port = 0;
  auto created = HttpServer::Create(
      options, [&router](HttpRequest& req, Reply reply) { router.Route(req, std::move(reply)); });
  REQUIRE(created.ok());
  auto server = std::move(created).value();
  server->Start();
  Raw holder(server->port());
  holder.Send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
  while (server->requests_in_flight() == 0) std::this_thread::sleep_for(milliseconds(1));
  Raw a(server->port()), b(server->port());
  for (int i = 0; i < 2'000 && server->open_connections() < 3; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  CHECK(server->open_connections() == 3);
  release.set_value();
  auto res = holder.ReadResponse();
  REQUIRE(res);
  CHECK(res->body == "held");
}

TEST_CASE("blocking routes run on the BlockingPool, off the I/O threads; its queue is bounded") {
  HttpServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.limits.http_blocking_threads = 1;
  options.limits.http_blocking_queue = 1;
  BlockingPool pool(options.limits);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started{0};
  Router router(&pool);
  router.AddBlocking(http::verb::get, "/slow", [&started, released](HttpRequest& req,
                                                                    Reply reply) {
    ++started;
    released.wait();
    reply(TextResponse(200, std::string(Sv(req.target()))));
  });
  router.Add(http::verb::get, "/hello",
             [](HttpRequest&, Reply reply) { reply(TextResponse(200, "hello")); });
  auto created = HttpServer::Create(
      options, [&router](HttpRequest& req, Reply reply) { router.Route(req, std::move(reply)); });
  REQUIRE(created.ok());
  auto server = std::move(created).value();
  server->Start();

  Raw running(server->port()), waiting(server->port()), refused(server->port());
  running.Send("GET /slow?1 HTTP/1.1\r\nHost: x\r\n\r\n");
  while (started.load() == 0) std::this_thread::sleep_for(milliseconds(1));
  waiting.Send("GET /slow?2 HTTP/1.1\r\nHost: x\r\n\r\n");
  while (pool.queued() == 0) std::this_thread::sleep_for(milliseconds(1));
  refused.Send("GET /slow?3 HTTP/1.1\r\nHost: x\r\nX-Request-ID: busy-1\r\n\r\n");
  auto busy = refused.ReadResponse();
  REQUIRE(busy);
  CHECK(busy->status == 503);
  CHECK(busy->header("retry-after") == "1");
  CHECK(busy->header("x-request-id") == "busy-1");
  // The one I/O thread still answers while the pool's thread is held.
  arbiter::testing::HttpClient other(server->port());
  CHECK(other.Get("/hello").status == 200);

  release.set_value();
  auto first = running.ReadResponse();
  auto second = waiting.ReadResponse();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->body == "/slow?1");
  CHECK(second->body == "/slow?2");
  pool.Shutdown();
}
