// `arbiter bench`: decide one request over and over and print throughput and latency.
#include <cstdio>

#include "cli/command.h"
#include "cli/policy_source.h"
#include "engine/bench_runner.h"

namespace arbiter::cli {
namespace {

struct BenchFlags {
  PolicySourceFlags policies;
  std::string data;
  std::string request;
  int threads = 1;
  double seconds = 3;
};

int RunBench(const BenchFlags& f) {
  std::optional<Engine> engine = f.policies.Load();
  if (!engine) return kExitFailure;
  std::optional<EntityStore> entities = LoadEntities(f.data);
  if (!entities) return kExitFailure;
  std::optional<LoadedRequest> request = LoadRequest(f.request);
  if (!request) return kExitFailure;
  engine::BenchResult r =
      engine::RunDecisionBench(*engine, request->request, *entities, f.threads, f.seconds);
  std::printf("%s\n", engine::FormatBenchResult(r).c_str());
  return kExitOk;
}

std::function<int()> SetupBench(CLI::App& parent) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* cmd = parent.add_subcommand("bench", "Measure decisions per second and latency");
  flags->policies.Add(cmd);
  cmd->add_option("-d,--data", flags->data, "Entity data (JSON)");
  cmd->add_option("-i,--input", flags->request, "The request (AuthZEN JSON)")->required();
  cmd->add_option("--threads", flags->threads, "Deciding threads")->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--seconds", flags->seconds, "How long to run")->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  return [flags] { return RunBench(*flags); };
}

ARBITER_COMMAND("bench", SetupBench);

}  // namespace
}  // namespace arbiter::cli
