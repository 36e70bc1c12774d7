#include "engine/bench_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace arbiter::engine {

BenchResult RunDecisionBench(const Engine& engine, const Request& request,
                             const EntityStore& entities, int threads, double seconds) {
  using Clock = std::chrono::steady_clock;
  constexpr int kBatch = 16;
  std::vector<std::vector<double>> samples(static_cast<size_t>(threads));
  std::vector<uint64_t> counts(static_cast<size_t>(threads), 0);
  std::atomic<bool> stop{false};
  std::atomic<bool> allow{false};
  auto worker = [&](int t) {
    Decision d;
    DecideOptions options;
    for (int i = 0; i < 1000; ++i) (void)engine.Decide(request, entities, options, &d);  // warm up
    allow = d.allow;
    auto& mine = samples[static_cast<size_t>(t)];
    mine.reserve(1 << 20);
    uint64_t n = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      auto start = Clock::now();
      for (int i = 0; i < kBatch; ++i) (void)engine.Decide(request, entities, options, &d);
      auto ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
      if (mine.size() < (1u << 22)) mine.push_back(ns / kBatch);
      n += kBatch;
    }
    counts[static_cast<size_t>(t)] = n;
  };
  std::vector<std::thread> pool;
  auto begin = Clock::now();
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();

  BenchResult r;
  r.threads = threads;
  r.seconds = elapsed;
  for (uint64_t c : counts) r.decisions += c;
  r.decisions_per_second = static_cast<double>(r.decisions) / elapsed;
  std::vector<double> all;
  for (auto& s : samples) all.insert(all.end(), s.begin(), s.end());
  if (!all.empty()) {
    auto pct = [&](double q) {
      size_t k = std::min(all.size() - 1, static_cast<size_t>(q * static_cast<double>(all.size())));
      std::nth_element(all.begin(), all.begin() + static_cast<long>(k), all.end());
      return all[k];
    };
    r.median_ns = pct(0.5);
    r.p90_ns = pct(0.9);
    r.p99_ns = pct(0.99);
  }
  r.allow = allow;
  return r;
}

std::string FormatBenchResult(const BenchResult& r) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "threads: %d\ndecision: %s\ndecisions: %llu in %.2f s\ndecisions/s: %.0f\n"
                "median_ns: %.0f\np90_ns: %.0f\np99_ns: %.0f",
                r.threads, r.allow ? "allow" : "deny", static_cast<unsigned long long>(r.decisions),
                r.seconds, r.decisions_per_second, r.median_ns, r.p90_ns, r.p99_ns);
  return buf;
}

}  // namespace arbiter::engine
