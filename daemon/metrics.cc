#include "daemon/metrics.h"

#include <fmt/format.h>

namespace arbiter::daemon {

template <size_t N>
void Histogram<N>::Render(std::string& out, std::string_view name,
                          std::string_view help) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < N; ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, bounds_[i], cumulative);
  }
  cumulative += counts_[N].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  out += fmt::format("{}_sum {}\n", name,
                     static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6);
  out += fmt::format("{}_count {}\n", name, cumulative);
}

void Metrics::RecordResponse(unsigned status) {
  if (status >= 500) {
    responses_5xx_.fetch_add(1, std::memory_order_relaxed);
  } else if (status >= 400) {
    responses_4xx_.fetch_add(1, std::memory_order_relaxed);
  } else {
    responses_2xx_.fetch_add(1, std::memory_order_relaxed);
  }
}

std::string Metrics::RenderPrometheus() const {
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  std::string out;
  out += "# HELP arbiter_decisions_total Decisions answered, by result.\n";
  out += "# TYPE arbiter_decisions_total counter\n";
  out += fmt::format("arbiter_decisions_total{{result=\"allow\"}} {}\n", load(decisions_allow_));
  out += fmt::format("arbiter_decisions_total{{result=\"deny\"}} {}\n", load(decisions_deny_));
  out += "# HELP arbiter_http_responses_total HTTP responses, by status class.\n";
  out += "# TYPE arbiter_http_responses_total counter\n";
  out += fmt::format("arbiter_http_responses_total{{class=\"2xx\"}} {}\n", load(responses_2xx_));
  out += fmt::format("arbiter_http_responses_total{{class=\"4xx\"}} {}\n", load(responses_4xx_));
  out += fmt::format("arbiter_http_responses_total{{class=\"5xx\"}} {}\n", load(responses_5xx_));
  out += "# HELP arbiter_errors_total Errors, by kind.\n";
  out += "# TYPE arbiter_errors_total counter\n";
  out += fmt::format("arbiter_errors_total{{kind=\"client\"}} {}\n", load(responses_4xx_));
  out += fmt::format("arbiter_errors_total{{kind=\"server\"}} {}\n", load(responses_5xx_));
  out += fmt::format("arbiter_errors_total{{kind=\"ledger\"}} {}\n", load(ledger_failures_));
  out += fmt::format("arbiter_errors_total{{kind=\"policy_reload\"}} {}\n",
                     load(reloads_failed_));
  out += "# HELP arbiter_ledger_failed 1 while the ledger refuses writes after a storage "
         "error (decisions are denied, fail closed).\n";
  out += "# TYPE arbiter_ledger_failed gauge\n";
  out += fmt::format("arbiter_ledger_failed {}\n", ledger_failed_.load() ? 1 : 0);
  out += "# HELP arbiter_ledger_storage_failures_total Storage errors (write, sync) that "
         "failed the ledger.\n";
  out += "# TYPE arbiter_ledger_storage_failures_total counter\n";
  out += fmt::format("arbiter_ledger_storage_failures_total {}\n",
                     load(ledger_storage_failures_));
  out += "# HELP arbiter_ledger_recoveries_total Recoveries from a failed ledger.\n";
  out += "# TYPE arbiter_ledger_recoveries_total counter\n";
  out += fmt::format("arbiter_ledger_recoveries_total {}\n", load(ledger_recoveries_));
  out += "# HELP arbiter_policy_reloads_total Policy sets activated after start-up.\n";
  out += "# TYPE arbiter_policy_reloads_total counter\n";
  out += fmt::format("arbiter_policy_reloads_total {}\n", load(reloads_ok_));
  request_latency_.Render(out, "arbiter_request_duration_seconds",
                          "Time from a complete request to its response being handed to the "
                          "socket.");
  ledger_append_latency_.Render(out, "arbiter_ledger_append_duration_seconds",
                                "Time from a decision's append to its entry being durable.");
  ledger_batch_size_.Render(out, "arbiter_ledger_batch_entries",
                            "Entries per ledger group commit (per HTTP request batch).");
  return out;
}

template class Histogram<14>;
template class Histogram<12>;
template class Histogram<10>;

}  // namespace arbiter::daemon
