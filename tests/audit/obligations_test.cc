// Obligations followed up (spec/audit.md): require_evidence obligations of the stdlib's
// model-deployment pack, discharged only by evidence of the right type from the right role.
#include "tests/audit/audit_fixture.h"

#include "audit/obligations.h"
#include "ledger/entry.h"

using namespace arbiter;
using namespace arbiter::audit::testing;

namespace {

// The decisions whose recorded obligations include require_evidence, read from the entries
// directly (not through the code under test).
std::vector<std::string> DecisionsWithRequirement(const ledger::Ledger& ledger) {
  std::vector<std::string> ids;
  for (uint64_t seq = 0; seq < ledger.Size(); ++seq) {
    auto entry = ledger.Get(seq);
    REQUIRE(entry.ok());
    nlohmann::json e = nlohmann::json::parse(entry->raw);
    if (e["kind"] != "decision") continue;
    for (const auto& o : e["payload"]["obligations"]) {
      if (o["name"] == "require_evidence") ids.push_back(e["payload"]["decision_id"]);
    }
  }
  return ids;
}

void Link(ledger::Ledger& ledger, const std::string& decision_id, const std::string& type,
          std::vector<std::string> roles) {
  ledger::EvidenceRecord e;
  e.decision_ids = {decision_id};
  e.type = type;
  e.author = "someone";
  e.author_roles = std::move(roles);
  auto record = e.ToRecord();
  REQUIRE(record.ok());
  REQUIRE(ledger.Append(std::move(record).value()).ok());
}

std::string DaysFromNow(int days) {
  auto now = ledger::ParseTime(ledger::NowTime());
  REQUIRE(now);
  return ledger::FormatTime(*now + int64_t{days} * 86400 * 1000000);
}

}  // namespace

TEST_CASE("obligations: require_evidence is open, then overdue, unless the right evidence came") {
  Fixture f;
  std::vector<std::string> ids = DecisionsWithRequirement(*f.ledger);
  // The fixture's one high-risk production deployment by the owner team, approved; three
  // more like it.
  REQUIRE(ids.size() == 1);
  for (const RecordedDecision& d : std::vector<RecordedDecision>(f.decisions)) {
    if (d.id != ids[0]) continue;
    for (int i = 0; i < 3; ++i) f.Decide(f.engine0, f.data0, f.data0_digest, d.request, 0);
  }
  ids = DecisionsWithRequirement(*f.ledger);
  REQUIRE(ids.size() == 4);

  Link(*f.ledger, ids[0], "monitoring_report", {"model-owner", "decide"});  // discharges
  Link(*f.ledger, ids[1], "monitoring_report", {"auditor"});                // wrong role
  Link(*f.ledger, ids[2], "approval", {"model-owner"});                     // wrong type
  Link(*f.ledger, ids[3], "monitoring_report", {});  // no checked roles: not the owners

  auto history = audit::History::FromLedger(*f.ledger);
  auto now = audit::FollowObligations(*history, history->All(), DaysFromNow(0));
  REQUIRE(now.ok());
  CHECK(now->obligations.size() == ids.size());
  CHECK(now->discharged == 1);
  CHECK(now->open == ids.size() - 1);
  CHECK(now->overdue == 0);
  const audit::FollowedObligation& first = now->obligations.front();
  CHECK(first.decision_id == ids[0]);
  CHECK(first.state == audit::ObligationState::kDischarged);
  CHECK(first.requirement.type == "monitoring_report");
  CHECK(first.requirement.role == "model-owner");
  CHECK(first.requirement.within_seconds == 30 * 86400);
  CHECK(first.rule == "ai.model_deployment.high_risk_monitored");
  CHECK(std::find(first.controls.begin(), first.controls.end(), "EU AI Act Art. 72") !=
        first.controls.end());
  REQUIRE(first.evidence_seq.has_value());
  CHECK(first.evidence_author == "someone");
  CHECK(first.due > first.decided_at);

  // A month later the others are overdue; the discharged one stays discharged.
  auto later = audit::FollowObligations(*history, history->All(), DaysFromNow(31));
  REQUIRE(later.ok());
  CHECK(later->discharged == 1);
  CHECK(later->overdue == ids.size() - 1);
  CHECK(later->open == 0);
  nlohmann::json json = nlohmann::json::parse(later->ToJson(audit::ObligationState::kOverdue));
  CHECK(json["counts"]["overdue"] == ids.size() - 1);
  CHECK(json["obligations"].size() == ids.size() - 1);
  for (const auto& o : json["obligations"]) CHECK(o["decision_id"] != ids[0]);
  CHECK(later->ToText().find("overdue") != std::string::npos);

  // A range that holds only the first of them.
  auto first_seq = f.ledger->FindDecision(ids[0]);
  REQUIRE(first_seq.ok());
  REQUIRE(first_seq->has_value());
  auto one = audit::FollowObligations(*history, {**first_seq, **first_seq}, DaysFromNow(31));
  REQUIRE(one.ok());
  CHECK(one->obligations.size() == 1);
  CHECK(one->discharged == 1);
}

TEST_CASE("obligations: a payload that does not say what it needs is listed with the problem") {
  nlohmann::json o = {{"name", "require_evidence"},
                      {"rule", "p.r"},
                      {"payload", {{"type", "approval"}, {"within", "soon"}}}};
  auto r = audit::ReadEvidenceRequirement(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("within") != std::string::npos);
  o["payload"] = {{"role", "x"}};
  CHECK_FALSE(audit::ReadEvidenceRequirement(o).ok());
  o["advice"] = true;  // advice is not followed up
  auto advice = audit::ReadEvidenceRequirement(o);
  REQUIRE(advice.ok());
  CHECK_FALSE(advice->has_value());
  o = {{"name", "notify"}, {"payload", nullptr}};
  auto other = audit::ReadEvidenceRequirement(o);
  REQUIRE(other.ok());
  CHECK_FALSE(other->has_value());
  CHECK(audit::ParseObligationDuration("1d12h").value() == 36 * 3600);
  CHECK_FALSE(audit::ParseObligationDuration("-1h").ok());
  CHECK_FALSE(audit::ParseObligationDuration("0h").ok());
  CHECK_FALSE(audit::ParseObligationDuration("1500ms").ok());
}

TEST_CASE("obligations: entry times read and written exactly") {
  auto t = ledger::ParseTime("2026-12-08T01:02:03.456789Z");
  REQUIRE(t);
  CHECK(ledger::FormatTime(*t) == "2026-12-08T01:02:03.456789Z");
  CHECK(ledger::FormatTime(*ledger::ParseTime("2026-12-08T00:00:00Z")) ==
        "2026-12-08T00:00:00.000000Z");
  CHECK_FALSE(ledger::ParseTime("2026-12-08"));
  CHECK_FALSE(ledger::ParseTime("2026-13-08T00:00:00Z"));
  CHECK_FALSE(ledger::ParseTime("2026-12-08T00:00:00.1234567Z"));
}
