// Prints ledger figures measured on this machine (RocksDB in a scratch directory):
//   durable appends/s (sync mode) from 1 thread blocking, 1 thread async, and N threads
//   (blocking, and async with 4096/N in flight each), with the mean group-commit size;
//   verify entries/s on one core; inclusion proof time; bytes per decision entry on disk.
// Every appended decision gets its own fresh id (as the daemon's do), written into one of
// 4096 prebuilt decision payloads, so the decision index sees realistic keys.
// Usage: ledger_bench [--dir DIR] [--entries N] [--threads 8,64] [--appends-only 1]
//                     [--durability sync|batch|none]  (default sync)
//   --threads 0: no many-thread runs; --appends-only 1: stop after the append figures.
#include <fmt/core.h>

#include <arbiter/ledger.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace arbiter;
using namespace arbiter::ledger;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU time of the calling thread: on a machine shared with other builds, wall time
// understates what one core does.
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// CPU time of each of this process's threads (ns, from /proc/self/task/*/schedstat).
std::map<std::string, uint64_t> ThreadCpuNs() {
  std::map<std::string, uint64_t> out;
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "schedstat");
    uint64_t ns = 0;
    if (in >> ns) out[task.path().filename().string()] = ns;
  }
  return out;
}

// The most CPU any one thread used between two ThreadCpuNs() snapshots, in seconds.
double BusiestThreadSeconds(const std::map<std::string, uint64_t>& before,
                            const std::map<std::string, uint64_t>& after) {
  uint64_t most = 0;
  for (const auto& [tid, ns] : after) {
    auto it = before.find(tid);
    most = std::max(most, ns - (it == before.end() ? 0 : it->second));
  }
  return most * 1e-9;
}

// A decision shaped like `arbiter eval` output for an AI-governance request.
Record Decision(uint64_t i) {
  DecisionRecord d;
  d.request = {{"subject", {{"type", "User"}, {"id", "user-" + std::to_string(i % 1000)},
                            {"properties", {{"department", "ml-platform"}, {"clearance", 3}}}}},
               {"action", {{"name", "deploy"}}},
               {"resource", {{"type", "Model"}, {"id", "model-" + std::to_string(i % 50)},
                             {"properties", {{"risk", "high"}, {"reviewed", true}}}}},
               {"context", {{"environment", "production"}, {"ticket", "CHG-" + std::to_string(i)}}}};
  d.decision = i % 4 == 0 ? "deny" : "allow";
  d.reasons = nlohmann::json::array(
      {{{"rule", "ai.deploy.require_review"}, {"message", "high-risk models need a review"}}});
  d.obligations = nlohmann::json::array(
      {{{"name", "log_to_siem"}, {"rule", "ai.deploy.audit"}, {"advice", false},
        {"payload", {{"severity", "info"}}}}});
  d.bundle_digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  return d.ToRecord().value();
}

uint64_t DirBytes(const fs::path& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

Durability durability = Durability::kSync;

LedgerOptions Options() {
  LedgerOptions o;
  std::array<uint8_t, 32> seed{};
  o.signing_key = std::make_shared<const SigningKey>(
      SigningKey::FromSeed("bench.example/ledger", seed).value());
  o.durability = durability;
  o.checkpoint_every_entries = 10000;
  o.checkpoint_every_ms = 1000;
  return o;
}

// A copy of a prebuilt decision record with a fresh decision id, as if just decided.
Record Fresh(const Record& prebuilt) {
  Record r = prebuilt;
  size_t at = r.payload.find(r.decision_id);
  r.decision_id = NewDecisionId();
  r.payload.replace(at, r.decision_id.size(), r.decision_id);
  r.fresh_decision_id = true;
  return r;
}

// Appends `total` prebuilt records from `threads` threads with blocking Append.
double BlockingRun(Ledger& ledger, const std::vector<Record>& records, int threads, uint64_t total) {
  std::atomic<uint64_t> next{0};
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (uint64_t i; (i = next.fetch_add(1)) < total;) {
        auto r = ledger.Append(Fresh(records[i % records.size()]));
        if (!r.ok()) {
          fmt::print(stderr, "append failed: {}\n", r.status().ToString());
          std::abort();
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  return total / Seconds(start, Clock::now());
}

// `threads` threads appending `total` records together, each keeping up to `window` appends
// in flight with AppendAsync. When its window is full a thread sleeps until half of it has
// completed (as a server whose clients wait for their answers would), so completions do not
// wake it once each.
double AsyncRun(Ledger& ledger, const std::vector<Record>& records, uint64_t total,
                uint64_t window, int threads = 1) {
  std::atomic<uint64_t> next{0};
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      std::mutex mu;
      std::condition_variable cv;
      std::atomic<uint64_t> done{0};
      std::atomic<uint64_t> wake_at{UINT64_MAX};  // this thread sleeps until done reaches it
      auto on_done = [&](Result<Receipt> r) {
        if (!r.ok()) std::abort();
        uint64_t now = done.fetch_add(1) + 1;
        if (now >= wake_at.load()) {
          std::lock_guard lock(mu);
          cv.notify_one();
        }
      };
      auto wait_for = [&](uint64_t target) {
        if (done.load() >= target) return;
        std::unique_lock lock(mu);
        wake_at.store(target);
        cv.wait(lock, [&] { return done.load() >= target; });
        wake_at.store(UINT64_MAX);
      };
      uint64_t mine = 0;
      for (uint64_t i; (i = next.fetch_add(1)) < total; ++mine) {
        if (mine - done.load() >= window) wait_for(mine - window / 2);
        ledger.AppendAsync(Fresh(records[i % records.size()]), on_done);
      }
      wait_for(mine);
    });
  }
  for (auto& th : pool) th.join();
  return total / Seconds(start, Clock::now());
}

// The mean number of appends per group commit since `before` (LedgerHealth has the group
// counters since issue 14; an older ledger library prints nothing).
template <typename Health>
std::string GroupSize(const Health& before, const Health& after) {
  if constexpr (requires { before.commit_groups; }) {
    uint64_t groups = after.commit_groups - before.commit_groups;
    if (groups == 0) return "";
    return fmt::format("; {:.1f} appends per group commit",
                       double(after.committed_appends - before.committed_appends) / groups);
  } else {
    return "";
  }
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::temp_directory_path() / "arbiter-ledger-bench";
  uint64_t entries = 200000;
  std::vector<int> thread_counts = {8, 64};
  bool appends_only = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--dir") dir = argv[i + 1];
    if (flag == "--entries") entries = std::stoull(argv[i + 1]);
    if (flag == "--appends-only") appends_only = std::string(argv[i + 1]) == "1";
    if (flag == "--durability") durability = ParseDurability(argv[i + 1]).value();
    if (flag == "--threads") {
      thread_counts.clear();
      std::string list = argv[i + 1];
      for (size_t p = 0; p < list.size();) {
        size_t c = list.find(',', p);
        thread_counts.push_back(std::stoi(list.substr(p, c - p)));
        p = c == std::string::npos ? list.size() : c + 1;
      }
    }
  }
  fs::remove_all(dir);
  std::vector<Record> records;
  for (uint64_t i = 0; i < 4096; ++i) records.push_back(Decision(i));
  uint64_t payload_bytes = 0;
  for (const auto& r : records) payload_bytes += r.payload.size();

  {
    auto start = Clock::now();
    uint64_t n = 20000;
    for (uint64_t i = 0; i < n; ++i) Decision(i);
    fmt::print("decision record build (DecisionRecord -> canonical payload): {:.0f} records/s/thread\n",
               n / Seconds(start, Clock::now()));
  }

  auto ledger = Ledger::Open(dir.string(), Options()).value();
  const std::string mode(DurabilityName(durability));
  const char* kind = durability == Durability::kSync ? "durable appends" : "appends";
  // 1 thread, blocking: one WAL sync per append.
  uint64_t single = std::min<uint64_t>(entries / 20, 2000);
  {
    auto h0 = ledger->Health();
    double rate = BlockingRun(*ledger, records, 1, single);
    fmt::print("{}, {}, 1 thread blocking:        {:>10.0f} /s  ({} appends{})\n", kind, mode,
               rate, single, GroupSize(h0, ledger->Health()));
  }
  double cpu_before = ProcessCpuSeconds();
  auto threads_before = ThreadCpuNs();
  auto health_before = ledger->Health();
  double async_rate = AsyncRun(*ledger, records, entries, 4096);
  double cpu_used = ProcessCpuSeconds() - cpu_before;
  double busiest = BusiestThreadSeconds(threads_before, ThreadCpuNs());
  fmt::print("{}, {}, 1 thread async (window 4096): {:>8.0f} /s  ({} appends; "
             "{:.0f} appends per CPU-second of the whole process{})\n",
             kind, mode, async_rate, entries, entries / cpu_used,
             GroupSize(health_before, ledger->Health()));
  // The ledger's writer thread is the busiest: one core's worth of it bounds the rate.
  fmt::print("  busiest thread (the ledger writer): {:.2f} us CPU per append, so {:.0f} appends/s "
             "when it has a core to itself\n",
             busiest * 1e6 / entries, entries / busiest);
  for (int t : thread_counts) {
    if (t <= 0) continue;  // --threads 0: async figures only
    auto h0 = ledger->Health();
    double rate = BlockingRun(*ledger, records, t, entries);
    fmt::print("{}, {}, {:>3} threads blocking:      {:>10.0f} /s  ({} appends{})\n", kind, mode,
               t, rate, entries, GroupSize(h0, ledger->Health()));
    h0 = ledger->Health();
    rate = AsyncRun(*ledger, records, entries, std::max<uint64_t>(1, 4096 / t), t);
    fmt::print("{}, {}, {:>3} threads async (window {} each): {:>6.0f} /s  ({} appends{})\n",
               kind, mode, t, std::max(1, 4096 / t), rate, entries,
               GroupSize(h0, ledger->Health()));
  }
  if (appends_only) {
    ledger.reset();
    fs::remove_all(dir);
    return 0;
  }
  uint64_t size = ledger->Size();
  if (!ledger->Close().ok()) return 1;
  ledger.reset();
  uint64_t disk = DirBytes(dir);
  fmt::print("entries: {}; payload {:.0f} B, entry ~{:.0f} B; on disk {:.0f} B/entry (RocksDB dir incl. "
             "WAL, hashes, index, checkpoints)\n",
             size, double(payload_bytes) / records.size(),
             double(payload_bytes) / records.size() + 160, double(disk) / size);

  auto ro = Ledger::OpenReadOnly(dir.string()).value();
  VerifyOptions vo;
  vo.trusted_keys = {VerifierKey::FromSigningKey(*Options().signing_key)};
  // Verify three times; the median of each figure is printed (the machine is shared).
  std::vector<double> wall_rates, cpu_rates;
  VerifyReport report;
  for (int run = 0; run < 3; ++run) {
    auto start = Clock::now();
    double cpu = ThreadCpuSeconds();
    report = ro->Verify(vo);
    double secs = Seconds(start, Clock::now());
    cpu = ThreadCpuSeconds() - cpu;
    wall_rates.push_back(report.entries / secs);
    cpu_rates.push_back(report.entries / cpu);
  }
  std::sort(wall_rates.begin(), wall_rates.end());
  std::sort(cpu_rates.begin(), cpu_rates.end());
  fmt::print("verify (1 thread, median of 3): {:.0f} entries/s wall, {:.0f} entries per "
             "CPU-second ({})\n",
             wall_rates[1], cpu_rates[1], report.Summary());
  vo.deep = true;
  auto start = Clock::now();
  double cpu = ThreadCpuSeconds();
  report = ro->Verify(vo);
  double secs = Seconds(start, Clock::now());
  cpu = ThreadCpuSeconds() - cpu;
  fmt::print("verify --deep (1 thread): {:.0f} entries/s wall, {:.0f} entries per CPU-second\n",
             report.entries / secs, report.entries / cpu);

  std::mt19937_64 rng(7);
  uint64_t tree = ro->CheckpointSizes().value().back();
  const int kProofs = 20000;
  start = Clock::now();
  cpu = ThreadCpuSeconds();
  size_t bytes = 0;
  for (int i = 0; i < kProofs; ++i) bytes += ro->InclusionProof(rng() % tree).value().size();
  double proof_us = Seconds(start, Clock::now()) * 1e6 / kProofs;
  double proof_cpu_us = (ThreadCpuSeconds() - cpu) * 1e6 / kProofs;
  start = Clock::now();
  for (int i = 0; i < kProofs; ++i) bytes += ro->InclusionPath(rng() % tree, tree).value().size();
  double path_us = Seconds(start, Clock::now()) * 1e6 / kProofs;
  fmt::print("inclusion proof (tlog-proof text, tree {}): {:.1f} us wall, {:.1f} us CPU; audit path "
             "only: {:.1f} us wall\n",
             tree, proof_us, proof_cpu_us, path_us);
  start = Clock::now();
  for (int i = 0; i < 2000; ++i) bytes += ro->ConsistencyPath(1 + rng() % (tree - 1), tree).value().size();
  fmt::print("consistency path: {:.1f} us\n", Seconds(start, Clock::now()) * 1e6 / 2000);
  ro.reset();
  fs::remove_all(dir);
  return bytes == 0;
}
