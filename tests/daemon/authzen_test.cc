// AuthZEN Authorization API 1.0 as the specification says (issue 16), in-process against the
// daemon's decision service:
// - receivers MUST ignore unknown members (the 1.0 text, "HTTPS JSON Binding", "JSON
//   Serialization"): at the top level, inside subject, action and resource, in items and
//   options, whatever their values, on /access/v1/evaluation and /access/v1/evaluations alike;
//   the decision and the recorded request are those of the body without them;
// - both endpoints read one evaluation request the same way: the same odd input (numbers such
//   as 1e3, nulls, missing or mistyped members) gets the same answer, the same message and the
//   same ledger record (or none) whichever endpoint it is sent to;
// - shape errors name the JSON path of the member at fault.
#include <catch2/catch.hpp>

#include <arbiter/arbiter.h>
#include <arbiter/ledger.h>

#include <filesystem>
#include <future>

#include "daemon/authzen.h"
#include "daemon/metrics.h"
#include "daemon/policy_state.h"
#include "daemon/router.h"
#include "daemon/service.h"
#include "tests/daemon/in_process_service.h"

using namespace arbiter;
using namespace arbiter::daemon;
using json = nlohmann::json;
namespace fs = std::filesystem;
namespace http = boost::beast::http;

namespace {

const fs::path kTestdata = fs::path(ARBITER_SOURCE_DIR) / "tests" / "daemon" / "testdata";

struct Answer {
  unsigned status = 0;
  std::string body;
  json Json() const { return json::parse(body); }
};

// The daemon's service on the tests' v1 policy (alice owns m1 and may deploy it; a context
// with "frozen": true forbids), an in-memory ledger, and the default API policy on loopback.
struct Service : arbiter::testing::InProcessService {
  Service()
      : InProcessService(
            [] {
              PolicyFiles files;
              files.policy_paths.push_back((kTestdata / "v1").string());
              files.data_paths.push_back((kTestdata / "entities.json").string());
              return files;
            }(),
            "test.example/authzen") {}

  Answer Post(const std::string& target, const std::string& body) {
    HttpResponse res = InProcessService::Post(target, body);
    return {res.result_int(), res.body()};
  }

  // The request member of the decision entry at `seq`.
  json Recorded(uint64_t seq) {
    auto entry = ledger->Get(seq);
    REQUIRE(entry.ok());
    return json::parse(entry->raw)["payload"]["request"];
  }
};

// One evaluation answer without what differs per decision (ids, receipts).
json Decided(const json& evaluation) {
  json context = evaluation["context"];
  return {{"decision", evaluation["decision"]},
          {"reasons", context["reasons"]},
          {"obligations", context["obligations"]},
          {"errors", context["errors"]},
          {"bundle", context["bundle"]}};
}

uint64_t SeqOf(const json& evaluation) {
  return evaluation["context"]["receipt"]["seq"].get<uint64_t>();
}

// The request of the tests, on one line, members in this order.
std::string Body(const std::string& subject_id = "alice", const std::string& context = "{}") {
  return R"({"subject":{"type":"User","id":")" + subject_id +
         R"("},"action":{"name":"deploy"},"resource":{"type":"Model","id":"m1"},"context":)" +
         context + "}";
}

// `text` with `insert` placed right after the first occurrence of `after`.
std::string Insert(std::string text, const std::string& after, const std::string& insert) {
  size_t at = text.find(after);
  REQUIRE(at != std::string::npos);
  text.insert(at + after.size(), insert);
  return text;
}

// `body` (an object) with `member` added as its last member.
std::string Append(const std::string& body, const std::string& member) {
  return body.substr(0, body.size() - 1) + "," + member + "}";
}

}  // namespace

TEST_CASE("AuthZEN: unknown members are ignored on both evaluation endpoints") {
  Service s;
  for (const std::string& context : {std::string("{}"), std::string(R"({"frozen":true})")}) {
    const std::string plain = Body("alice", context);
    Answer base = s.Post("/access/v1/evaluation", plain);
    INFO("base: " << base.body);
    REQUIRE(base.status == 200);
    const json expected = Decided(base.Json());
    const json expected_request = s.Recorded(SeqOf(base.Json()));
    CHECK(expected_request == json::parse(plain));
    CHECK(expected["decision"] == (context == "{}"));

    // Unknown members everywhere the request has members; their values are never read, so
    // not even what the engine would refuse as a value (1e3, null) matters.
    const std::vector<std::pair<std::string, std::string>> variants = {
        {"top level", Append(plain, R"("_note":"sent by the interop suite")")},
        {"top level, odd values", Append(plain, R"("_x":[1e3,null,{"y":-1.5E-7}])")},
        {"subject", Insert(plain, R"("id":"alice")", R"(,"_note":"x")")},
        {"action", Insert(plain, R"("name":"deploy")", R"(,"_meta":{"n":1e3,"z":null})")},
        {"resource", Insert(plain, R"("id":"m1")", R"(,"_tags":["a",1E3])")},
        {"action, an empty key", Insert(plain, R"("name":"deploy")", R"(,"":1)")},
        {"top level, an empty key", Append(plain, R"("":{})")},
        {"everywhere",
         Append(Insert(Insert(Insert(plain, R"("id":"alice")", R"(,"a":null)"),
                              R"("name":"deploy")", R"(,"b":1e3)"),
                       R"("id":"m1")", R"(,"c":{})"),
                R"("d":true)")},
    };
    for (const auto& [where, body] : variants) {
      INFO("unknown member in " << where << ": " << body);
      uint64_t before = s.ledger->Size();

      Answer single = s.Post("/access/v1/evaluation", body);
      INFO("evaluation: " << single.body);
      REQUIRE(single.status == 200);
      CHECK(Decided(single.Json()) == expected);
      CHECK(s.Recorded(SeqOf(single.Json())) == expected_request);

      // Without an evaluations array the batch endpoint answers it as one evaluation.
      Answer as_one = s.Post("/access/v1/evaluations", body);
      INFO("evaluations, one: " << as_one.body);
      REQUIRE(as_one.status == 200);
      CHECK(Decided(as_one.Json()) == expected);
      CHECK(s.Recorded(SeqOf(as_one.Json())) == expected_request);

      // As an item, with unknown members beside it and in the options too.
      std::string batch = R"({"_note":"batch","options":{"evaluations_semantic":"execute_all",)"
                          R"("_future_option":1e3},"evaluations":[)" +
                          body + "]}";
      Answer items = s.Post("/access/v1/evaluations", batch);
      INFO("evaluations, item: " << items.body);
      REQUIRE(items.status == 200);
      REQUIRE(items.Json()["evaluations"].size() == 1);
      CHECK(Decided(items.Json()["evaluations"][0]) == expected);
      CHECK(s.Recorded(SeqOf(items.Json()["evaluations"][0])) == expected_request);

      CHECK(s.ledger->Size() == before + 3);
    }

    // Defaults carrying unknown members, items carrying their own.
    std::string defaults = R"({"subject":{"type":"User","id":"alice","_s":1},)"
                           R"("action":{"name":"deploy","_a":[]},"context":)" +
                           context +
                           R"(,"_top":"x","evaluations":[{"resource":{"type":"Model","id":"m1",)"
                           R"("_r":{"deep":[1e3]}},"_item":null}]})";
    Answer merged = s.Post("/access/v1/evaluations", defaults);
    INFO("defaults: " << merged.body);
    REQUIRE(merged.status == 200);
    CHECK(Decided(merged.Json()["evaluations"][0]) == expected);
    CHECK(s.Recorded(SeqOf(merged.Json()["evaluations"][0])) == expected_request);
  }
}

TEST_CASE("AuthZEN: both endpoints give the same odd input the same answer and record") {
  Service s;
  // Values the request carries in its context or properties (their text exactly as sent),
  // and requests of the wrong shape.
  std::vector<std::string> bodies;
  for (const std::string value :
       {"1e3", "1E3", "-2.5e-3", "0.00001", "12345678901234567890", "-9223372036854775809",
        "9223372036854775807", "1.5", "1.50", "-0.0", "100", "null", "[1e3]", R"({"n":1e3})",
        R"({"__extn":{"fn":"decimal","arg":"1.5"}})"}) {
    bodies.push_back(Body("alice", R"({"x":)" + value + "}"));
    bodies.push_back(Insert(Body(), R"("id":"alice")", R"(,"properties":{"x":)" + value + "}"));
  }
  for (const std::string& odd : {
           std::string(R"({"action":{"name":"deploy"},"resource":{"type":"Model","id":"m1"}})"),
           std::string(R"({"subject":{"id":"alice"},"action":{"name":"deploy"},)"
                       R"("resource":{"type":"Model","id":"m1"}})"),
           Insert(Body(), R"("id":"m1")", R"(,"properties":[])"),
           std::string(R"({"subject":{"type":"User","id":7},"action":{"name":"deploy"},)"
                       R"("resource":{"type":"Model","id":"m1"}})"),
           std::string(R"({"subject":{"type":"User","id":""},"action":{"name":"deploy"},)"
                       R"("resource":{"type":"Model","id":"m1"}})"),
           Body("alice", "null"),
           Body("alice", "[]"),
           Body("alice", R"({"frozen":true})"),
       }) {
    bodies.push_back(odd);
  }

  for (const std::string& body : bodies) {
    INFO("body: " << body);
    uint64_t before = s.ledger->Size();
    Answer single = s.Post("/access/v1/evaluation", body);
    INFO("evaluation: " << single.status << " " << single.body);
    REQUIRE((single.status == 200 || single.status == 400));
    Answer as_one = s.Post("/access/v1/evaluations", body);
    INFO("evaluations, one: " << as_one.status << " " << as_one.body);
    // The same body as defaults of one empty item: the members keep their paths and byte
    // positions, so even the message is the same.
    Answer items = s.Post("/access/v1/evaluations", Append(body, R"("evaluations":[{}])"));
    INFO("evaluations, item: " << items.status << " " << items.body);
    CHECK(as_one.status == single.status);
    REQUIRE(items.status == 200);
    json item = items.Json()["evaluations"][0];

    if (single.status == 400) {
      CHECK(as_one.body == single.body);
      json error = single.Json()["error"];
      CHECK(error["code"] == "invalid_request");
      CHECK(item["decision"] == false);
      CHECK(item["context"]["error"] == error);
      CHECK(s.ledger->Size() == before);  // refused everywhere: nothing recorded
      continue;
    }
    REQUIRE(as_one.status == 200);
    json expected = Decided(single.Json());
    CHECK(Decided(as_one.Json()) == expected);
    CHECK(Decided(item) == expected);
    // The three records hold the same request, numbers as the one reader read them.
    json recorded = s.Recorded(SeqOf(single.Json()));
    CHECK(s.Recorded(SeqOf(as_one.Json())) == recorded);
    CHECK(s.Recorded(SeqOf(item)) == recorded);
    CHECK(s.ledger->Size() == before + 3);
  }

  // What the reader makes of an exponent: not a number the engine takes (spec/data-format.md),
  // so a 400 that says so and where, on either endpoint.
  Answer exponent = s.Post("/access/v1/evaluation", Body("alice", R"({"x":1e3})"));
  CHECK(exponent.status == 400);
  std::string message = exponent.Json()["error"]["message"];
  CHECK(message.find("exponent") != std::string::npos);
  CHECK(message.find("1e3") != std::string::npos);
  CHECK(message.starts_with("body:1:"));
}

TEST_CASE("AuthZEN: shape errors name the member at fault") {
  Service s;
  const std::string resource = R"("resource":{"type":"Model","id":"m1"})";
  const std::string action = R"("action":{"name":"deploy"})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[1,2]", "the request must be a JSON object, not an array"},
      {"{" + action + "," + resource + "}", "subject is required"},
      {R"({"subject":"alice",)" + action + "," + resource + "}",
       "subject must be an object, not a string"},
      {R"({"subject":{"id":"alice"},)" + action + "," + resource + "}",
       "subject.type is required"},
      {R"({"subject":{"type":"User"},)" + action + "," + resource + "}",
       "subject.id is required"},
      {R"({"subject":{"type":"User","id":7},)" + action + "," + resource + "}",
       "subject.id must be a string, not a number"},
      {R"({"subject":{"type":"User","id":""},)" + action + "," + resource + "}",
       "subject.id must not be empty"},
      {R"({"subject":{"type":"User","id":"a","properties":[]},)" + action + "," + resource + "}",
       "subject.properties must be an object, not an array"},
      {R"({"subject":{"type":"User","id":"a"},"action":{},)" + resource + "}",
       "action.name is required"},
      {R"({"subject":{"type":"User","id":"a"},"action":{"name":true},)" + resource + "}",
       "action.name must be a string, not a boolean"},
      {R"({"subject":{"type":"User","id":"a"},)" + action + "}", "resource is required"},
      {R"({"subject":{"type":"User","id":"a"},)" + action +
           R"(,"resource":{"type":null,"id":"m1"}})",
       "resource.type must be a string, not null"},
      {R"({"subject":{"type":"User","id":"a"},)" + action + "," + resource + R"(,"context":[]})",
       "context must be an object, not an array"},
      {R"({"subject":{"type":"User","id":"a"},)" + action + "," + resource + R"(,"context":null})",
       "context must be an object, not null"},
  };
  for (const auto& [body, message] : cases) {
    INFO("body: " << body);
    for (const char* target : {"/access/v1/evaluation", "/access/v1/evaluations"}) {
      INFO("endpoint: " << target);
      Answer answer = s.Post(target, body);
      CHECK(answer.status == 400);
      INFO(answer.body);
      CHECK(answer.Json()["error"]["message"] == message);
    }
  }

  // Inside a batch: the path names the item, or the default it came from.
  std::string batch = R"({"subject":{"type":"User","id":"alice"},)" + action +
                      R"(,"evaluations":[{"resource":{"type":"Model","id":"m1"}},"m2",)"
                      R"({"resource":{"type":"Model","id":2}},{},)"
                      R"({"resource":{"type":"Model","id":"m1"},"context":"frozen"}]})";
  Answer answer = s.Post("/access/v1/evaluations", batch);
  INFO(answer.body);
  REQUIRE(answer.status == 200);
  json evaluations = answer.Json()["evaluations"];
  REQUIRE(evaluations.size() == 5);
  CHECK(evaluations[0]["decision"] == true);
  auto message = [&](size_t i) {
    CHECK(evaluations[i]["decision"] == false);
    CHECK(evaluations[i]["context"]["error"]["status"] == 400);
    return evaluations[i]["context"]["error"]["message"].get<std::string>();
  };
  CHECK(message(1) == "evaluations[1] must be an object, not a string");
  CHECK(message(2) == "evaluations[2].resource.id must be a string, not a number");
  CHECK(message(3) == "resource is required");
  CHECK(message(4) == "evaluations[4].context must be an object, not a string");

  // The body itself: evaluations and options of the wrong kind.
  auto body_error = [&](const std::string& text) {
    Answer a = s.Post("/access/v1/evaluations", text);
    CHECK(a.status == 400);
    return a.Json()["error"]["message"].get<std::string>();
  };
  CHECK(body_error(R"({"evaluations":{}})") == "evaluations must be an array, not an object");
  CHECK(body_error(R"({"evaluations":[{}],"options":"fast"})") ==
        "options must be an object, not a string");
  CHECK(body_error(R"({"evaluations":[{}],"options":{"evaluations_semantic":"first_wins"}})") ==
        "options.evaluations_semantic must be execute_all, deny_on_first_deny or "
        "permit_on_first_permit, not \"first_wins\"");
}

TEST_CASE("AuthZEN: /v1/decide reads its body as the evaluation endpoints do") {
  Service s;
  std::string body = Append(Insert(Body(), R"("id":"alice")", R"(,"_note":1e3)"), R"("_x":null)");
  Answer native = s.Post("/v1/decide", body);
  INFO(native.body);
  REQUIRE(native.status == 200);
  json answer = native.Json();
  CHECK(answer["decision"] == "allow");
  CHECK(s.Recorded(answer["receipt"]["seq"].get<uint64_t>()) == json::parse(Body()));
  Answer missing = s.Post("/v1/decide", R"({"subject":{"type":"User"}})");
  CHECK(missing.status == 400);
  CHECK(missing.Json()["error"]["message"] == "subject.id is required");
}

TEST_CASE("--public-url: checked, normalised, joined without double slashes") {
  struct Good {
    std::string url, base;
  };
  for (const Good& g : std::vector<Good>{
           {"https://pdp.example.com", "https://pdp.example.com"},
           {"https://pdp.example.com/", "https://pdp.example.com"},
           {"https://pdp.example.com/base/", "https://pdp.example.com/base"},
           {"https://pdp.example.com/base//", "https://pdp.example.com/base"},
           {"HTTPS://pdp.example.com:8443/a/b", "https://pdp.example.com:8443/a/b"},
           {"http://127.0.0.1:8181", "http://127.0.0.1:8181"},
           {"http://[::1]:8181/pdp", "http://[::1]:8181/pdp"},
           {"https://[2001:db8::1]", "https://[2001:db8::1]"},
       }) {
    INFO(g.url);
    std::string error;
    auto base = ParsePublicUrl(g.url, &error);
    INFO(error);
    REQUIRE(base);
    CHECK(*base == g.base);
    json metadata = json::parse(AuthZenMetadataJson(*base));
    CHECK(metadata == json({{"policy_decision_point", g.base},
                            {"access_evaluation_endpoint", g.base + "/access/v1/evaluation"},
                            {"access_evaluations_endpoint", g.base + "/access/v1/evaluations"}}));
  }
  for (const std::string bad :
       {"", "pdp.example.com", "//pdp.example.com", "ftp://pdp.example.com", "https://",
        "https://:8443", "https://pdp.example.com:", "https://pdp.example.com:99999",
        "https://pdp.example.com:8x", "https://[::1", "https://[::1]x", "https://a@pdp",
        "https://pdp.example.com/?", "https://pdp.example.com/p?q=1", "https://pdp/#f",
        "https://pdp/a\tb", "https://pdp/ a"}) {
    INFO("'" << bad << "'");
    std::string error;
    CHECK_FALSE(ParsePublicUrl(bad, &error));
    INFO(error);
    CHECK(error.starts_with("--public-url '"));
  }
  CHECK(JoinUrl("https://pdp.example.com/base/", "/access/v1/evaluation") ==
        "https://pdp.example.com/base/access/v1/evaluation");
  CHECK(JoinUrl("https://pdp.example.com", "access/v1/evaluation") ==
        "https://pdp.example.com/access/v1/evaluation");
}
