// The decision benchmark behind `arbiter bench` and bench/engine: N threads decide the same
// request on one Engine for a while; throughput from the total, latency from per-decision
// timings (taken in batches of 16 decisions so the clock does not dominate; each batch's mean
// counts once per decision).
#pragma once

#include <cstdint>
#include <string>

#include <arbiter/engine.h>

namespace arbiter::engine {

struct BenchResult {
  int threads = 1;
  double seconds = 0;
  uint64_t decisions = 0;
  double decisions_per_second = 0;
  double median_ns = 0, p90_ns = 0, p99_ns = 0;
  bool allow = false;
};

BenchResult RunDecisionBench(const Engine& engine, const Request& request,
                             const EntityStore& entities, int threads, double seconds);
// "decisions/s: ...\nmedian_ns: ...\np90_ns: ...\np99_ns: ..." (plus threads, decision).
std::string FormatBenchResult(const BenchResult& r);

}  // namespace arbiter::engine
