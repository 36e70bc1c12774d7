// Hostile JSON bodies at the decision endpoints, in-process. Every body goes through the one
// JSON reader (engine/json_reader.h) with the one set of bounds (common/limits.h), so the
// AuthZEN endpoints and the native one give the same 400, byte for byte, with the position
// where the reader stopped; nothing is decided or recorded.
#include <catch2/catch.hpp>

#include <arbiter/arbiter.h>
#include <arbiter/ledger.h>

#include <filesystem>
#include <future>

#include "common/limits.h"
#include "daemon/metrics.h"
#include "daemon/policy_state.h"
#include "daemon/router.h"
#include "daemon/service.h"
#include "tests/daemon/in_process_service.h"
#include "tests/daemon/daemon_process.h"

using namespace arbiter;
using namespace arbiter::daemon;
namespace fs = std::filesystem;
namespace http = boost::beast::http;

namespace {

// The access-rbac pack with its schema and data.
struct Service : arbiter::testing::InProcessService {
  Service()
      : InProcessService(
            [] {
              fs::path pack = fs::path(ARBITER_SOURCE_DIR) / "stdlib-policies" / "access-rbac";
              PolicyFiles files;
              files.policy_paths.push_back(pack.string());
              files.schema_paths.push_back((pack / "schema.arbiterschema").string());
              files.data_paths.push_back((pack / "entities.json").string());
              return files;
            }(),
            "test.example/json") {}

  // A request on one line with `value` as context member "x".
  static std::string With(const std::string& value) {
    return R"({"subject":{"type":"User","id":"eddie"},"action":{"name":"write"},)"
           R"("resource":{"type":"Document","id":"q3-report"},"context":{"x":)" +
           value + "}}";
  }
};

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("every decision endpoint refuses a bad body with the same 400 and position") {
  Service s;
  REQUIRE(s.Post("/v1/decide", s.With("1")).result_int() == 200);
  const size_t depth = kDefaultLimits.json_depth;
  struct Case {
    std::string body;
    std::string code;
    std::string message_start;
  };
  std::string too_deep = s.With(Nested(depth - 1));  // the body and context are two levels
  std::string hostile = s.With(Nested(100'000));
  size_t deep_at = too_deep.find(std::string(depth - 1, '[')) + depth - 2;
  std::string repeated = s.With("1");
  repeated.insert(repeated.find("\"x\":1") + 5, ",\"x\":2");
  size_t repeat_at = repeated.find("\"x\":2");
  std::string long_string = s.With("\"" + std::string(kDefaultLimits.json_string_bytes + 1, 's') +
                                   "\"");
  std::string bad_utf8 = s.With("\"\xff\"");
  std::string position = "body:1:";
  std::string deep_message =
      position + std::to_string(deep_at + 1) + ": invalid JSON: nested deeper than ";
  std::vector<Case> cases = {
      {too_deep, "too_deep", deep_message},
      {hostile, "too_deep", deep_message},
      {repeated, "invalid_json",
       position + std::to_string(repeat_at + 1) + ": invalid JSON: duplicate key"},
      {long_string, "too_large", position},
      {bad_utf8, "invalid_utf8", "body is not valid UTF-8 (byte offset "},
      {s.With("[1,]"), "invalid_json", position},
  };
  for (const Case& c : cases) {
    INFO("body starts: " << c.body.substr(0, 160));
    uint64_t size_before = s.ledger->Size();
    HttpResponse native = s.Post("/v1/decide", c.body);
    HttpResponse authzen = s.Post("/access/v1/evaluation", c.body);
    HttpResponse batch = s.Post("/access/v1/evaluations", c.body);
    CHECK(native.result_int() == 400);
    CHECK(authzen.result_int() == 400);
    CHECK(batch.result_int() == 400);
    CHECK(authzen.body() == native.body());
    CHECK(batch.body() == native.body());
    auto error = nlohmann::json::parse(native.body())["error"];
    CHECK(error["code"] == c.code);
    INFO("message: " << error["message"]);
    CHECK(error["message"].get<std::string>().starts_with(c.message_start));
    CHECK(s.ledger->Size() == size_before);
  }
  // The limit itself is accepted on every endpoint.
  CHECK(s.Post("/v1/decide", s.With(Nested(depth - 2))).result_int() == 200);
  CHECK(s.Post("/access/v1/evaluation", s.With(Nested(depth - 2))).result_int() == 200);
}
