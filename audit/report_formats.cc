// `arbiter audit report --format json|csv`: the report's figures as data (spec/audit.md,
// "Reports", which gives both shapes).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "audit/report.h"

namespace arbiter::audit {
namespace {

nlohmann::json CountsJson(const OutcomeCounts& c) {
  return {{"allow", c.allow}, {"deny", c.deny}, {"fail_closed", c.fail_closed},
          {"decisions", c.total()}};
}

nlohmann::json Coverage(uint64_t with, uint64_t of) {
  if (of == 0) return nullptr;
  return static_cast<double>(with) / static_cast<double>(of);
}

nlohmann::json NullIfEmpty(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

nlohmann::json EvidenceJson(const EvidenceSummary& e) {
  return {{"seq", e.seq}, {"time", e.time}, {"type", e.type}, {"author", e.author},
          {"expected", NullIfEmpty(e.expected)}};
}

nlohmann::json ListedJson(const ListedDecision& d) {
  nlohmann::json evidence = nlohmann::json::array();
  for (const auto& e : d.evidence) evidence.push_back(EvidenceJson(e));
  return {{"seq", d.seq},
          {"decision_id", d.id},
          {"time", d.time},
          {"outcome", d.outcome},
          {"subject", NullIfEmpty(d.subject)},
          {"action", NullIfEmpty(d.action)},
          {"resource", NullIfEmpty(d.resource)},
          {"rules", d.rules},
          {"evidence", evidence},
          {"corrected_to", NullIfEmpty(d.corrected_to)}};
}

nlohmann::json FiltersJson(const ReportOptions& o) {
  const ledger::DecisionFilter& f = o.decisions;
  return {{"from", NullIfEmpty(o.range.from)}, {"to", NullIfEmpty(o.range.to)},
          {"controls", f.controls},            {"rules", f.rules},
          {"decision_ids", f.decision_ids},    {"subject", NullIfEmpty(f.subject)},
          {"action", NullIfEmpty(f.action)},   {"resource", NullIfEmpty(f.resource)},
          {"decision", NullIfEmpty(f.decision)}};
}

// RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled.
std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string ReportToJson(const ReportFigures& f) {
  const VerificationStatus& v = f.verification;
  nlohmann::json verification = {
      {"checked", v.checked},
      {"ok", v.ok},
      {"summary", v.summary},
      {"problem", NullIfEmpty(v.problem)},
      {"keys", v.keys},
      {"key_names", v.key_names},
      {"entries", v.entries},
      {"checkpoints", v.checkpoints},
      {"latest_checkpoint",
       v.signed_size == 0 ? nlohmann::json(nullptr)
                          : nlohmann::json{{"size", v.signed_size},
                                           {"time", NullIfEmpty(v.checkpoint_time)}}},
      {"unsigned_tail", v.unsigned_tail}};

  nlohmann::json totals = CountsJson(f.totals);
  totals["with_evidence"] = f.with_evidence;
  totals["evidence_coverage"] = Coverage(f.with_evidence, f.totals.total());
  totals["open_corrections"] = f.open_corrections;

  nlohmann::json controls = nlohmann::json::array();
  for (const ControlFigures& c : f.controls) {
    nlohmann::json item = CountsJson(c.counts);
    item["name"] = c.name;
    item["with_evidence"] = c.with_evidence;
    item["evidence_coverage"] = Coverage(c.with_evidence, c.counts.total());
    item["open_corrections"] = c.open_corrections;
    nlohmann::json days = nlohmann::json::array();
    for (const auto& [day, counts] : c.per_day) {
      nlohmann::json d = CountsJson(counts);
      d["day"] = day;
      days.push_back(std::move(d));
    }
    item["per_day"] = std::move(days);
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& d : c.listed) listed.push_back(ListedJson(d));
    item["listed"] = std::move(listed);
    item["more"] = c.more;
    controls.push_back(std::move(item));
  }

  nlohmann::json rules = nlohmann::json::array();
  for (const RuleFigures& r : f.rules) {
    nlohmann::json item = CountsJson(r.counts);
    item["name"] = r.name;
    item["controls"] = r.controls;
    rules.push_back(std::move(item));
  }

  // The shape `audit obligations --format json` prints (one truth for it).
  nlohmann::json obligations = nlohmann::json::parse(f.obligations.ToJson(), nullptr, false);
  obligations["more"] = f.obligations_more;

  nlohmann::json changes = nlohmann::json::array();
  for (const PolicyChange& p : f.policy_changes) {
    changes.push_back({{"seq", p.seq},
                       {"time", p.time},
                       {"activated_by", p.activated_by},
                       {"reason", NullIfEmpty(p.reason)},
                       {"bundle", p.bundle},
                       {"data", NullIfEmpty(p.data)},
                       {"first", p.first},
                       {"added", p.added},
                       {"removed", p.removed},
                       {"changed", p.changed},
                       {"unchanged", p.unchanged}});
  }

  nlohmann::json report = {
      {"format", "arbiter-audit-report"},
      {"version", 1},
      {"source", f.source},
      {"generated_at", f.generated_at},
      {"range", f.range.empty() ? nlohmann::json(nullptr)
                                : nlohmann::json{{"first", f.range.first}, {"last", f.range.last}}},
      {"filters", FiltersJson(f.options)},
      {"verification", std::move(verification)},
      {"totals", std::move(totals)},
      {"controls", std::move(controls)},
      {"rules", std::move(rules)},
      {"obligations", std::move(obligations)},
      {"policy_changes", std::move(changes)}};
  // Recorded strings are valid UTF-8 in a well-formed ledger; a damaged one must not throw.
  return report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string ReportToCsv(const ReportFigures& f) {
  std::string out =
      "section,name,day,allow,deny,fail_closed,decisions,with_evidence,open_corrections\r\n";
  auto row = [&out](std::string_view section, std::string_view name, std::string_view day,
                    const OutcomeCounts& c, std::string with_evidence,
                    std::string open_corrections) {
    out += fmt::format("{},{},{},{},{},{},{},{},{}\r\n", section, CsvField(name), day, c.allow,
                       c.deny, c.fail_closed, c.total(), with_evidence, open_corrections);
  };
  row("total", "", "", f.totals, std::to_string(f.with_evidence),
      std::to_string(f.open_corrections));
  for (const ControlFigures& c : f.controls) {
    row("control", c.name, "", c.counts, std::to_string(c.with_evidence),
        std::to_string(c.open_corrections));
  }
  for (const RuleFigures& r : f.rules) row("rule", r.name, "", r.counts, "", "");
  for (const ControlFigures& c : f.controls) {
    for (const auto& [day, counts] : c.per_day) row("day", c.name, day, counts, "", "");
  }
  return out;
}

}  // namespace arbiter::audit
