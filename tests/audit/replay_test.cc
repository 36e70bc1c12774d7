// Replay: a ledger built from the ai-model-deployment pack (data, activations, decisions
// under two policy versions) is decided again from the ledger alone; a candidate that changes
// one rule reports exactly the decisions it changes; an export bundle replays the same.
#include <catch2/catch.hpp>

#include <arbiter/arbiter.h>
#include <arbiter/ledger.h>

#include <fstream>
#include <set>
#include <sstream>

#include "audit/decision_view.h"
#include "audit/replay.h"
#include "audit/review_cases.h"
#include "policytest/runner.h"
#include "recorder/recorder.h"
#include "tests/audit/audit_fixture.h"

using namespace arbiter;
using namespace arbiter::audit;
using namespace arbiter::audit::testing;

TEST_CASE("replay: every recorded decision is reproduced from the ledger alone") {
  Fixture f;
  auto history = History::FromLedger(*f.ledger);
  ReplayOptions options;
  auto report = Replay(*history, options);
  REQUIRE(report.ok());
  CHECK(report->decisions == f.decisions.size());
  CHECK(report->replayed == f.decisions.size());
  CHECK(report->same == f.decisions.size());
  CHECK(report->differ == 0);
  CHECK(report->not_replayable.empty());
  CHECK(report->reproduced_all());
  CHECK(report->ToText().find(std::to_string(f.decisions.size()) + " of " +
                              std::to_string(f.decisions.size()) + " reproduced") !=
        std::string::npos);
}

TEST_CASE("replay: decisions name their controls and their data version") {
  Fixture f;
  auto history = History::FromLedger(*f.ledger);
  size_t with_controls = 0;
  std::set<std::string> data_versions;
  REQUIRE(history
              ->Scan(history->All(), {"decision"},
                     [&](const AuditEntry& e) {
                       if (e.payload.contains("controls")) ++with_controls;
                       data_versions.insert(e.payload.value("data", ""));
                       return Status::Ok();
                     })
              .ok());
  CHECK(with_controls > 0);
  CHECK(data_versions.size() == 2);  // the pack's data, then the changed data
  CHECK(!data_versions.count(""));
  // The denial by high_risk_without_approval falls under the controls the rule carries.
  const auto rule_controls =
      RuleControls(f.engine0, "ai.model_deployment.high_risk_without_approval");
  REQUIRE(!rule_controls.empty());
  bool found = false;
  REQUIRE(history
              ->Scan(history->All(), {"decision"},
                     [&](const AuditEntry& e) {
                       for (const auto& r : e.payload["reasons"]) {
                         if (r["rule"] == "ai.model_deployment.high_risk_without_approval") {
                           found = true;
                           auto controls = e.payload["controls"];
                           for (const auto& c : rule_controls) {
                             CHECK(std::find(controls.begin(), controls.end(), c) !=
                                   controls.end());
                           }
                         }
                       }
                       return Status::Ok();
                     })
              .ok());
  CHECK(found);
}

TEST_CASE("replay: a candidate that changes one rule reports exactly the decisions it changes") {
  Fixture f;
  auto candidate = CompilePack(CandidateSources());
  // What the candidate would decide, computed here one request at a time.
  std::set<uint64_t> expected;
  uint64_t to_allow = 0;
  for (const RecordedDecision& d : f.decisions) {
    auto now = candidate.DecideJson(d.request, d.version == 0 ? f.data0 : f.data1);
    REQUIRE(now.ok());
    if (now->allow != d.allow) {
      expected.insert(d.seq);
      to_allow += now->allow;
    }
  }
  REQUIRE(!expected.empty());
  REQUIRE(expected.size() < f.decisions.size());

  auto history = History::FromLedger(*f.ledger);
  ReplayOptions options;
  options.candidate = &candidate;
  options.max_examples = 1000;
  auto report = Replay(*history, options);
  REQUIRE(report.ok());
  CHECK(report->candidate);
  CHECK(report->replayed == f.decisions.size());
  CHECK(report->differ == expected.size());
  CHECK(report->deny_to_allow == to_allow);
  std::set<uint64_t> reported;
  for (const auto& d : report->examples) reported.insert(d.seq);
  CHECK(reported == expected);
  // Grouped by the rule that was removed and by its controls.
  const ImpactGroup* removed = nullptr;
  for (const auto& g : report->by_rule) {
    if (g.name == "ai.model_deployment.high_risk_without_approval") removed = &g;
  }
  REQUIRE(removed != nullptr);
  CHECK(removed->changed == expected.size());
  CHECK(removed->deny_to_allow == expected.size());
  const auto rule_controls =
      RuleControls(f.engine0, "ai.model_deployment.high_risk_without_approval");
  REQUIRE(!rule_controls.empty());
  CHECK(removed->controls == rule_controls);
  for (const auto& c : rule_controls) {
    bool listed = false;
    for (const auto& g : report->by_control) listed |= g.name == c && g.changed == expected.size();
    CHECK(listed);
  }
  auto json = nlohmann::json::parse(report->ToJson());
  CHECK(json["mode"] == "candidate");
  CHECK(json["differ"] == expected.size());
}

TEST_CASE("replay: a record that disagrees with its policy is reported as a difference") {
  Fixture f;
  // Append a decision whose record claims allow where the recorded policy denies.
  const RecordedDecision& denied = f.FirstDenied();
  auto decision = f.engine0.DecideJson(denied.request, f.data0);
  REQUIRE(decision.ok());
  decision->allow = true;
  decision->reasons.clear();
  recorder::DecisionRecordOptions record_options;
  record_options.engine = &f.engine0;
  record_options.data_digest = f.data0_digest;
  auto receipt = recorder::RecordDecision(*f.ledger, *decision, denied.request, record_options);
  REQUIRE(receipt.ok());

  auto history = History::FromLedger(*f.ledger);
  auto report = Replay(*history, {});
  REQUIRE(report.ok());
  CHECK(report->differ == 1);
  CHECK(!report->reproduced_all());
  REQUIRE(report->examples.size() == 1);
  CHECK(report->examples[0].seq == receipt->seq);
  CHECK(report->examples[0].recorded.decision == "allow");
  CHECK(report->examples[0].replayed.decision == "deny");
  CHECK(report->ToText().find("differs from the record") != std::string::npos);
}

TEST_CASE("replay: ranges and decision ids select what is replayed") {
  Fixture f;
  auto history = History::FromLedger(*f.ledger);
  ReplayOptions options;
  options.range.from = std::to_string(f.decisions[3].seq);
  options.range.to = std::to_string(f.decisions[5].seq);
  auto report = Replay(*history, options);
  REQUIRE(report.ok());
  CHECK(report->decisions == 3);
  CHECK(report->same == 3);

  ReplayOptions by_id;
  by_id.decision_ids = {f.decisions[7].id};
  report = Replay(*history, by_id);
  REQUIRE(report.ok());
  CHECK(report->decisions == 1);
  CHECK(report->same == 1);

  by_id.decision_ids = {"no-such-decision"};
  CHECK(Replay(*history, by_id).status().code() == StatusCode::kNotFound);
  ReplayOptions bad;
  bad.range.from = "yesterday";
  CHECK(Replay(*history, bad).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("replay: decisions whose request or policy is not recorded are counted, not guessed") {
  Fixture f;
  // A decision recorded as a digest only: its request is gone.
  const RecordedDecision& some = f.decisions[0];
  auto decision = f.engine0.DecideJson(some.request, f.data0);
  REQUIRE(decision.ok());
  recorder::DecisionRecordOptions digest_only;
  digest_only.request_digest_only = true;
  digest_only.engine = &f.engine0;
  digest_only.data_digest = f.data0_digest;
  REQUIRE(recorder::RecordDecision(*f.ledger, *decision, some.request, digest_only).ok());
  // A decision by a bundle no policy entry holds.
  auto stranger = CompilePack(CandidateSources());
  auto other = stranger.DecideJson(some.request, f.data0);
  REQUIRE(other.ok());
  recorder::DecisionRecordOptions plain;
  plain.data_digest = f.data0_digest;
  REQUIRE(recorder::RecordDecision(*f.ledger, *other, some.request, plain).ok());

  auto history = History::FromLedger(*f.ledger);
  auto report = Replay(*history, {});
  REQUIRE(report.ok());
  CHECK(report->decisions == f.decisions.size() + 2);
  CHECK(report->same == f.decisions.size());
  CHECK(report->not_replayable_count() == 2);
  CHECK(report->not_replayable.count("only a digest of its request is recorded") == 1);
  CHECK(report->not_replayable.count(
            "its policy bundle is not recorded (no policy entry holds its bytes)") == 1);
  CHECK(!report->reproduced_all());
}

TEST_CASE("replay: an export bundle replays offline exactly as the ledger does") {
  Fixture f;
  REQUIRE(f.ledger->MakeCheckpoint().ok());
  TempFile bundle("replay.bundle");
  {
    std::ofstream out(bundle.path, std::ios::binary);
    ledger::ExportOptions options;
    options.format = ledger::ExportOptions::Format::kBundle;
    REQUIRE(f.ledger->Export(options, out).ok());
  }
  auto trusted = std::vector<ledger::VerifierKey>{ledger::VerifierKey::FromSigningKey(TestKey())};
  auto history = History::FromBundle(bundle.path, trusted);
  REQUIRE(history.ok());
  auto report = Replay(**history, {});
  REQUIRE(report.ok());
  CHECK(report->decisions == f.decisions.size());
  CHECK(report->same == f.decisions.size());
  CHECK(report->reproduced_all());

  auto candidate = CompilePack(CandidateSources());
  ReplayOptions what_if;
  what_if.candidate = &candidate;
  auto from_bundle = Replay(**history, what_if);
  auto from_ledger = Replay(*History::FromLedger(*f.ledger), what_if);
  REQUIRE(from_bundle.ok());
  REQUIRE(from_ledger.ok());
  CHECK(from_bundle->differ == from_ledger->differ);

  // A damaged bundle is refused before anything is replayed.
  std::string text;
  {
    std::ifstream in(bundle.path, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  // Inside a bundle line the entry is a JSON string: its quotes are escaped.
  const std::string allow = R"(\"decision\":\"allow\")";
  size_t at = text.find(allow);
  REQUIRE(at != std::string::npos);
  text.replace(at, allow.size(), R"(\"decision\":\"deny\")");
  {
    std::ofstream out(bundle.path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  auto damaged = History::FromBundle(bundle.path, trusted);
  CHECK(damaged.status().code() == StatusCode::kCorruption);
}

TEST_CASE("show: a decision with its evidence, controls, activation and data version") {
  Fixture f;
  auto history = History::FromLedger(*f.ledger);
  auto shown = DescribeDecision(*history, f.decisions[1].id);
  REQUIRE(shown.ok());
  const nlohmann::json& j = *shown;
  CHECK(j["decision"]["seq"] == f.decisions[1].seq);
  REQUIRE(j["evidence"].size() == 1);
  CHECK(j["evidence"][0]["seq"] == f.evidence_seq);
  CHECK(j["evidence"][0]["payload"]["type"] == "approval");
  CHECK(j["policy"]["seq"] == f.activations[0]);
  CHECK(j["policy"]["reason"] == "pack as shipped");
  CHECK(j["data"]["digest"] == f.data0_digest);
  CHECK(j["controls"] == j["decision"]["payload"].value("controls", nlohmann::json::array()));
  // A later decision: the second activation, no evidence.
  auto later = DescribeDecision(*history, f.decisions.back().id);
  REQUIRE(later.ok());
  CHECK((*later)["policy"]["seq"] == f.activations[1]);
  CHECK((*later)["data"]["digest"] == f.data1_digest);
  CHECK((*later)["evidence"].empty());
  CHECK(DescribeDecision(*history, "nope").status().code() == StatusCode::kNotFound);
}

namespace {

std::vector<std::string> ReasonsOf(const arbiter::ledger::Ledger& ledger, uint64_t seq) {
  auto entry = ledger.Get(seq);
  REQUIRE(entry.ok());
  std::vector<std::string> rules;
  const nlohmann::json parsed = entry->ToJson();
  for (const auto& r : parsed["payload"]["reasons"]) rules.push_back(r["rule"]);
  return rules;
}

// Writes the pack's policy (as given) and schema next to the generated cases, and runs them.
arbiter::policytest::RunReport RunCases(const std::string& dir, const std::string& policy) {
  {
    std::ofstream(dir + "/model_deployment.arbiter") << policy;
    std::ofstream(dir + "/schema.arbiterschema") << ReadFile(kPackDir + "/schema.arbiterschema");
  }
  auto report = arbiter::policytest::RunTests({dir}, {});
  REQUIRE(report.ok());
  for (const auto& p : report->packs) {
    INFO(p.diagnostics_text);
    REQUIRE(p.ok);
  }
  return std::move(report).value();
}

}  // namespace

TEST_CASE("cases: a review that disagrees becomes a failing test until the policy is fixed") {
  Fixture f;
  // A deny by the high-risk approval rule alone, which a reviewer says should have been allowed,
  // and an allow a reviewer confirms.
  const RecordedDecision* wrong = nullptr;
  const RecordedDecision* right = nullptr;
  for (const auto& d : f.decisions) {
    auto rules = ReasonsOf(*f.ledger, d.seq);
    if (!wrong && !d.allow && d.version == 0 &&
        rules == std::vector<std::string>{"ai.model_deployment.high_risk_without_approval"}) {
      wrong = &d;
    }
    if (!right && d.allow && d.version == 0) right = &d;
  }
  REQUIRE(wrong != nullptr);
  REQUIRE(right != nullptr);
  auto review = [&](const RecordedDecision& d, const char* expected, const char* reason) {
    ledger::EvidenceRecord e;
    e.decision_ids = {d.id};
    e.type = "review";
    e.author = "claims-reviewer";
    e.body = {{"expected", expected}, {"reason", reason}};
    REQUIRE(CheckReviewBody(e.body).ok());
    auto record = e.ToRecord();
    REQUIRE(record.ok());
    REQUIRE(f.ledger->Append(std::move(record).value()).ok());
  };
  review(*wrong, "allow", "the owning team deploys \"credit-scorer-v2\"\nwith monitoring on");
  review(*right, "allow", "as it should be");
  CHECK(!CheckReviewBody({{"expected", "maybe"}, {"reason", "x"}}).ok());
  CHECK(!CheckReviewBody({{"expected", "deny"}}).ok());

  TempFile dir("cases");
  auto history = History::FromLedger(*f.ledger);
  auto written = WriteReviewCases(*history, {dir.path, ""});
  REQUIRE(written.ok());
  CHECK(written->reviews == 2);
  CHECK(written->cases == 2);
  CHECK(written->disagreeing == 1);
  CHECK(written->skipped.empty());
  REQUIRE(written->files.size() == 2);  // one test file, one data file

  // Against the recorded policy the correction fails and the confirmation passes.
  auto before = RunCases(dir.path, PackSource());
  CHECK(before.passed == 1);
  CHECK(before.failed == 1);
  for (const auto& t : before.tests) {
    if (!t.passed()) CHECK(t.name.find(std::string(wrong->id.substr(0, 8))) != std::string::npos);
  }
  // Fixed (the approval rule dropped), both pass.
  auto after = RunCases(dir.path, CandidateSources());
  CHECK(after.passed == 2);
  CHECK(after.failed == 0);

  // --control keeps only decisions under that control.
  TempFile none("cases-none");
  auto filtered = WriteReviewCases(*history, {none.path, "no such control"});
  REQUIRE(filtered.ok());
  CHECK(filtered->cases == 0);
}

TEST_CASE("cases: request values become Arbiter constants") {
  auto c = ArbiterConstant(nlohmann::json::parse(
      R"({"a":1,"b":1.5,"c":"q\"\n","d":[true,false],"e":{"__entity":{"type":"Ns::User","id":"x"}},)"
      R"("f":{"__extn":{"fn":"datetime","arg":"2026-01-01T00:00:00Z"}},"odd key":{}})"));
  REQUIRE(c.ok());
  CHECK(*c == R"({ a: 1, b: decimal("1.5"), c: "q\"\n", d: [true, false], e: Ns::User::"x", )"
              R"(f: datetime("2026-01-01T00:00:00Z"), "odd key": {} })");
  CHECK(!ArbiterConstant(nlohmann::json(nullptr)).ok());
}
