// A bundle an auditor takes away (issue 15): exported from the ai-model-deployment ledger
// filtered by one control, it verifies, holds exactly the decisions under that control with
// the evidence naming them, and replays (100% reproduced) and shows decisions from the
// bundle alone: the policy and data entries they were decided with travel as dependencies.
#include <arbiter/ledger.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "audit/decision_view.h"
#include "audit/replay.h"
#include "tests/audit/audit_fixture.h"

using namespace arbiter;
using namespace arbiter::audit;
using namespace arbiter::audit::testing;

namespace {

nlohmann::json PayloadAt(const ledger::Ledger& ledger, uint64_t seq) {
  auto entry = ledger.Get(seq);
  REQUIRE(entry.ok());
  return nlohmann::json::parse(entry->raw)["payload"];
}

bool HasControl(const nlohmann::json& payload, const std::string& control) {
  for (const auto& c : payload.value("controls", nlohmann::json::array())) {
    if (c == control) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a bundle filtered by one control verifies, replays and shows from the bundle alone") {
  Fixture f;
  REQUIRE(f.ledger->MakeCheckpoint().ok());
  // A control of a decision the fixture's approval names, so its evidence must travel: of
  // those, the one fewest decisions fall under.
  std::string control, approved_id;
  std::set<std::string> expected;
  for (size_t i : {1, 2}) {
    for (const auto& c :
         PayloadAt(*f.ledger, f.decisions[i].seq).value("controls", nlohmann::json::array())) {
      std::set<std::string> under;
      for (const auto& d : f.decisions) {
        if (HasControl(PayloadAt(*f.ledger, d.seq), c.get<std::string>())) under.insert(d.id);
      }
      if (control.empty() || under.size() < expected.size()) {
        control = c.get<std::string>();
        approved_id = f.decisions[i].id;
        expected = std::move(under);
      }
    }
  }
  REQUIRE(!control.empty());
  bool version0 = false, version1 = false;
  for (const auto& d : f.decisions) {
    if (expected.count(d.id)) (d.version == 0 ? version0 : version1) = true;
  }
  INFO("control " << control << ": " << expected.size() << " of " << f.decisions.size());
  REQUIRE(expected.size() < f.decisions.size());

  TempFile bundle("control.bundle");
  {
    std::ofstream out(bundle.path, std::ios::binary);
    ledger::ExportOptions options;
    options.format = ledger::ExportOptions::Format::kBundle;
    options.decisions.controls = {control};
    // From the first decision on: the data and the first activation lie before the range.
    options.from = std::to_string(f.decisions.front().seq);
    REQUIRE(f.ledger->Export(options, out).ok());
  }
  auto trusted = std::vector<ledger::VerifierKey>{ledger::VerifierKey::FromSigningKey(TestKey())};
  {
    std::ifstream in(bundle.path, std::ios::binary);
    auto report = ledger::VerifyExportBundle(in, trusted);
    INFO(report.Summary());
    REQUIRE(report.ok);
    CHECK(report.entries == expected.size());
  }

  // Exactly the matching decisions, and as dependencies the activations and data versions
  // they used and the approval naming one of them.
  std::set<std::string> held;
  std::vector<uint64_t> dependencies;
  {
    std::ifstream in(bundle.path, std::ios::binary);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line);
      if (j.contains("dependency")) {
        dependencies.push_back(j["seq"]);
      } else if (j.contains("entry")) {
        auto entry = nlohmann::json::parse(j["entry"].get<std::string>());
        REQUIRE(entry["kind"] == "decision");
        held.insert(entry["payload"]["decision_id"].get<std::string>());
      }
    }
  }
  CHECK(held == expected);
  std::vector<uint64_t> wanted = {0};  // data version 0, recorded first
  if (version0) wanted.push_back(f.activations[0]);
  if (version1) {
    wanted.push_back(f.activations[1] - 1);  // data version 1, recorded right before it
    wanted.push_back(f.activations[1]);
  }
  wanted.push_back(f.evidence_seq);
  std::sort(wanted.begin(), wanted.end());
  CHECK(dependencies == wanted);

  auto history = History::FromBundle(bundle.path, trusted);
  REQUIRE(history.ok());
  auto report = Replay(**history, {});
  REQUIRE(report.ok());
  INFO(report->ToText());
  CHECK(report->decisions == expected.size());
  CHECK(report->same == expected.size());
  CHECK(report->reproduced_all());

  auto shown = DescribeDecision(**history, approved_id);
  REQUIRE(shown.ok());
  REQUIRE((*shown)["evidence"].size() == 1);
  CHECK((*shown)["evidence"][0]["seq"] == f.evidence_seq);
  CHECK((*shown)["policy"]["seq"] == f.activations[0]);
  CHECK((*shown)["data"]["digest"] == f.data0_digest);
  // A decision outside the filter is not in the bundle, though its evidence-free neighbours
  // share its policy.
  for (const auto& d : f.decisions) {
    if (expected.count(d.id)) continue;
    auto absent = DescribeDecision(**history, d.id);
    CHECK(absent.status().code() == StatusCode::kNotFound);
    break;
  }
}
