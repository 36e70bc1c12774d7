// The audit report (spec/audit.md, "Reports"): its per-control and per-rule counts equal the
// counts computed here independently from the ledger's jsonl export; filters narrow it; the
// HTML escapes recorded strings; an export bundle gives the same figures as the ledger.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <arbiter/arbiter.h>
#include <arbiter/ledger.h>

#include <map>
#include <set>
#include <sstream>

#include "audit/obligations.h"
#include "audit/report.h"
#include "recorder/recorder.h"
#include "tests/audit/audit_fixture.h"

using namespace arbiter;
using namespace arbiter::audit;
using namespace arbiter::audit::testing;

namespace {

struct Expected {
  std::map<std::string, std::map<std::string, uint64_t>> by_control;  // control -> outcome -> n
  std::map<std::string, std::map<std::string, uint64_t>> by_rule;
  uint64_t decisions = 0;
};

// The oracle: every decision entry of the jsonl export, bucketed by its controls (or
// "(no control)") and by the rules of its reasons; a deny with a reason rule that also erred
// is "fail_closed". `keep` selects decisions by their parsed payload.
Expected CountFromExport(const ledger::Ledger& ledger,
                         const std::function<bool(const nlohmann::json&)>& keep = {}) {
  std::stringstream out;
  REQUIRE(ledger.Export(ledger::ExportOptions{}, out).ok());
  Expected expected;
  std::string line;
  while (std::getline(out, line)) {
    auto entry = nlohmann::json::parse(line);
    if (entry["kind"] != "decision") continue;
    const auto& p = entry["payload"];
    if (keep && !keep(p)) continue;
    ++expected.decisions;
    std::set<std::string> reasons, errors;
    for (const auto& r : p["reasons"]) reasons.insert(r["rule"].get<std::string>());
    for (const auto& r : p["errors"]) errors.insert(r["rule"].get<std::string>());
    std::string outcome = p["decision"];
    if (outcome == "deny") {
      for (const auto& r : reasons) {
        if (errors.count(r)) outcome = "fail_closed";
      }
    }
    std::vector<std::string> controls;
    if (p.contains("controls")) controls = p["controls"].get<std::vector<std::string>>();
    if (controls.empty()) controls.push_back("(no control)");
    for (const auto& c : controls) ++expected.by_control[c][outcome];
    for (const auto& r : reasons) ++expected.by_rule[r][outcome];
  }
  return expected;
}

void CheckCounts(const nlohmann::json& report, const Expected& expected) {
  CHECK(report["totals"]["decisions"] == expected.decisions);
  REQUIRE(report["controls"].size() == expected.by_control.size());
  for (const auto& c : report["controls"]) {
    INFO("control " << c["name"]);
    auto it = expected.by_control.find(c["name"].get<std::string>());
    REQUIRE(it != expected.by_control.end());
    auto want = it->second;
    CHECK(c["allow"] == want["allow"]);
    CHECK(c["deny"] == want["deny"]);
    CHECK(c["fail_closed"] == want["fail_closed"]);
    CHECK(c["decisions"] == want["allow"] + want["deny"] + want["fail_closed"]);
    uint64_t per_day = 0;
    for (const auto& d : c["per_day"]) per_day += d["decisions"].get<uint64_t>();
    CHECK(per_day == c["decisions"]);
  }
  REQUIRE(report["rules"].size() == expected.by_rule.size());
  for (const auto& r : report["rules"]) {
    INFO("rule " << r["name"]);
    auto want = expected.by_rule.at(r["name"].get<std::string>());
    CHECK(r["allow"] == want["allow"]);
    CHECK(r["deny"] == want["deny"]);
    CHECK(r["fail_closed"] == want["fail_closed"]);
  }
}

nlohmann::json JsonReport(const History& history, const ReportOptions& options = {}) {
  auto figures = ComputeReport(history, options, {});
  REQUIRE(figures.ok());
  return nlohmann::json::parse(ReportToJson(*figures));
}

std::vector<ledger::VerifierKey> TrustedKeys() {
  return {ledger::VerifierKey::FromSigningKey(TestKey())};
}

// A small ledger with hand-written decisions: one that failed closed, one whose subject id
// is markup.
std::unique_ptr<ledger::Ledger> HandLedger() {
  ledger::LedgerOptions options;
  options.signing_key = std::make_shared<const ledger::SigningKey>(TestKey());
  auto opened = ledger::Ledger::OpenWithStorage(ledger::NewMemoryStorage(), options);
  REQUIRE(opened.ok());
  auto ledger = std::move(opened).value();
  auto append = [&](const std::string& subject, const std::string& decision,
                    const nlohmann::json& reasons, const nlohmann::json& errors,
                    std::vector<std::string> controls) {
    ledger::DecisionRecord d;
    d.request = {{"subject", {{"type", "User"}, {"id", subject}}},
                 {"action", {{"name", "read"}}},
                 {"resource", {{"type", "Doc"}, {"id", "d1"}}},
                 {"context", nlohmann::json::object()}};
    d.decision = decision;
    d.reasons = reasons;
    d.errors = errors;
    d.bundle_digest = "sha256:" + std::string(64, 'a');
    d.controls = std::move(controls);
    auto record = d.ToRecord();
    REQUIRE(record.ok());
    REQUIRE(ledger->Append(std::move(record).value()).ok());
  };
  nlohmann::json forbid = {{{"rule", "p.no_secrets"}, {"message", ""}}};
  append("alice", "deny", forbid, {{{"rule", "p.no_secrets"}, {"message", "attribute missing"}}},
         {"C<1>"});
  append("bob", "deny", forbid, nlohmann::json::array(), {"C<1>"});
  append("<script>alert(1)</script>", "allow", {{{"rule", "p.readers"}, {"message", ""}}},
         nlohmann::json::array(), {});
  REQUIRE(ledger->MakeCheckpoint().ok());
  return ledger;
}

}  // namespace

TEST_CASE("report: per-control and per-rule counts equal the export's") {
  Fixture f;
  auto history = History::FromLedger(*f.ledger);
  auto report = JsonReport(*history);
  CHECK(report["totals"]["decisions"] == f.decisions.size());
  CheckCounts(report, CountFromExport(*f.ledger));
  CHECK(report["range"]["first"] == 0);
  CHECK(report["range"]["last"] == f.ledger->Size() - 1);
}

TEST_CASE("report: fail-closed denials are their own outcome; no control has its bucket") {
  auto ledger = HandLedger();
  auto history = History::FromLedger(*ledger);
  auto report = JsonReport(*history);
  CheckCounts(report, CountFromExport(*ledger));
  REQUIRE(report["controls"].size() == 2);
  CHECK(report["controls"][0]["name"] == "C<1>");
  CHECK(report["controls"][0]["fail_closed"] == 1);
  CHECK(report["controls"][0]["deny"] == 1);
  CHECK(report["controls"][1]["name"] == "(no control)");
  CHECK(report["controls"][1]["allow"] == 1);
  CHECK(report["totals"]["fail_closed"] == 1);
}

TEST_CASE("report: filters narrow the decisions counted") {
  Fixture f;
  auto history = History::FromLedger(*f.ledger);
  const std::string control = "EU AI Act Art. 9";

  ReportOptions by_control;
  by_control.decisions.controls = {control};
  auto report = JsonReport(*history, by_control);
  auto expected = CountFromExport(*f.ledger, [&](const nlohmann::json& p) {
    if (!p.contains("controls")) return false;
    for (const auto& c : p["controls"]) {
      if (c == control) return true;
    }
    return false;
  });
  REQUIRE(expected.decisions > 0);
  REQUIRE(expected.decisions < f.decisions.size());
  CheckCounts(report, expected);

  ReportOptions denied;
  denied.decisions.decision = "deny";
  report = JsonReport(*history, denied);
  CHECK(report["totals"]["allow"] == 0);
  CheckCounts(report, CountFromExport(*f.ledger, [](const nlohmann::json& p) {
                return p["decision"] == "deny";
              }));

  ReportOptions by_subject;
  by_subject.decisions.subject = R"(User::"erin")";
  report = JsonReport(*history, by_subject);
  CheckCounts(report, CountFromExport(*f.ledger, [](const nlohmann::json& p) {
                return p["request"]["subject"]["id"] == "erin";
              }));
  CHECK(report["totals"]["decisions"] == 12);  // erin decides only under version 1

  // A range: the decisions after the policy change only.
  ReportOptions after_change;
  after_change.range.from = std::to_string(f.activations[1]);
  report = JsonReport(*history, after_change);
  size_t after = 0;
  for (const auto& d : f.decisions) after += d.seq > f.activations[1] ? 1 : 0;
  CHECK(report["totals"]["decisions"] == after);
  REQUIRE(report["policy_changes"].size() == 1);

  ReportOptions bad;
  bad.decisions.decision = "maybe";
  auto figures = ComputeReport(*history, bad, {});
  REQUIRE(!figures.ok());
  CHECK(figures.status().message().find("--decision") != std::string::npos);
}

TEST_CASE("report: evidence coverage, open corrections and the policy timeline") {
  Fixture f;
  // A reviewer says a denied decision should have been allowed: an open correction; a review
  // that agrees with the record is not.
  const RecordedDecision& denied = f.FirstDenied();
  for (const char* expected : {"allow"}) {
    ledger::EvidenceRecord review;
    review.decision_ids = {denied.id};
    review.type = "review";
    review.author = "erin";
    review.body = {{"expected", expected}, {"reason", "the model was approved by mail"}};
    auto record = review.ToRecord();
    REQUIRE(record.ok());
    REQUIRE(f.ledger->Append(std::move(record).value()).ok());
  }
  auto history = History::FromLedger(*f.ledger);
  ReportOptions options;
  options.max_listed = 1000;
  auto report = JsonReport(*history, options);
  // The approval names decisions 1 and 2; the review names the denied one.
  std::set<std::string> with_evidence = {f.decisions[1].id, f.decisions[2].id, denied.id};
  CHECK(report["totals"]["with_evidence"] == with_evidence.size());
  CHECK(report["totals"]["open_corrections"] == 1);
  uint64_t corrections = 0, listed_with_evidence = 0;
  for (const auto& c : report["controls"]) {
    corrections += c["open_corrections"].get<uint64_t>();
    CHECK(c["more"] == 0);
    CHECK(c["listed"].size() == c["decisions"]);
    for (const auto& d : c["listed"]) {
      if (!d["evidence"].empty()) {
        ++listed_with_evidence;
        CHECK(with_evidence.count(d["decision_id"].get<std::string>()));
      }
      if (d["decision_id"] == denied.id) {
        CHECK(d["corrected_to"] == "allow");
        CHECK(d["evidence"].back()["type"] == "review");
      }
    }
  }
  CHECK(corrections >= 1);
  CHECK(listed_with_evidence >= with_evidence.size());

  REQUIRE(report["policy_changes"].size() == 2);
  const auto& first = report["policy_changes"][0];
  const auto& second = report["policy_changes"][1];
  CHECK(first["first"] == true);
  // The policy file and the schema it was compiled with.
  CHECK(first["added"] == nlohmann::json::array({"<schema>", "model_deployment.arbiter"}));
  CHECK(second["first"] == false);
  CHECK(second["changed"] == nlohmann::json::array({"model_deployment.arbiter"}));
  CHECK(second["added"].empty());
  CHECK(second["removed"].empty());
  CHECK(second["unchanged"] == 1);  // the schema
  CHECK(second["activated_by"] == "audit test");
  CHECK(second["reason"] == "window to 18:00; erin joins credit risk");

  // A cap on the listed decisions says how many more there are.
  ReportOptions capped;
  capped.max_listed = 5;
  report = JsonReport(*history, capped);
  for (const auto& c : report["controls"]) {
    CHECK(c["listed"].size() == std::min<uint64_t>(5, c["decisions"]));
    CHECK(c["listed"].size() + c["more"].get<uint64_t>() == c["decisions"]);
  }
}

TEST_CASE("report: verification states the key, the latest checkpoint and the unsigned tail") {
  Fixture f;
  auto keys = TrustedKeys();
  VerificationStatus v = VerifyLedgerForReport(*f.ledger, keys);
  CHECK(v.checked);
  CHECK(v.ok);
  CHECK(v.entries == f.ledger->Size());
  CHECK(v.signed_size > 0);
  CHECK(v.signed_size + v.unsigned_tail == f.ledger->Size());
  CHECK(!v.checkpoint_time.empty());
  REQUIRE(v.keys.size() == 1);
  CHECK(v.keys[0] == keys[0].Text());

  VerificationStatus unchecked = VerifyLedgerForReport(*f.ledger, {});
  CHECK(!unchecked.checked);
  CHECK(!unchecked.ok);
  CHECK(unchecked.summary.find("--key") != std::string::npos);

  // A key that did not sign it: checked, and failed.
  auto other = ledger::SigningKey::Generate("someone.else/ledger");
  REQUIRE(other.ok());
  VerificationStatus wrong =
      VerifyLedgerForReport(*f.ledger, {ledger::VerifierKey::FromSigningKey(*other)});
  CHECK(wrong.checked);
  CHECK(!wrong.ok);
  CHECK(!wrong.problem.empty());

  auto history = History::FromLedger(*f.ledger);
  auto figures = ComputeReport(*history, {}, v);
  REQUIRE(figures.ok());
  auto json = nlohmann::json::parse(ReportToJson(*figures));
  CHECK(json["verification"]["ok"] == true);
  CHECK(json["verification"]["latest_checkpoint"]["size"] == v.signed_size);
  std::string html = ReportToHtml(*figures);
  CHECK(html.find("data-verified=\"true\"") != std::string::npos);
  CHECK(html.find(keys[0].Text()) != std::string::npos);
}

TEST_CASE("report: the HTML escapes recorded strings and carries the figures") {
  auto ledger = HandLedger();
  auto history = History::FromLedger(*ledger);
  auto figures = ComputeReport(*history, {}, VerifyLedgerForReport(*ledger, TrustedKeys()));
  REQUIRE(figures.ok());
  std::string html = ReportToHtml(*figures);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("data-control=\"C&lt;1&gt;\" data-allow=\"0\" data-deny=\"1\" "
                  "data-fail-closed=\"1\" data-total=\"2\"") != std::string::npos);
  CHECK(html.find("href=\"#control-c-1\"") != std::string::npos);
  CHECK(html.find("id=\"control-c-1\"") != std::string::npos);
  // Self-contained: no URL to anything outside the page.
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  // Every in-page link has its target.
  size_t at = 0;
  while ((at = html.find("href=\"#", at)) != std::string::npos) {
    at += 7;
    std::string target = html.substr(at, html.find('"', at) - at);
    INFO(target);
    CHECK(html.find("id=\"" + target + "\"") != std::string::npos);
  }

  std::string csv = ReportToCsv(*figures);
  CHECK(csv.find("control,C<1>,,0,1,1,2,0,0\r\n") != std::string::npos);
  CHECK(csv.find("rule,p.no_secrets,,0,1,1,2,,\r\n") != std::string::npos);
  CHECK(csv.find("total,,,1,1,1,3,0,0\r\n") != std::string::npos);
}

TEST_CASE("report: an export bundle gives the figures the ledger gives") {
  Fixture f;
  // A bundle holds the entries its checkpoint covers: sign them all first.
  REQUIRE(f.ledger->MakeCheckpoint().ok());
  TempFile bundle("report.bundle");
  {
    std::ofstream out(bundle.path, std::ios::binary);
    ledger::ExportOptions options;
    options.format = ledger::ExportOptions::Format::kBundle;
    REQUIRE(f.ledger->Export(options, out).ok());
  }
  auto trusted = TrustedKeys();
  auto from_bundle = History::FromBundle(bundle.path, trusted);
  REQUIRE(from_bundle.ok());
  auto from_ledger = History::FromLedger(*f.ledger);
  auto a = JsonReport(**from_bundle);
  auto b = JsonReport(*from_ledger);
  CHECK(a["controls"] == b["controls"]);
  CHECK(a["rules"] == b["rules"]);
  CHECK(a["totals"] == b["totals"]);
  CHECK(a["policy_changes"] == b["policy_changes"]);

  VerificationStatus v = VerifyBundleForReport(bundle.path, **from_bundle, trusted);
  CHECK(v.ok);
  CHECK(v.signed_size > 0);
  VerificationStatus own = VerifyBundleForReport(bundle.path, **from_bundle, {});
  CHECK(own.ok);
  REQUIRE(own.keys.size() == 1);
  CHECK(own.keys[0].find("the bundle's own key") != std::string::npos);
}

TEST_CASE("report: obligations are the follow-up's, narrowed by the filter") {
  Fixture f;
  auto history = History::FromLedger(*f.ledger);
  const std::string now = "2030-01-01T00:00:00Z";
  auto direct = FollowObligations(*history, history->All(), now);
  REQUIRE(direct.ok());
  REQUIRE(!direct->obligations.empty());  // the pack's rules ask for evidence

  ReportOptions options;
  options.now = now;
  auto figures = ComputeReport(*history, options, {});
  REQUIRE(figures.ok());
  CHECK(figures->obligations.overdue == direct->overdue);
  CHECK(figures->obligations.open == direct->open);
  CHECK(figures->obligations.discharged == direct->discharged);
  // Listed: those that need attention (not discharged in time), in decision order.
  std::vector<uint64_t> attention;
  for (const auto& o : direct->obligations) {
    if (o.state != ObligationState::kDischarged) attention.push_back(o.decision_seq);
  }
  REQUIRE(!attention.empty());
  std::vector<uint64_t> listed;
  for (const auto& o : figures->obligations.obligations) listed.push_back(o.decision_seq);
  CHECK(listed == attention);
  CHECK(figures->obligations_more == 0);
  auto json = nlohmann::json::parse(ReportToJson(*figures));
  CHECK(json["obligations"]["counts"] == nlohmann::json::parse(direct->ToJson())["counts"]);
  CHECK(json["obligations"]["obligations"].size() == attention.size());

  ReportOptions capped = options;
  capped.max_obligations = 2;
  auto few = ComputeReport(*history, capped, {});
  REQUIRE(few.ok());
  CHECK(few->obligations.obligations.size() == std::min<size_t>(2, attention.size()));
  CHECK(few->obligations_more + few->obligations.obligations.size() == attention.size());
  std::string html = ReportToHtml(*figures);
  CHECK(html.find(fmt::format("data-obligations data-open=\"{}\" data-discharged=\"{}\" "
                              "data-discharged-late=\"{}\" data-overdue=\"{}\"",
                              direct->open, direct->discharged, direct->discharged_late,
                              direct->overdue)) != std::string::npos);

  // Only erin's decisions: only their obligations.
  options.decisions.subject = "erin";
  figures = ComputeReport(*history, options, {});
  REQUIRE(figures.ok());
  std::set<std::string> erins;
  for (const auto& d : f.decisions) {
    if (d.request.find("\"erin\"") != std::string::npos) erins.insert(d.id);
  }
  size_t expected = 0;
  for (const auto& o : direct->obligations) expected += erins.count(o.decision_id);
  CHECK(figures->obligations.obligations.size() <= expected);
  for (const auto& o : figures->obligations.obligations) CHECK(erins.count(o.decision_id));
  CHECK(expected < direct->obligations.size());
  uint64_t counted = figures->obligations.open + figures->obligations.overdue +
                     figures->obligations.discharged + figures->obligations.discharged_late;
  CHECK(counted == expected);
}
