// Times `arbiter audit report` over a large ledger (bench/README.md, "Audit report"). It
// builds a ledger of --entries entries (default 1,000,000) in a scratch directory: decisions
// over 9 controls and 12 rules, one rule without a control (allow, deny and fail-closed; a
// quarter with a require_evidence obligation), an evidence entry every 100 decisions naming 3
// recent ones (every fourth a review), and a policy activation every 250,000 entries.
// Then, --runs times each, it does what the command does: open the ledger read-only, verify
// it with its key, compute the figures and write the report as HTML, and as JSON.
// Usage: report_bench [--entries N] [--runs 3] [--dir DIR] [--keep 1]
//   --dir: build the ledger there (default: a fresh directory under /tmp); the reports go to
//   DIR.html and DIR.json, the verifier key to DIR.pub. --keep 1 leaves the ledger, for
//   timing the arbiter binary itself.
#include <fmt/core.h>

#include <arbiter/ledger.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <time.h>
#include <unistd.h>
#include <string>
#include <vector>

#include "audit/history.h"
#include "audit/report.h"

using namespace arbiter;
using namespace arbiter::ledger;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU time of the process: on a machine shared with other builds, wall time overstates
// what the report costs.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

[[noreturn]] void Die(const std::string& what) {
  fmt::print(stderr, "report_bench: {}\n", what);
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(fmt::format("{}: {}", what, r.status().ToString()));
  return std::move(r).value();
}

const std::vector<std::vector<std::string>> kRuleControls = {
    {"ISO/IEC 42001 A.3.2", "SOC 2 CC6.1"},
    {"ISO/IEC 42001 A.3.2", "SOC 2 CC6.3", "SOC 2 CC8.1"},
    {"EU AI Act Art. 9", "EU AI Act Art. 15"},
    {"EU AI Act Art. 15", "NIST AI RMF MEASURE 2.5"},
    {"EU AI Act Art. 15", "NIST AI RMF MEASURE 2.5"},
    {"EU AI Act Art. 10"},
    {"EU AI Act Art. 14", "SOC 2 CC8.1"},
    {"EU AI Act Art. 14"},
    {"SOC 2 CC6.1"},
    {},
    {"NIST AI RMF MEASURE 2.5"},
    {"EU AI Act Art. 9"},
};

// Decision i of the prebuilt set: rule i % 12; permits (even rules) allow, forbids deny, and
// one forbid in 16 failed closed (the rule erred).
DecisionRecord MakeDecision(size_t i) {
  const size_t rule = i % kRuleControls.size();
  DecisionRecord d;
  d.request = {
      {"subject", {{"type", "User"}, {"id", fmt::format("user-{}", i % 997)}}},
      {"action", {{"name", i % 3 == 0 ? "deploy" : "read"}}},
      {"resource", {{"type", "Model"}, {"id", fmt::format("model-{}", i % 61)}}},
      {"context",
       {{"environment", i % 2 ? "production" : "staging"},
        {"now", {{"__extn", {{"fn", "datetime"}, {"arg", "2026-11-26T10:30:00Z"}}}}},
        {"evidence", nlohmann::json::array()}}}};
  const std::string name = fmt::format("ai.model_deployment.rule_{}", rule);
  d.reasons = {{{"rule", name}, {"message", "the rule's reason, as written in the policy"}}};
  if (rule % 2 == 0) {
    d.decision = "allow";
  } else {
    d.decision = "deny";
    if (i % 16 == 1) d.errors = {{{"rule", name}, {"message", "attribute `evaluation` is missing"}}};
  }
  if (i % 4 == 0) {
    d.obligations = {{{"name", "require_evidence"},
                      {"rule", name},
                      {"advice", false},
                      {"payload", {{"type", "approval"}, {"within", "24h"}}}}};
  }
  d.bundle_digest = "sha256:" + std::string(64, 'b');
  d.data_digest = "sha256:" + std::string(64, 'd');
  d.principal = "deploy-bot";
  d.controls = kRuleControls[rule];
  std::sort(d.controls.begin(), d.controls.end());
  return d;
}

Record Fresh(const Record& prebuilt, std::string* id) {
  Record r = prebuilt;
  size_t at = r.payload.find(r.decision_id);
  r.decision_id = NewDecisionId();
  r.payload.replace(at, r.decision_id.size(), r.decision_id);
  r.fresh_decision_id = true;
  *id = r.decision_id;
  return r;
}

Record Evidence(size_t n, const std::vector<std::string>& recent) {
  EvidenceRecord e;
  e.decision_ids = recent;
  e.author = "dana";
  if (n % 4 == 3) {
    e.type = "review";
    e.body = {{"expected", n % 8 == 3 ? "deny" : "allow"}, {"reason", "checked by hand"}};
  } else {
    e.type = "approval";
    e.body = {{"note", "reviewed the evaluation report"}};
  }
  return Must(e.ToRecord(), "evidence record");
}

Record Policy(size_t n) {
  PolicyRecord p;
  p.bundle_digest = fmt::format("sha256:{:064x}", n + 1);
  p.activated_by = "release pipeline";
  p.reason = fmt::format("release {}", n);
  p.sources.push_back({"model_deployment.arbiter", fmt::format("sha256:{:064x}", n + 100), {}});
  p.sources.push_back({"common.arbiter", "sha256:" + std::string(64, 'c'), {}});
  if (n % 2) p.sources.push_back({"extra.arbiter", "sha256:" + std::string(64, 'e'), {}});
  return Must(p.ToRecord(), "policy record");
}

// Appends `entries` entries with AppendAsync (group commit, no sync: a scratch ledger).
void Build(const std::string& dir, const SigningKey& key, uint64_t entries) {
  LedgerOptions options;
  options.signing_key = std::make_shared<const SigningKey>(key.Clone());
  options.durability = Durability::kNone;
  options.checkpoint_every_entries = 10000;
  options.checkpoint_every_ms = 1000;
  auto ledger = Must(Ledger::Open(dir, options), "open ledger");
  std::vector<Record> prebuilt;
  for (size_t i = 0; i < 4096; ++i) prebuilt.push_back(Must(MakeDecision(i).ToRecord(), "decision"));

  std::mutex mu;
  std::condition_variable cv;
  std::atomic<uint64_t> done{0};
  auto on_done = [&](Result<Receipt> r) {
    if (!r.ok()) Die("append: " + r.status().ToString());
    done.fetch_add(1);
    std::lock_guard lock(mu);  // so the waiter cannot miss the last notification
    cv.notify_one();
  };
  constexpr uint64_t kWindow = 4096;
  std::vector<std::string> recent;
  size_t decisions = 0, evidence = 0, policies = 0;
  for (uint64_t i = 0; i < entries; ++i) {
    if (i - done.load() >= kWindow) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return i - done.load() < kWindow / 2; });
    }
    Record record;
    if (i % 250000 == 0) {
      record = Policy(policies++);
    } else if (i % 101 == 100 && recent.size() >= 3) {
      record = Evidence(evidence++, {recent.end() - 3, recent.end()});
    } else {
      std::string id;
      record = Fresh(prebuilt[decisions % prebuilt.size()], &id);
      recent.push_back(std::move(id));
      if (recent.size() > 16) recent.erase(recent.begin());
      ++decisions;
    }
    ledger->AppendAsync(std::move(record), on_done);
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done.load() >= entries; });
  }
  if (Status st = ledger->Close(); !st.ok()) Die("close: " + st.ToString());
}

struct Timing {
  double open = 0, verify = 0, compute = 0, render = 0, total = 0, cpu = 0;
  size_t bytes = 0;
  uint64_t decisions = 0;
};

Timing Report(const std::string& dir, const VerifierKey& key, bool html, const std::string& out) {
  Timing t;
  const double cpu0 = CpuSeconds();
  auto t0 = Clock::now();
  auto ledger = Must(Ledger::OpenReadOnly(dir), "open read-only");
  auto history = audit::History::FromLedger(*ledger);
  auto t1 = Clock::now();
  audit::VerificationStatus v = audit::VerifyLedgerForReport(*ledger, {key});
  if (!v.ok) Die("verify: " + v.summary);
  auto t2 = Clock::now();
  auto figures = Must(audit::ComputeReport(*history, {}, std::move(v)), "report");
  auto t3 = Clock::now();
  std::string text = html ? audit::ReportToHtml(figures) : audit::ReportToJson(figures);
  std::ofstream(out, std::ios::binary | std::ios::trunc) << text;
  auto t4 = Clock::now();
  t.open = Seconds(t0, t1);
  t.verify = Seconds(t1, t2);
  t.compute = Seconds(t2, t3);
  t.render = Seconds(t3, t4);
  t.total = Seconds(t0, t4);
  t.cpu = CpuSeconds() - cpu0;
  t.bytes = text.size();
  t.decisions = figures.totals.total();
  return t;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t entries = 1000000;
  int runs = 3;
  std::string dir;
  bool keep = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--entries") entries = std::stoull(argv[i + 1]);
    else if (flag == "--runs") runs = std::stoi(argv[i + 1]);
    else if (flag == "--dir") dir = argv[i + 1];
    else if (flag == "--keep") keep = std::string(argv[i + 1]) == "1";
    else Die("unknown flag " + flag);
  }
  if (dir.empty()) {
    dir = (fs::temp_directory_path() / fmt::format("arbiter-report-bench-{}", ::getpid())).string();
  }
  if (fs::exists(dir)) Die(dir + " exists: give a new --dir");
  std::array<uint8_t, 32> seed{};
  seed[0] = 7;
  SigningKey key = Must(SigningKey::FromSeed("bench.example/report", seed), "key");
  const VerifierKey verifier = VerifierKey::FromSigningKey(key);

  auto b0 = Clock::now();
  Build(dir, key, entries);
  fmt::print("built {} entries in {:.1f} s ({})\n", entries, Seconds(b0, Clock::now()), dir);
  std::ofstream(dir + ".pub") << verifier.Text() << "\n";

  for (bool html : {true, false}) {
    std::vector<double> total, verify, compute, render, cpu;
    Timing last;
    for (int r = 0; r < runs; ++r) {
      last = Report(dir, verifier, html, dir + (html ? ".html" : ".json"));
      total.push_back(last.total);
      verify.push_back(last.verify);
      compute.push_back(last.compute);
      render.push_back(last.render);
      cpu.push_back(last.cpu);
      fmt::print("  {} run {}: {:.2f} s wall, {:.2f} s CPU (open {:.2f}, verify {:.2f}, figures "
                 "{:.2f}, write {:.2f})\n",
                 html ? "html" : "json", r + 1, last.total, last.cpu, last.open, last.verify,
                 last.compute, last.render);
    }
    fmt::print("report --format {} over {} entries ({} decisions, {} bytes): median {:.2f} s "
               "wall, {:.2f} s CPU (verify {:.2f}, figures {:.2f}, write {:.2f})\n",
               html ? "html" : "json", entries, last.decisions, last.bytes, Median(total),
               Median(cpu), Median(verify), Median(compute), Median(render));
  }
  if (!keep) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    for (const char* ext : {".html", ".json", ".pub"}) fs::remove(dir + ext, ec);
  }
  return 0;
}
