// A ledger the audit tests share, built from the stdlib's ai-model-deployment pack as the
// daemon would build it: the pack's entity data and its activation, 48 decisions; then a
// policy change (deployment hours end at 18:00, not 17:00) with changed data (a new engineer)
// and 60 more decisions. Everything in memory.
#pragma once

#include <catch2/catch.hpp>

#include <arbiter/arbiter.h>
#include <arbiter/ledger.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "recorder/recorder.h"

namespace arbiter::audit::testing {

inline const std::string kPackDir =
    std::string(ARBITER_SOURCE_DIR) + "/stdlib-policies/ai-model-deployment";

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

inline std::string ReplaceOnce(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

inline std::string PackSource() { return ReadFile(kPackDir + "/model_deployment.arbiter"); }

// Version 1 of the policies: the deployment window closes at 18:00.
inline std::string ChangedSource() {
  return ReplaceOnce(PackSource(), R"(context.now.toTime() >= duration("17h"))",
                     R"(context.now.toTime() >= duration("18h"))");
}

// The what-if candidate: version 0 without the high-risk approval rule.
inline std::string CandidateSources() {
  std::string text = PackSource();
  size_t rule = text.find("forbid high_risk_without_approval {");
  REQUIRE(rule != std::string::npos);
  // The rule and the annotation lines right above it.
  size_t begin = rule;
  while (begin > 0) {
    size_t line = text.rfind('\n', begin - 2);
    line = line == std::string::npos ? 0 : line + 1;
    if (text.compare(line, 1, "@") != 0) break;
    begin = line;
  }
  size_t end = text.find("\n}\n", rule);
  REQUIRE(end != std::string::npos);
  return text.erase(begin, end + 3 - begin);
}

inline Engine CompilePack(const std::string& source) {
  CompileOptions options;
  options.schema_text = ReadFile(kPackDir + "/schema.arbiterschema");
  CompileResult r = Engine::CompileSources({{"model_deployment.arbiter", source}}, options);
  INFO(r.FormattedDiagnostics());
  REQUIRE(r.ok());
  return std::move(*r.engine);
}

// The @control values of a rule, as annotated in the pack.
inline std::vector<std::string> RuleControls(const Engine& engine, const std::string& rule) {
  std::vector<std::string> controls;
  for (const RuleInfo& r : engine.rules()) {
    if (r.id != rule) continue;
    for (const auto& [key, value] : r.annotations) {
      if (key == "control") controls.push_back(value);
    }
  }
  return controls;
}

inline ledger::SigningKey TestKey() {
  std::array<uint8_t, 32> seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(3 * i + 1);
  auto key = ledger::SigningKey::FromSeed("audit.test/ledger", seed);
  REQUIRE(key.ok());
  return std::move(key).value();
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& name) {
    static int counter = 0;
    path = (std::filesystem::temp_directory_path() /
            ("arbiter-audit-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) +
             "-" + name))
               .string();
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

struct RecordedDecision {
  uint64_t seq = 0;
  std::string id;
  std::string request;
  bool allow = false;
  int version = 0;  // 0: the pack as shipped; 1: after the change
};

inline std::string DeployRequest(const std::string& user, const std::string& model,
                                 const std::string& environment, bool approved) {
  nlohmann::json request = {
      {"subject", {{"type", "User"}, {"id", user}}},
      {"action", {{"name", "deploy"}}},
      {"resource", {{"type", "Model"}, {"id", model}}},
      {"context",
       {{"environment", environment},
        {"now", {{"__extn", {{"fn", "datetime"}, {"arg", "2026-11-26T10:30:00Z"}}}}},
        {"evidence", nlohmann::json::array()}}}};
  if (approved) {
    request["context"]["evidence"].push_back(
        {{"kind", "approval"}, {"role", "risk-officer"}, {"approver", "dana@example.com"}});
  }
  return request.dump();
}

struct Fixture {
  std::unique_ptr<ledger::Ledger> ledger;
  Engine engine0 = CompilePack(PackSource());
  Engine engine1 = CompilePack(ChangedSource());
  std::string data0_json = ReadFile(kPackDir + "/entities.json");
  std::string data1_json;
  EntityStore data0, data1;
  std::string data0_digest, data1_digest;
  std::vector<RecordedDecision> decisions;
  std::vector<uint64_t> activations;
  uint64_t evidence_seq = 0;

  Fixture() {
    ledger::LedgerOptions options;
    options.signing_key = std::make_shared<const ledger::SigningKey>(TestKey());
    options.checkpoint_every_entries = 16;
    options.checkpoint_every_ms = 0;
    auto opened = ledger::Ledger::OpenWithStorage(ledger::NewMemoryStorage(), options);
    REQUIRE(opened.ok());
    ledger = std::move(opened).value();

    nlohmann::json data = nlohmann::json::parse(data0_json);
    data.push_back({{"uid", {{"type", "User"}, {"id", "erin"}}},
                    {"attrs", {{"email", "erin@example.com"}}},
                    {"parents", {{{"type", "Team"}, {"id", "credit-risk-ml"}}}}});
    data1_json = data.dump(2);
    auto store0 = EntityStore::FromJson(data0_json);
    auto store1 = EntityStore::FromJson(data1_json);
    REQUIRE(store0.ok());
    REQUIRE(store1.ok());
    data0 = std::move(store0).value();
    data1 = std::move(store1).value();

    Activate(engine0, data0_json, &data0_digest, "pack as shipped");
    const std::vector<std::string> models = {"fraud-detector-v3", "credit-scorer-v2",
                                             "ticket-router-v0", "claims-explainer-v1"};
    for (const char* user : {"alice", "bob", "dana"}) {
      for (const auto& model : models) {
        for (const char* env : {"production", "staging"}) {
          for (bool approved : {false, true}) {
            Decide(engine0, data0, data0_digest, DeployRequest(user, model, env, approved), 0);
          }
        }
      }
    }
    // A risk officer's approval of two of them.
    ledger::EvidenceRecord approval;
    approval.decision_ids = {decisions[1].id, decisions[2].id};
    approval.type = "approval";
    approval.author = "dana";
    approval.body = {{"role", "risk-officer"}, {"note", "reviewed the evaluation report"}};
    auto evidence = approval.ToRecord();
    REQUIRE(evidence.ok());
    auto evidence_receipt = ledger->Append(std::move(evidence).value());
    REQUIRE(evidence_receipt.ok());
    evidence_seq = evidence_receipt->seq;
    Activate(engine1, data1_json, &data1_digest, "window to 18:00; erin joins credit risk");
    for (const char* user : {"alice", "bob", "dana", "erin", "bob"}) {
      for (const auto& model : models) {
        for (const std::string env : {"production", "staging", "production"}) {
          Decide(engine1, data1, data1_digest, DeployRequest(user, model, env, env == "staging"),
                 1);
        }
      }
    }
  }

  void Activate(const Engine& engine, const std::string& data_json, std::string* digest,
                const std::string& reason) {
    auto recorded = recorder::EnsureDataRecorded(*ledger, data_json);
    REQUIRE(recorded.ok());
    *digest = *recorded;
    auto record = recorder::MakePolicyRecord(engine, "audit test", reason, *digest);
    REQUIRE(record.ok());
    auto receipt = ledger->Append(std::move(record).value());
    REQUIRE(receipt.ok());
    activations.push_back(receipt->seq);
  }

  void Decide(const Engine& engine, const EntityStore& data, const std::string& digest,
              const std::string& request, int version) {
    auto decision = engine.DecideJson(request, data);
    REQUIRE(decision.ok());
    recorder::DecisionRecordOptions options;
    options.engine = &engine;
    options.data_digest = digest;
    auto receipt = recorder::RecordDecision(*ledger, *decision, request, options);
    REQUIRE(receipt.ok());
    decisions.push_back({receipt->seq, receipt->decision_id, request, decision->allow, version});
  }

  const RecordedDecision& FirstDenied() const {
    for (const auto& d : decisions) {
      if (!d.allow && d.version == 0) return d;
    }
    FAIL("no denied decision");
    return decisions.front();
  }
};

}  // namespace arbiter::audit::testing
