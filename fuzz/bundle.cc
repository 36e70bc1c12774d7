// Fuzz target `bundle`: compiled bundle bytes -> load (format checks, bytecode verifier,
// rule index) -> disassemble -> one decision. A bundle that loads must be safe to run.
#include <arbiter/engine.h>

#include <string_view>

#include "fuzz/fuzz_target.h"

namespace {

constexpr std::string_view kRequest =
    R"({"subject":{"type":"User","id":"maria"},"action":{"name":"read_classified"},)"
    R"("resource":{"type":"ClassifiedDocument","id":"budget-2027"},)"
    R"("context":{"mfa":true,"source_ip":{"__extn":{"fn":"ip","arg":"10.20.0.15"}}}})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto engine =
      arbiter::Engine::LoadBundle(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!engine.ok()) return 0;
  (void)engine->Disassemble();
  static const arbiter::EntityStore kEmpty;
  (void)engine->DecideJson(kRequest, kEmpty, {.explain = true});
  return 0;
}
