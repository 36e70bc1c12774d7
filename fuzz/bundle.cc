// Fuzz target `bundle`: compiled bundle bytes -> load (format checks, bytecode verifier,
// rule index) -> disassemble -> one decision. A bundle that loads must be safe to run.
#include <arbiter/engine.h>

#include <string>
#include <string_view>

#include "common/sha256.h"
#include "fuzz/fuzz_target.h"

namespace {

constexpr std::string_view kRequest =
    R"({"subject":{"type":"User","id":"maria"},"action":{"name":"read_classified"},)"
    R"("resource":{"type":"ClassifiedDocument","id":"budget-2027"},)"
    R"("context":{"mfa":true,"source_ip":{"__extn":{"fn":"ip","arg":"10.20.0.15"}}}})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Re-seal the trailing SHA-256 digest (spec/bytecode.md) over the mutated bytes, so that
  // mutations reach the format checks and the verifier instead of stopping at the digest.
  std::string bytes(reinterpret_cast<const char*>(data), size);
  constexpr size_t kDigest = 32;
  if (bytes.size() > kDigest) {
    auto digest = arbiter::Sha256Of(std::string_view(bytes).substr(0, bytes.size() - kDigest));
    bytes.replace(bytes.size() - kDigest, kDigest, reinterpret_cast<const char*>(digest.data()),
                  kDigest);
  }
  auto engine = arbiter::Engine::LoadBundle(bytes);
  if (!engine.ok()) return 0;
  (void)engine->Disassemble();
  static const arbiter::EntityStore kEmpty;
  (void)engine->DecideJson(kRequest, kEmpty, {.explain = true});
  return 0;
}
