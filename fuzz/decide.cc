// Fuzz target `decide`: entity JSON and request JSON -> one decision on a fixed policy pack.
// The input is ENTITIES '\0' REQUEST (no NUL: the whole input is the request, entities empty),
// so the seeds are a pack's entities.json and playground-request.json joined by a NUL.
#include <arbiter/engine.h>

#include <cstdlib>
#include <optional>
#include <string_view>

#include "fuzz/fuzz_target.h"

namespace {

const arbiter::Engine& PackEngine() {
  static const arbiter::Engine engine = [] {
    arbiter::CompileOptions options;
    options.schema_path = ARBITER_FUZZ_PACK "/schema.arbiterschema";
    arbiter::CompileResult r = arbiter::Engine::Compile({ARBITER_FUZZ_PACK}, options);
    if (!r.engine) std::abort();  // the pack is part of the tree; it must compile
    return *r.engine;
  }();
  return engine;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view entities_json, request_json = input;
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    entities_json = input.substr(0, nul);
    request_json = input.substr(nul + 1);
  }
  arbiter::EntityStore entities;
  if (!entities_json.empty()) {
    auto parsed = arbiter::EntityStore::FromJson(entities_json, "fuzz-entities");
    if (parsed.ok()) entities = *parsed;
  }
  auto request = arbiter::Request::FromJson(request_json, "fuzz-request");
  if (!request.ok()) return 0;
  arbiter::Decision decision;
  (void)PackEngine().Decide(*request, entities, {.explain = true}, &decision);
  return 0;
}
