// Test helper: appends decisions from several threads until killed, printing each seq
// (one per line, flushed) only after Append returned it as durable.
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arbiter/ledger.h>

using namespace arbiter::ledger;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: ledger_crash_writer DIR KEYFILE\n");
    return 2;
  }
  LedgerOptions options;
  options.key_file = argv[2];
  options.checkpoint_every_entries = 50;
  options.checkpoint_every_ms = 5;
  auto ledger = Ledger::Open(argv[1], options);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  std::mutex out_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        DecisionRecord d;
        d.decision = i % 2 ? "allow" : "deny";
        std::string subject = "u";
        subject += std::to_string(t);
        d.request = {{"subject", {{"id", subject}}}, {"i", i}};
        d.bundle_digest = "sha256:00";
        auto receipt = (*ledger)->Append(d.ToRecord().value());
        if (!receipt.ok()) {
          std::fprintf(stderr, "%s\n", receipt.status().ToString().c_str());
          std::_Exit(1);
        }
        std::lock_guard lock(out_mu);
        std::printf("%llu\n", static_cast<unsigned long long>(receipt->seq));
        std::fflush(stdout);
      }
    });
  }
  for (auto& th : threads) th.join();
}
