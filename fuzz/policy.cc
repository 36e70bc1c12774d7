// Fuzz target `policy`: policy text -> parse, check, compile (the path `arbiter check`,
// `arbiter test`, `arbiter eval` and the playground take), then one decision on the compiled
// bundle and the formatter. The input is one .arbiter file.
#include <arbiter/engine.h>

#include <string>
#include <string_view>

#include "dsl/frontend.h"
#include "fuzz/fuzz_target.h"

namespace {

constexpr std::string_view kRequest =
    R"({"subject":{"type":"User","id":"alice","properties":{"level":3,"tags":["a"]}},)"
    R"("action":{"name":"read"},"resource":{"type":"Document","id":"d1"},)"
    R"("context":{"mfa":true,"ip":{"__extn":{"fn":"ip","arg":"10.0.0.1"}}}})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  arbiter::CompileResult compiled =
      arbiter::Engine::CompileSources({{"fuzz.arbiter", text}});
  if (compiled.engine) {
    static const arbiter::EntityStore kEmpty;
    (void)compiled.engine->DecideJson(kRequest, kEmpty);
  }
  (void)arbiter::dsl::FormatSource(text, "fuzz.arbiter");
  return 0;
}
