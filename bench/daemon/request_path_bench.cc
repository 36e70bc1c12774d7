// The daemon's per-decision work without HTTP and without the ledger write: what one worker
// thread spends on an AuthZEN request between reading its body and handing the record to the
// ledger. Stages are timed separately (median of many batches) so the cost of each is visible.
//
// Usage: request_path_bench [PACK_DIR] [SECONDS]   (default: stdlib-policies/ai-model-deployment, 2)
#include <fmt/core.h>

#include <arbiter/arbiter.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "common/canonical_json.h"
#include "common/utf8.h"
#include "daemon/auth_policy.h"
#include "daemon/authzen.h"
#include "daemon/json_input.h"
#include "recorder/recorder.h"

using namespace arbiter;
using Clock = std::chrono::steady_clock;

namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Median nanoseconds per call of `fn`, timed in batches of 64 for `seconds`.
double MedianNs(const std::function<void()>& fn, double seconds) {
  for (int i = 0; i < 1000; ++i) fn();
  std::vector<double> samples;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    auto t0 = Clock::now();
    for (int i = 0; i < 64; ++i) fn();
    samples.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / 64);
  }
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  return samples[samples.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path pack = argc > 1 ? argv[1] : "stdlib-policies/ai-model-deployment";
  double seconds = argc > 2 ? std::stod(argv[2]) : 2.0;
  CompileOptions options;
  if (std::filesystem::exists(pack / "schema.arbiterschema")) {
    options.schema_path = (pack / "schema.arbiterschema").string();
  }
  CompileResult compiled = Engine::Compile({pack.string()}, options);
  if (!compiled.ok()) {
    fmt::print(stderr, "{}\n", compiled.FormattedDiagnostics());
    return 1;
  }
  const Engine& engine = *compiled.engine;
  auto entities = EntityStore::FromFile((pack / "entities.json").string());
  if (!entities.ok()) {
    fmt::print(stderr, "{}\n", entities.status().ToString());
    return 1;
  }
  std::string body = ReadFile(pack / "playground-request.json");
  auto request = Request::FromJson(body);
  if (!request.ok()) {
    fmt::print(stderr, "{}\n", request.status().ToString());
    return 1;
  }
  Decision decision;
  if (!engine.Decide(*request, *entities, {}, &decision).ok()) return 1;
  std::string eval, canonical;
  decision.AppendJson(&eval);

  fmt::print("pack: {} ({} byte request, decision: {})\n", pack.string(), body.size(),
             decision.allow ? "allow" : "deny");

  // The API guard in front of /access/v1/evaluation (issue 13), with a no-op handler: as
  // `serve` on loopback without an auth file (anonymous), and with a principal's token.
  namespace http = boost::beast::http;
  const std::string token = "bench-token-0123456789abcdef";
  std::vector<daemon::PrincipalEntry> principals = {
      {"bench", {"decide"}, daemon::TokenSha256Hex(token), ""}};
  daemon::ApiFacts facts;
  facts.loopback = true;
  auto guard = daemon::ApiGuard::Create(ARBITER_SYSTEM_API_DIR, principals, facts);
  if (!guard.ok()) {
    fmt::print(stderr, "{}\n", guard.status().ToString());
    return 1;
  }
  daemon::Router router;
  int handled = 0;
  (*guard)->Add(router, http::verb::post, "/access/v1/evaluation",
                [&handled](daemon::HttpRequest&, daemon::Reply, const daemon::Principal&) {
                  ++handled;
                });
  auto make_request = [&](bool with_token) {
    daemon::HttpRequest req{http::verb::post, "/access/v1/evaluation", 11};
    req.set(http::field::host, "127.0.0.1:8181");
    req.set(http::field::content_type, "application/json");
    if (with_token) req.set(http::field::authorization, "Bearer " + token);
    req.body() = body;
    return req;
  };
  daemon::Router unguarded;  // the route as it was before the guard
  unguarded.Add(http::verb::post, "/access/v1/evaluation",
                [&handled](daemon::HttpRequest&, daemon::Reply) { ++handled; });
  daemon::HttpRequest anonymous_req = make_request(false), token_req = make_request(true);
  daemon::Reply no_reply = [](daemon::HttpResponse) {};
  std::string body_unknown = "{\"_note\":\"from a PEP\"," + body.substr(body.find('{') + 1);
  std::string read_buffer;
  auto read_body = [&read_buffer](std::string_view text) {
    engine::JsonNode root;
    daemon::JsonInputError input_error;
    Request read;
    std::string_view request_text;
    std::string error;
    if (!daemon::ReadJsonBody("application/json", text, &root, &input_error) ||
        !daemon::ReadEvaluationRequest(text, root, nullptr, std::nullopt, &read, &request_text,
                                       &read_buffer, &error)) {
      std::abort();
    }
    return read;
  };
  struct Stage {
    const char* name;
    std::function<void()> fn;
  };
  std::vector<Stage> stages = {
      {"route, no guard (before)", [&] { unguarded.Route(anonymous_req, no_reply); }},
      {"guard+route: anonymous", [&] { router.Route(anonymous_req, no_reply); }},
      {"guard+route: bearer token", [&] { router.Route(token_req, no_reply); }},
      {"UTF-8 check of the body", [&] { (void)IsValidUtf8(body); }},
      {"Request::FromJson", [&] { (void)Request::FromJson(body); }},
      // What the decision endpoints do instead (issue 16): the reader's tree, then the
      // AuthZEN reading of it; with an unknown member the request as read is also written.
      {"daemon reading of the body", [&] { read_body(body); }},
      {"same, one unknown member", [&] { read_body(body_unknown); }},
      {"Engine::Decide", [&] { (void)engine.Decide(*request, *entities, {}, &decision); }},
      {"Decision::AppendJson", [&] { eval.clear(); decision.AppendJson(&eval); }},
      {"CanonicalizeJson(body)", [&] { (void)CanonicalizeJson(body, &canonical); }},
      {"recorder::MakeDecisionRecord", [&] { (void)recorder::MakeDecisionRecord(decision, body); }},
      // The daemon's path: its reading checks UTF-8 itself (the JSON reader does).
      {"all of the above", [&] {
         Request r = read_body(body);
         (void)engine.Decide(r, *entities, {}, &decision);
         eval.clear();
         decision.AppendJson(&eval);
         (void)recorder::MakeDecisionRecord(decision, body);
       }},
  };
  for (const auto& s : stages) fmt::print("{:<32} {:>8.0f} ns\n", s.name, MedianNs(s.fn, seconds));
  return 0;
}
