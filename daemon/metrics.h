// Counters and histograms the daemon exposes at GET /metrics in the Prometheus text format
// (version 0.0.4). Updates are lock-free atomics so the request path never blocks on them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace arbiter::daemon {

// A cumulative histogram with fixed upper bounds (Prometheus "le" buckets).
template <size_t N>
class Histogram {
 public:
  explicit constexpr Histogram(std::array<double, N> bounds) : bounds_(bounds) {}
  void Observe(double value) {
    size_t i = 0;
    while (i < N && value > bounds_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    // The sum is kept in integer micro-units so it can be a lock-free atomic.
    sum_micros_.fetch_add(static_cast<uint64_t>(value * 1e6), std::memory_order_relaxed);
  }
  // Appends the _bucket, _sum and _count series for `name`.
  void Render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  std::array<double, N> bounds_;
  std::array<std::atomic<uint64_t>, N + 1> counts_{};  // last one is +Inf only
  std::atomic<uint64_t> sum_micros_{0};
};

class Metrics {
 public:
  // One decision that was answered (allow or deny) and how long the request took in seconds.
  void RecordDecision(bool allow) {
    (allow ? decisions_allow_ : decisions_deny_).fetch_add(1, std::memory_order_relaxed);
  }
  void RecordRequestLatency(double seconds) { request_latency_.Observe(seconds); }
  // A ledger group commit: how many entries it carried and how long the append waited.
  void RecordLedgerAppend(double seconds) { ledger_append_latency_.Observe(seconds); }
  void RecordLedgerBatch(size_t entries) { ledger_batch_size_.Observe(static_cast<double>(entries)); }
  // An HTTP response; 4xx and 5xx are counted as errors by class.
  void RecordResponse(unsigned status);
  void RecordLedgerFailure() { ledger_failures_.fetch_add(1, std::memory_order_relaxed); }
  // The ledger's storage health (ledger::LedgerHealth), copied in before each render.
  void SetLedgerHealth(bool failed, uint64_t storage_failures, uint64_t recoveries) {
    ledger_failed_.store(failed, std::memory_order_relaxed);
    ledger_storage_failures_.store(storage_failures, std::memory_order_relaxed);
    ledger_recoveries_.store(recoveries, std::memory_order_relaxed);
  }
  void RecordPolicyReload(bool ok) {
    (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
  }

  std::string RenderPrometheus() const;

 private:
  std::atomic<uint64_t> decisions_allow_{0}, decisions_deny_{0};
  std::atomic<uint64_t> responses_2xx_{0}, responses_4xx_{0}, responses_5xx_{0};
  std::atomic<uint64_t> ledger_failures_{0};
  std::atomic<bool> ledger_failed_{false};
  std::atomic<uint64_t> ledger_storage_failures_{0}, ledger_recoveries_{0};
  std::atomic<uint64_t> reloads_ok_{0}, reloads_failed_{0};
  Histogram<14> request_latency_{{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                  0.025, 0.05, 0.1, 0.25, 0.5, 1.0}};
  Histogram<12> ledger_append_latency_{{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                        0.01, 0.025, 0.05, 0.1, 1.0}};
  Histogram<10> ledger_batch_size_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 1024}};
};

}  // namespace arbiter::daemon
