// Front-end throughput: load (lex, parse, lower, check) N generated rules, and format them.
// Usage: dsl_bench [rules=10000] [runs=7]. Prints the median of the runs.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dsl/frontend.h"

namespace {

std::string Rules(size_t count) {
  std::string text = "package bench;\n";
  for (size_t i = 0; i < count; ++i) {
    std::string n = std::to_string(i);
    text += "@control(\"C-" + n + "\")\npermit rule_" + n + " {\n  when action == Action::\"a" +
            n + "\" && resource.level > " + n + " && subject in resource.owners\n" +
            "  unless any e in context.evidence : e.kind == \"block\"\n  reason \"r" + n +
            "\"\n  obligation log { id: " + n + " }\n}\n";
  }
  return text;
}

// Median wall time, and the median CPU time of this process (the figure that matters on a
// shared machine, where wall time includes waiting for a core).
struct Times {
  double wall_ms;
  double cpu_ms;
};

template <typename F>
Times Median(int runs, F&& f) {
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    std::clock_t cpu_start = std::clock();
    f();
    cpu.push_back(1000.0 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  int runs = argc > 2 ? std::atoi(argv[2]) : 7;
  std::string text = Rules(count);
  bool ok = true;
  Times load = Median(runs, [&] {
    auto r = arbiter::dsl::LoadPolicySources({{"bench.arbiter", text}});
    ok = ok && r.ok() && r.policies.rules.size() == count;
  });
  Times format = Median(runs, [&] {
    auto r = arbiter::dsl::FormatSource(text, "bench.arbiter");
    ok = ok && r.ok();
  });
  std::printf("rules=%zu bytes=%zu runs=%d\n", count, text.size(), runs);
  std::printf("load (scan+parse+lower+check): median %.1f ms wall, %.1f ms cpu\n", load.wall_ms,
              load.cpu_ms);
  std::printf("format (scan+parse+print):     median %.1f ms wall, %.1f ms cpu\n",
              format.wall_ms, format.cpu_ms);
  return ok ? 0 : 1;
}
