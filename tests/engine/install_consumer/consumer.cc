// Compiles the policy given as argv[1] with entity data argv[2], decides one request and
// prints the decision; exits 0 on allow.
#include <arbiter/arbiter.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  arbiter::CompileResult compiled = arbiter::Engine::Compile({argv[1]});
  if (!compiled.ok()) {
    std::fprintf(stderr, "%s%s\n", compiled.FormattedDiagnostics().c_str(),
                 compiled.status.ToString().c_str());
    return 1;
  }
  auto entities = arbiter::EntityStore::FromFile(argv[2]);
  if (!entities.ok()) return 1;
  auto decision = compiled.engine->DecideJson(
      R"({"subject":{"type":"User","id":"alice"},"action":{"name":"read"},)"
      R"("resource":{"type":"Doc","id":"d1"}})",
      *entities);
  if (!decision.ok()) return 1;
  std::printf("%s\n", decision->ToJson().c_str());
  return decision->allow ? 0 : 1;
}
