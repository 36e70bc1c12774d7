// The JSON reader on real decision bodies: engine::ParseJson (the one reader of untrusted JSON,
// building the node tree with positions, limits and the repeated-key check) and
// Request::FromJson (reader + request values), against simdjson's DOM parser when the bench is
// built with it (Debian libsimdjson-dev: then also simdjson's parse plus a walk over every
// value, the least a reader built on it would add). Median ns per call, batches of 64.
//
// Usage: json_reader_bench [SECONDS_PER_CASE]   (from the source tree; default 1)
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

#include "engine/json_reader.h"

#ifdef ARBITER_BENCH_SIMDJSON
#include <simdjson.h>
#endif

using namespace arbiter;
using Clock = std::chrono::steady_clock;

namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double MedianNs(const std::function<void()>& fn, double seconds) {
  for (int i = 0; i < 200; ++i) fn();
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

#ifdef ARBITER_BENCH_SIMDJSON
// Visits every value and key, reading strings and number text: what building a node tree from
// simdjson's tape would have to do at least.
size_t Walk(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      size_t n = 1;
      simdjson::dom::array array = e.get_array().value_unsafe();
      for (auto item : array) n += Walk(item);
      return n;
    }
    case simdjson::dom::element_type::OBJECT: {
      size_t n = 1;
      simdjson::dom::object object = e.get_object().value_unsafe();
      for (auto field : object) n += field.key.size() + Walk(field.value);
      return n;
    }
    case simdjson::dom::element_type::STRING: return e.get_string().value_unsafe().size();
    default: return 1;
  }
}
#endif

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::stod(argv[1]) : 1.0;
  struct Body {
    std::string name;
    std::string text;
  };
  std::vector<Body> bodies;
  for (const auto& pack : std::filesystem::directory_iterator("stdlib-policies")) {
    auto file = pack.path() / "playground-request.json";
    if (std::filesystem::exists(file)) {
      bodies.push_back({pack.path().filename().string(), ReadFile(file)});
    }
  }
  std::sort(bodies.begin(), bodies.end(),
            [](const Body& a, const Body& b) { return a.name < b.name; });
  if (bodies.empty()) {
    fmt::print(stderr, "run from the source tree (stdlib-policies/ not found)\n");
    return 1;
  }
  // A large body: a context with 2,000 members of every kind (about 100 KB).
  std::string big = R"({"subject":{"type":"User","id":"alice"},"action":{"name":"read"},)"
                    R"("resource":{"type":"Doc","id":"d1"},"context":{)";
  for (int i = 0; i < 2000; ++i) {
    if (i) big += ',';
    big += fmt::format(R"("m{}":{{"n":{},"s":"text \"{}\"","l":[1,2,"x"],"b":true}})", i, i, i);
  }
  big += "}}";
  bodies.push_back({"synthetic 2,000-member context", big});

  fmt::print("{:<32} {:>7} {:>12} {:>12}", "body", "bytes", "ParseJson", "FromJson");
#ifdef ARBITER_BENCH_SIMDJSON
  fmt::print(" {:>12} {:>12}", "simdjson", "simdjson+walk");
  simdjson::dom::parser parser;
#endif
  fmt::print("   (median ns per call)\n");
  for (const Body& b : bodies) {
    double reader = MedianNs([&] { (void)engine::ParseJson(b.text, "body"); }, seconds);
    double request = MedianNs([&] { (void)Request::FromJson(b.text); }, seconds);
    fmt::print("{:<32} {:>7} {:>12.0f} {:>12.0f}", b.name, b.text.size(), reader, request);
#ifdef ARBITER_BENCH_SIMDJSON
    // The body as the daemon holds it (no padding): simdjson copies it into its own buffer.
    double simd = MedianNs([&] { (void)parser.parse(b.text.data(), b.text.size()); }, seconds);
    size_t sink = 0;
    double walk = MedianNs([&] {
      auto doc = parser.parse(b.text.data(), b.text.size());
      if (!doc.error()) sink += Walk(doc.value_unsafe());
    }, seconds);
    fmt::print(" {:>12.0f} {:>12.0f}", simd, walk);
    if (sink == 0) fmt::print(" (walk saw nothing)");
#endif
    fmt::print("\n");
  }
  return 0;
}
