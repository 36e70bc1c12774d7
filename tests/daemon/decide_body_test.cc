// The decision endpoints in-process, against their definition (spec/http-api.md), computed
// here independently with nlohmann:
//   415 for a non-JSON content type; 400 for invalid UTF-8, nesting over the limit or
//   malformed JSON; 400 when a member AuthZEN requires is missing or of the wrong kind, or the
//   engine refuses a value; otherwise 200 with a decision. Members AuthZEN does not define are
//   ignored (not read, not recorded): the ledger entry holds the canonical form of the request
//   as read (subject, action, resource and context with their known members), the eval
//   JSON's reasons, obligations and errors.
// Random and damaged variants of every stdlib pack's sample request are checked.
#include <catch2/catch.hpp>

#include <arbiter/arbiter.h>
#include <arbiter/ledger.h>

#include <filesystem>
#include <future>
#include <random>

#include "daemon/json_input.h"
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

// Every stdlib pack together, with their schemas and data.
struct Service : arbiter::testing::InProcessService {
  Service()
      : InProcessService(
            [] {
              PolicyFiles files;
              fs::path stdlib = fs::path(ARBITER_SOURCE_DIR) / "stdlib-policies";
              for (const auto& pack : fs::directory_iterator(stdlib)) {
                if (!pack.is_directory()) continue;
                files.policy_paths.push_back(pack.path().string());
                files.schema_paths.push_back((pack.path() / "schema.arbiterschema").string());
                files.data_paths.push_back((pack.path() / "entities.json").string());
              }
              std::sort(files.policy_paths.begin(), files.policy_paths.end());
              std::sort(files.schema_paths.begin(), files.schema_paths.end());
              std::sort(files.data_paths.begin(), files.data_paths.end());
              return files;
            }(),
            "test.example/decide") {}
};

// What the definition says of a body: 0 when it is a request to decide (*request: the
// request as read, which the ledger records), else the 4xx status.
unsigned Expected(const std::string& body, const std::string& content_type,
                  nlohmann::json* request) {
  nlohmann::json json;
  JsonInputError error;
  if (!ParseJsonBody(content_type, body, &json, &error)) return error.status;
  if (!json.is_object()) return 400;
  nlohmann::json read = nlohmann::json::object();
  auto part = [&](const char* name, std::initializer_list<const char*> fields) {
    auto it = json.find(name);
    if (it == json.end() || !it->is_object()) return false;
    nlohmann::json out = nlohmann::json::object();
    for (const char* field : fields) {
      auto value = it->find(field);
      if (value == it->end() || !value->is_string() ||
          value->get_ref<const std::string&>().empty()) {
        return false;
      }
      out[field] = *value;
    }
    if (auto props = it->find("properties"); props != it->end()) {
      if (!props->is_object()) return false;
      out["properties"] = *props;
    }
    read[name] = std::move(out);
    return true;
  };
  if (!part("subject", {"type", "id"}) || !part("action", {"name"}) ||
      !part("resource", {"type", "id"})) {
    return 400;
  }
  if (auto context = json.find("context"); context != json.end()) {
    if (!context->is_object()) return 400;
    read["context"] = *context;
  }
  // The values as the engine takes them (these bodies hold no number nlohmann would rewrite).
  if (!Request::FromJson(read.dump()).ok()) return 400;
  *request = std::move(read);
  return 0;
}

// Variants of a valid body: whitespace, escapes, member order, dropped or damaged pieces.
struct Mutator {
  std::mt19937_64 rng;
  size_t Pick(size_t n) { return static_cast<size_t>(rng() % n); }

  std::string Mutate(const std::string& body) {
    std::string s = body;
    switch (Pick(9)) {
      case 0: {  // reformat through nlohmann, maybe indented (same request)
        auto j = nlohmann::json::parse(s);
        return Pick(2) ? j.dump() : j.dump(Pick(4));
      }
      case 1: {  // cut short
        s.resize(Pick(s.size()));
        return s;
      }
      case 2: {  // one byte changed
        static const char kBytes[] = "{}[],:\"\\ 0a-\x80\xff\t";
        s[Pick(s.size())] = kBytes[Pick(sizeof kBytes - 1)];
        return s;
      }
      case 3: {  // a string escaped differently: "a" -> "\u0061"
        size_t at = s.find("\"id\": \"");
        if (at == std::string::npos) at = s.find("\"id\":\"");
        if (at == std::string::npos) return s;
        size_t quote = s.find('"', at + 5);
        if (quote + 1 < s.size() && s[quote + 1] >= 'a' && s[quote + 1] <= 'z') {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", s[quote + 1]);
          s.replace(quote + 1, 1, buf);
        }
        return s;
      }
      case 4: {  // context gains members of every JSON kind
        auto j = nlohmann::json::parse(s);
        j["context"]["n"] = static_cast<int64_t>(rng() >> 1) * (Pick(2) ? 1 : -1);
        j["context"]["text"] = std::string("line\nbreak \"quoted\" caf\xc3\xa9 \xf0\x9f\x98\x80 \x01");
        j["context"]["list"] = {1, "two", nullptr, true, nlohmann::json::object()};
        if (Pick(3) == 0) j["context"]["score"] = 0.25;  // a non-integer: a decimal
        return j.dump(Pick(2) ? -1 : 2);
      }
      case 5: {  // a required member dropped or emptied
        auto j = nlohmann::json::parse(s);
        const char* parts[] = {"subject", "action", "resource"};
        const char* part = parts[Pick(3)];
        if (Pick(2)) {
          j.erase(part);
        } else if (std::string(part) == "action") {
          j[part]["name"] = "";
        } else {
          j[part]["id"] = "";
        }
        return j.dump();
      }
      case 6: {  // context of the wrong kind, or unknown members (ignored, whatever they hold)
        auto j = nlohmann::json::parse(s);
        if (Pick(2)) {
          j["context"] = Pick(2) ? nlohmann::json(nullptr) : nlohmann::json("text");
          return j.dump();
        }
        const char* parts[] = {"subject", "action", "resource"};
        for (int n = 1 + static_cast<int>(Pick(3)); n > 0; --n) {
          nlohmann::json value = Pick(2) ? nlohmann::json("EXPONENT")
                                         : nlohmann::json({nullptr, true, {{"k", "v"}}});
          size_t where = Pick(4);
          if (where == 3 || !j.contains(parts[where]) || !j[parts[where]].is_object()) {
            j["_extra" + std::to_string(n)] = value;
          } else {
            j[parts[where]]["_extra" + std::to_string(n)] = value;
          }
        }
        std::string out = j.dump(Pick(2) ? -1 : 2);
        for (size_t at; (at = out.find("\"EXPONENT\"")) != std::string::npos;) {
          out.replace(at, 10, "1e3");  // a number the engine refuses, but never read
        }
        return out;
      }
      case 7:  // a repeated member (the engine refuses it; nlohmann keeps the last)
        return "{\"context\":{}," + s.substr(s.find('{') + 1);
      default:  // deep nesting in the context
        {
          auto j = nlohmann::json::parse(s);
          std::string deep(40 + Pick(60), '[');
          deep += std::string(deep.size(), ']');
          j["context"]["deep"] = nlohmann::json::parse(deep);
          return j.dump();
        }
    }
  }
};

}  // namespace

TEST_CASE("decision endpoints: every body gets the answer and the record the definition gives") {
  Service s;
  std::vector<std::string> samples;
  fs::path stdlib = fs::path(ARBITER_SOURCE_DIR) / "stdlib-policies";
  for (const auto& pack : fs::directory_iterator(stdlib)) {
    if (pack.is_directory()) {
      samples.push_back(testing::ReadText(pack.path() / "playground-request.json"));
    }
  }
  std::sort(samples.begin(), samples.end());
  REQUIRE(samples.size() >= 6);
  Mutator mutate{std::mt19937_64(20261127)};
  int decided = 0, refused = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string body = i < static_cast<int>(samples.size())
                           ? samples[static_cast<size_t>(i)]
                           : mutate.Mutate(samples[mutate.Pick(samples.size())]);
    std::string content_type = i % 97 == 96 ? "text/plain" : "application/json";
    bool native = i % 2 == 1;
    INFO("body: " << body << "\ncontent type: " << content_type);
    nlohmann::json expected_request;
    unsigned expected = Expected(body, content_type, &expected_request);
    uint64_t size_before = s.ledger->Size();
    HttpResponse res = s.Post(native ? "/v1/decide" : "/access/v1/evaluation", body, content_type);
    INFO("answer: " << res.result_int() << " " << res.body());
    if (expected != 0) {
      ++refused;
      CHECK(res.result_int() == expected);
      CHECK(s.ledger->Size() == size_before);  // nothing recorded for a request not decided
      continue;
    }
    ++decided;
    REQUIRE(res.result_int() == 200);
    auto answer = nlohmann::json::parse(res.body());
    const auto& receipt = native ? answer["receipt"] : answer["context"]["receipt"];
    uint64_t seq = receipt["seq"].get<uint64_t>();
    REQUIRE(s.ledger->Size() == size_before + 1);
    auto entry = s.ledger->Get(seq);
    REQUIRE(entry.ok());
    auto recorded = nlohmann::json::parse(entry->raw)["payload"];
    // The record holds the request as read (canonicalised), and the decision the answer gave.
    CHECK(recorded["request"] == expected_request);
    CHECK(recorded["principal"] == "anonymous");
    std::string canonical_payload =
        nlohmann::json::parse(entry->raw)["payload"].dump(-1, ' ', false);
    CHECK(entry->raw.find(canonical_payload) != std::string::npos);  // payload bytes canonical
    bool allow = native ? answer["decision"] == "allow" : answer["decision"] == true;
    CHECK(recorded["decision"] == (allow ? "allow" : "deny"));
    const auto& reasons = native ? answer["reasons"] : answer["context"]["reasons"];
    CHECK(recorded["reasons"] == reasons);
    const auto& obligations = native ? answer["obligations"] : answer["context"]["obligations"];
    CHECK(recorded["obligations"] == obligations);
  }
  // The mix exercises both outcomes.
  CHECK(decided > 300);
  CHECK(refused > 300);
}
