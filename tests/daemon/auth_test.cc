// Principals and the API guard in-process: the auth file's format and its errors, the Bearer
// scheme in any case, certificate subjects, and the system-api pack's answers through a
// guarded router (401 without credentials, 403 without the role, the handler told who called).
#include <catch2/catch.hpp>

#include <future>

#include "daemon/auth.h"
#include "daemon/auth_file.h"
#include "daemon/auth_policy.h"
#include "daemon/router.h"

using namespace arbiter;
using namespace arbiter::daemon;
namespace http = boost::beast::http;

namespace {

const std::string kSystemApi = ARBITER_SOURCE_DIR "/stdlib-policies/system-api";
const std::string kAuditorToken = "auditor-token-0123456789abcdef";

std::vector<PrincipalEntry> Principals() {
  std::string text = R"({"principals": [
    {"name": "auditor-1", "roles": ["audit"], "token_sha256": ")" +
                     TokenSha256Hex(kAuditorToken) + R"("},
    {"name": "ops", "roles": ["admin", "audit"], "cert_subject": "CN=ops"}]})";
  auto parsed = ParseAuthFile(text, "auth.json");
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

struct Guarded {
  std::unique_ptr<ApiGuard> guard;
  Router router;
  std::string last_principal;

  explicit Guarded(ApiFacts facts) {
    auto created = ApiGuard::Create(kSystemApi, Principals(), facts);
    INFO(created.status().ToString());
    REQUIRE(created.ok());
    guard = std::move(created).value();
    auto handler = [this](HttpRequest&, Reply reply, const Principal& principal) {
      last_principal = principal.name;
      HttpResponse res{http::status::ok, 11};
      reply(std::move(res));
    };
    guard->Add(router, http::verb::post, "/v1/decide", handler);
    guard->Add(router, http::verb::post, "/v1/evidence", handler);
    guard->Add(router, http::verb::get, "/health", handler);
    guard->Add(router, http::verb::put, "/v1/policies", handler);
    guard->AddPrefix(router, http::verb::get, "/v1/ledger/entries/", handler);
  }

  HttpResponse Call(http::verb method, const std::string& target,
                    std::map<std::string, std::string> headers = {}) {
    HttpRequest req{method, target, 11};
    for (const auto& [k, v] : headers) req.set(k, v);
    std::promise<HttpResponse> answered;
    auto future = answered.get_future();
    last_principal.clear();
    router.Route(req, [&answered](HttpResponse res) { answered.set_value(std::move(res)); });
    return future.get();
  }
};

}  // namespace

TEST_CASE("auth file: the issue's shape is accepted") {
  auto parsed = ParseAuthFile(
      R"({"principals": [{"name": "auditor-1", "roles": ["audit"], "token_sha256": ")" +
          std::string(64, 'A') +
          R"("}, {"name": "ops", "roles": ["admin", "audit"], "cert_subject": "CN=ops"}]})",
      "auth.json");
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0].name == "auditor-1");
  CHECK((*parsed)[0].roles == std::vector<std::string>{"audit"});
  CHECK((*parsed)[0].token_sha256 == std::string(64, 'a'));  // hex in either case
  CHECK((*parsed)[1].cert_subject == "CN=ops");
  CHECK((*parsed)[1].roles == std::vector<std::string>{"admin", "audit"});
}

TEST_CASE("auth file: every mistake is refused with the reason and the principal") {
  std::string digest = TokenSha256Hex("x");
  auto error = [](const std::string& text) {
    auto parsed = ParseAuthFile(text, "auth.json");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().message().starts_with("auth.json: "));
    return parsed.status().message();
  };
  CHECK(error("{\"principals\": [").find("byte") != std::string::npos);
  CHECK(error("[]").find("object") != std::string::npos);
  CHECK(error(R"({"principal": []})").find("unknown member 'principal'") != std::string::npos);
  CHECK(error(R"({"principals": [{"roles": [], "cert_subject": "CN=a"}]})")
            .find("principal 0: name is required") != std::string::npos);
  CHECK(error(R"({"principals": [{"name": "anonymous", "roles": [], "cert_subject": "CN=a"}]})")
            .find("reserved") != std::string::npos);
  CHECK(error(R"({"principals": [{"name": "a", "cert_subject": "CN=a"}]})")
            .find("roles is required") != std::string::npos);
  CHECK(error(R"({"principals": [{"name": "a", "roles": ["audit", 3], "cert_subject": "C"}]})")
            .find("non-empty strings") != std::string::npos);
  CHECK(error(R"({"principals": [{"name": "a", "roles": [], "token_sha256": "abc"}]})")
            .find("principal 0 ('a'): token_sha256 must be 64 hex") != std::string::npos);
  CHECK(error(R"({"principals": [{"name": "a", "roles": [], "token": "secret"}]})")
            .find("unknown member 'token'") != std::string::npos);
  CHECK(error(R"({"principals": [{"name": "a", "roles": [], "token_sha256": ")" + digest +
              R"(", "cert_subject": "CN=a"}]})")
            .find("exactly one") != std::string::npos);
  CHECK(error(R"({"principals": [{"name": "a", "roles": []}]})").find("exactly one") !=
        std::string::npos);
  CHECK(error(R"({"principals": [{"name": "a", "roles": [], "token_sha256": ")" + digest +
              R"("}, {"name": "b", "roles": [], "token_sha256": ")" + digest + R"("}]})")
            .find("principal 1 ('b'): the same token_sha256") != std::string::npos);
  CHECK(error(R"({"principals": [{"name": "a", "roles": [], "cert_subject": "CN=a"},
                                 {"name": "a", "roles": [], "cert_subject": "CN=b"}]})")
            .find("'a' is used twice") != std::string::npos);
}

TEST_CASE("bearer tokens: the scheme in any case, nothing else") {
  CHECK(BearerToken("Bearer abc") == "abc");
  CHECK(BearerToken("bearer abc") == "abc");
  CHECK(BearerToken("BEARER  abc ") == "abc");
  CHECK(BearerToken("Basic abc").empty());
  CHECK(BearerToken("Bearer").empty());
  CHECK(BearerToken("Bearer ").empty());
  CHECK(BearerToken("Bearerabc").empty());
}

TEST_CASE("the guard: 401 without credentials, 403 without the role, the principal named") {
  ApiFacts facts;
  facts.auth_file = true;
  Guarded g(facts);
  std::map<std::string, std::string> auditor = {{"Authorization", "bearer " + kAuditorToken}};

  HttpResponse anonymous = g.Call(http::verb::get, "/v1/ledger/entries/7");
  CHECK(anonymous.result_int() == 401);
  CHECK(std::string(anonymous[http::field::www_authenticate]) == R"(Bearer realm="arbiter")");
  HttpResponse wrong = g.Call(http::verb::get, "/v1/ledger/entries/7",
                              {{"Authorization", "Bearer wrong-token-0123456789"}});
  CHECK(wrong.result_int() == 401);
  CHECK(std::string(wrong[http::field::www_authenticate]).find("invalid_token") !=
        std::string::npos);
  CHECK(g.last_principal.empty());

  CHECK(g.Call(http::verb::get, "/v1/ledger/entries/7", auditor).result_int() == 200);
  CHECK(g.last_principal == "auditor-1");
  CHECK(g.Call(http::verb::post, "/v1/evidence", auditor).result_int() == 403);
  CHECK(g.Call(http::verb::post, "/v1/decide", auditor).result_int() == 403);
  CHECK(g.Call(http::verb::post, "/v1/decide").result_int() == 401);
  CHECK(g.Call(http::verb::get, "/health").result_int() == 200);
  CHECK(g.last_principal == "anonymous");
  // Asked twice (the second answer from the cache): the same.
  CHECK(g.Call(http::verb::get, "/v1/ledger/entries/8", auditor).result_int() == 200);
  CHECK(g.Call(http::verb::post, "/v1/evidence", auditor).result_int() == 403);
}

TEST_CASE("the guard: a verified certificate's subject names its principal; a token wins") {
  ApiFacts facts;
  facts.auth_file = true;
  Guarded g(facts);
  std::string subject(kPeerSubjectHeader);
  CHECK(g.Call(http::verb::put, "/v1/policies", {{subject, "CN=ops"}}).result_int() == 200);
  CHECK(g.last_principal == "ops");
  CHECK(g.Call(http::verb::put, "/v1/policies", {{subject, "CN=someone-else"}}).result_int() ==
        401);
  CHECK(g.Call(http::verb::put, "/v1/policies",
               {{subject, "CN=ops"}, {"Authorization", "Bearer " + kAuditorToken}})
            .result_int() == 403);
  CHECK(g.last_principal.empty());
}

TEST_CASE("the guard's cached answers equal the policy's, for every principal and route") {
  for (bool loopback : {false, true}) {
    for (bool auth_file : {false, true}) {
      ApiFacts facts;
      facts.loopback = loopback;
      facts.auth_file = auth_file;
      Guarded g(facts);
      const auto& principals = g.guard->authenticator().principals();
      struct Case {
        http::verb method;
        const char* route;
        const char* target;
      };
      for (const Case& c : {Case{http::verb::post, "/v1/decide", "/v1/decide"},
                            Case{http::verb::post, "/v1/decide", "/v1/decide?explain=true"},
                            Case{http::verb::get, "/v1/ledger/entries/", "/v1/ledger/entries/1"},
                            Case{http::verb::put, "/v1/policies", "/v1/policies"}}) {
        for (const Principal& p : principals) {
          INFO(p.name << " " << c.target << " loopback " << loopback << " auth " << auth_file);
          std::map<std::string, std::string> headers;
          if (p.name == "auditor-1") headers["Authorization"] = "Bearer " + kAuditorToken;
          if (p.name == "ops") headers[std::string(kPeerSubjectHeader)] = "CN=ops";
          bool allowed = g.guard->Allows(p, c.method, c.route, WantsExplain(c.target));
          for (int round = 0; round < 2; ++round) {
            unsigned status = g.Call(c.method, c.target, headers).result_int();
            CHECK((status == 200) == allowed);
          }
        }
      }
    }
  }
}
