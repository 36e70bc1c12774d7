// Fuzz target `schema`: schema text (.arbiterschema) -> parse and check a small policy
// against it, as `arbiter check --schema` and a pack with schema.arbiterschema do.
#include <arbiter/engine.h>

#include <string>
#include <string_view>

#include "fuzz/fuzz_target.h"

namespace {

// Reads attributes, actions and contexts so the checker consults every part of the schema.
constexpr std::string_view kPolicy = R"(package fuzz;
permit read_own {
  when action == Action::"read" && resource is Document && subject is User
    && resource.owner == subject && subject.level > 2 && context.mfa
    && resource.tags.contains("x") && subject in resource.readers
}
forbid no_write {
  when action in [Action::"write", Action::"delete"] && resource has locked && resource.locked
}
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  arbiter::CompileOptions options;
  options.schema_path = "fuzz.arbiterschema";
  options.schema_text = std::string(reinterpret_cast<const char*>(data), size);
  (void)arbiter::Engine::CompileSources({{"fuzz.arbiter", std::string(kPolicy)}}, options);
  return 0;
}
