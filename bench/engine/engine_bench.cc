// Prints decision latency and throughput for the engine's benchmark cases, and the time to
// load and compile 10,000 rules. Usage: engine_bench [--seconds S] [--threads N]
//   (a) RBAC: roles and folders in a hierarchy (`in` over precomputed ancestors)
//   (b) ABAC: context conditions (ip ranges, decimals, datetimes, numbers, sets)
//   (c) 10 / 1,000 / 10,000 rules of which one applies (the rule index)
//   (d) load + compile of 10,000 rules (parse, check, compile passes)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <arbiter/arbiter.h>

#include "dsl/frontend.h"
#include "engine/bench_runner.h"
#include "engine/compiler.h"

using namespace arbiter;

namespace {

std::string Ref(const std::string& type, const std::string& id) {
  return "{\"type\":\"" + type + "\",\"id\":\"" + id + "\"}";
}

struct Case {
  std::string name;
  std::string policy;
  std::string entities;
  std::string request;
};

Case Rbac() {
  Case c{"(a) RBAC, hierarchy", "", "", ""};
  c.policy = "package rbac;\n";
  for (int r = 0; r < 20; ++r) {
    std::string role = "Role::\"role" + std::to_string(r) + "\"";
    c.policy += "permit read_" + std::to_string(r) + " { when action == Action::\"read\" && resource is Doc && subject in " +
                role + " && resource in Folder::\"f" + std::to_string(r % 10) + "\" }\n";
    c.policy += "permit write_" + std::to_string(r) + " { when action == Action::\"write\" && resource is Doc && subject in " +
                role + " && resource.owner == subject }\n";
  }
  c.policy += "forbid suspended { when subject in Role::\"suspended\" reason \"suspended users\" }\n";
  c.policy += "forbid locked { when action == Action::\"write\" && resource.locked }\n";
  std::string e = "[";
  // Roles nest: role(i) inherits from role(i+1); a department holds roles; users in departments.
  for (int r = 0; r < 20; ++r) {
    e += "{\"uid\":" + Ref("Role", "role" + std::to_string(r)) + ",\"parents\":[" +
         (r + 1 < 20 ? Ref("Role", "role" + std::to_string(r + 1)) : "") + "]},";
  }
  e += "{\"uid\":" + Ref("Role", "suspended") + "},";
  for (int d = 0; d < 50; ++d) {
    e += "{\"uid\":" + Ref("Dept", "d" + std::to_string(d)) + ",\"parents\":[" +
         Ref("Role", "role" + std::to_string(d % 20)) + "]},";
  }
  for (int u = 0; u < 1000; ++u) {
    e += "{\"uid\":" + Ref("User", "u" + std::to_string(u)) + ",\"attrs\":{\"name\":\"user" +
         std::to_string(u) + "\"},\"parents\":[" + Ref("Dept", "d" + std::to_string(u % 50)) + "]},";
  }
  for (int f = 0; f < 10; ++f) {
    e += "{\"uid\":" + Ref("Folder", "f" + std::to_string(f)) + ",\"parents\":[" +
         (f > 0 ? Ref("Folder", "f" + std::to_string(f / 2)) : "") + "]},";
  }
  for (int d = 0; d < 1000; ++d) {
    e += "{\"uid\":" + Ref("Doc", "doc" + std::to_string(d)) + ",\"attrs\":{\"owner\":{\"__entity\":" +
         Ref("User", "u" + std::to_string(d)) + "},\"locked\":false},\"parents\":[" +
         Ref("Folder", "f" + std::to_string(d % 10)) + "]},";
  }
  e.back() = ']';
  c.entities = e;
  // u37 is in d37 -> role17 -> role18 -> role19; doc9 is in f9 -> f4 -> f2 -> f1 -> f0.
  c.request = R"({"subject":{"type":"User","id":"u37"},"action":{"name":"read"},)"
              R"("resource":{"type":"Doc","id":"doc9"}})";
  return c;
}

Case Abac() {
  Case c{"(b) ABAC, context conditions", "", "", ""};
  c.policy = R"(package abac;
permit invoke_low_risk {
  when action == Action::"invoke" && resource is Model
    && context.risk_score < 50
    && context.ip.isInRange(ip("10.0.0.0/8"))
    && subject.clearance >= resource.level
    && context.amount.lessThan(decimal("1000.00"))
  reason "low-risk invocations from the corporate network"
}
permit invoke_reviewed {
  when action == Action::"invoke" && resource is Model
    && context.reviewed && subject.department == resource.department
}
forbid outside_hours {
  when action == Action::"invoke"
    && (context.now.toTime() < duration("6h") || context.now.toTime() > duration("22h"))
  reason "no invocations at night"
}
forbid pii_without_purpose {
  when resource.tags.contains("pii") && !(context has purpose)
  reason "PII needs a declared purpose"
}
forbid blocked_region {
  when context.region like "sanctioned-*"
}
forbid expired_model {
  when resource is Model && context.now > resource.expires
}
)";
  for (int i = 0; i < 14; ++i) {
    c.policy += "permit other_" + std::to_string(i) + " { when action == Action::\"op" + std::to_string(i) +
                "\" && context.risk_score < " + std::to_string(10 * i) + " }\n";
  }
  c.entities = R"([
    {"uid":{"type":"User","id":"alice"},"attrs":{"clearance":4,"department":"risk"}},
    {"uid":{"type":"Model","id":"m1"},"attrs":{"level":3,"department":"risk","tags":["finance","pii"],
      "expires":{"__extn":{"fn":"datetime","arg":"2027-01-01T00:00:00Z"}}}}])";
  c.request = R"({"subject":{"type":"User","id":"alice"},"action":{"name":"invoke"},
    "resource":{"type":"Model","id":"m1"},
    "context":{"risk_score":20,"ip":{"__extn":{"fn":"ip","arg":"10.20.30.40"}},"amount":250.50,
      "reviewed":false,"now":{"__extn":{"fn":"datetime","arg":"2026-11-26T14:30:00Z"}},
      "purpose":"fraud-review","region":"eu-west"}})";
  return c;
}

std::string ManyRules(int n) {
  std::string text = "package many;\n";
  text.reserve(static_cast<size_t>(n) * 120);
  for (int i = 0; i < n; ++i) {
    text += "permit r" + std::to_string(i) + " { when action == Action::\"action" + std::to_string(i) +
            "\" && resource is Doc && subject.level > " + std::to_string(i % 4) + " }\n";
  }
  return text;
}

Case Scale(int n) {
  Case c{std::to_string(n) + " rules, 1 applies", ManyRules(n), "", ""};
  c.entities = R"([{"uid":{"type":"User","id":"alice"},"attrs":{"level":5}}])";
  c.request = R"({"subject":{"type":"User","id":"alice"},"action":{"name":"action7"},)"
              R"("resource":{"type":"Doc","id":"d1"}})";
  return c;
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  int threads = 1;
  int only = -1;  // --only K runs just the K-th case (0-based), for profiling
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--only") == 0) only = std::atoi(argv[i + 1]);
  }
  std::vector<Case> cases = {Rbac(), Abac(), Scale(10), Scale(1000), Scale(10000)};
  std::printf("| case | decision | median ns | p90 ns | p99 ns | decisions/s |\n");
  std::printf("|---|---|---:|---:|---:|---:|\n");
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    if (only >= 0 && static_cast<size_t>(only) != k) continue;
    CompileResult compiled = Engine::CompileSources({{"bench.arbiter", c.policy}});
    if (!compiled.ok()) {
      std::fprintf(stderr, "%s: %s%s\n", c.name.c_str(), compiled.FormattedDiagnostics().c_str(),
                   compiled.status.ToString().c_str());
      return 1;
    }
    auto entities = EntityStore::FromJson(c.entities);
    auto request = Request::FromJson(c.request);
    if (!entities.ok() || !request.ok()) {
      std::fprintf(stderr, "%s: bad input: %s %s\n", c.name.c_str(), entities.status().ToString().c_str(),
                   request.status().ToString().c_str());
      return 1;
    }
    engine::BenchResult r = engine::RunDecisionBench(*compiled.engine, *request, *entities, threads, seconds);
    std::printf("| %s | %s | %.0f | %.0f | %.0f | %.0f |\n", c.name.c_str(), r.allow ? "allow" : "deny",
                r.median_ns, r.p90_ns, r.p99_ns, r.decisions_per_second);
    std::fflush(stdout);
  }

  if (only >= 0) return 0;
  // (d) load + compile 10,000 rules, three times; the median run is reported.
  std::string text = ManyRules(10000);
  std::vector<double> total, front, passes;
  for (int run = 0; run < 3; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    dsl::FrontendResult fr = dsl::LoadPolicySources({{"bench.arbiter", text}});
    auto t1 = std::chrono::steady_clock::now();
    if (!fr.ok()) return 1;
    auto program = engine::CompilePolicySet(fr.policies);
    auto t2 = std::chrono::steady_clock::now();
    if (!program.ok()) return 1;
    front.push_back(Ms(t1 - t0));
    passes.push_back(Ms(t2 - t1));
    total.push_back(Ms(t2 - t0));
  }
  std::sort(total.begin(), total.end());
  std::sort(front.begin(), front.end());
  std::sort(passes.begin(), passes.end());
  std::printf("\nload + compile 10,000 rules: %.0f ms (front end %.0f ms, engine passes %.0f ms; median of 3)\n",
              total[1], front[1], passes[1]);
  return 0;
}
