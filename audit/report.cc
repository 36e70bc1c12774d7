// The figures of `arbiter audit report` (spec/audit.md, "Reports").
#include "audit/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <unordered_map>

#include "audit/review_cases.h"
#include "ledger/entry.h"
#include "ledger/json_fields.h"

namespace arbiter::audit {
namespace {

using ledger::StringMember;

const nlohmann::json& Member(const nlohmann::json& j, std::string_view key) {
  static const nlohmann::json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// The rules named by a `reasons` or `errors` array.
std::vector<std::string> RulesOf(const nlohmann::json& array) {
  std::vector<std::string> rules;
  if (!array.is_array()) return rules;
  for (const auto& item : array) {
    std::string rule = StringMember(item, "rule");
    if (!rule.empty()) rules.push_back(std::move(rule));
  }
  return rules;
}

// "allow", "deny" or "fail_closed" (a denial with a rule in both reasons and errors);
// empty for a payload that records neither decision.
std::string OutcomeOf(const nlohmann::json& payload, const std::vector<std::string>& reasons) {
  std::string decision = StringMember(payload, "decision");
  if (decision == "allow") return decision;
  if (decision != "deny") return std::string();
  for (const std::string& erred : RulesOf(Member(payload, "errors"))) {
    if (std::find(reasons.begin(), reasons.end(), erred) != reasons.end()) {
      return std::string("fail_closed");
    }
  }
  return decision;
}

void Count(OutcomeCounts* counts, std::string_view outcome) {
  if (outcome == "allow") {
    ++counts->allow;
  } else if (outcome == "deny") {
    ++counts->deny;
  } else {
    ++counts->fail_closed;
  }
}

// `Type::"id"` of a request member; the action's name; empty when not recorded.
std::string EntityText(const nlohmann::json& request, std::string_view member) {
  const nlohmann::json& entity = Member(request, member);
  if (member == "action") return StringMember(entity, "name");
  std::string id = StringMember(entity, "id");
  if (id.empty()) return id;
  return fmt::format("{}::\"{}\"", StringMember(entity, "type"), id);
}

// The evidence linked to decisions: each evidence entry once, and per decision id the
// entries that name it and its latest review's expected decision.
struct EvidenceIndex {
  std::vector<EvidenceSummary> entries;
  struct Links {
    std::vector<uint32_t> evidence;  // indexes into `entries`
    std::string review_expected;     // the latest valid review's body.expected
  };
  std::unordered_map<std::string, Links> by_decision;
};

Result<EvidenceIndex> IndexEvidence(const History& history, SeqRange range) {
  EvidenceIndex index;
  SeqRange rest{range.first, history.All().last};
  ARBITER_RETURN_IF_ERROR(history.Scan(rest, {"evidence"}, [&](const AuditEntry& e) {
    const nlohmann::json& ids = Member(e.payload, "decision_ids");
    if (!ids.is_array() || ids.empty()) return Status::Ok();
    EvidenceSummary summary;
    summary.seq = e.seq;
    summary.time = e.time;
    summary.type = StringMember(e.payload, "type");
    summary.author = StringMember(e.payload, "author");
    const nlohmann::json& body = Member(e.payload, "body");
    // A review counts as a correction only when its body is one (CheckReviewBody).
    if (summary.type == "review" && CheckReviewBody(body).ok()) {
      summary.expected = StringMember(body, "expected");
    }
    const auto at = static_cast<uint32_t>(index.entries.size());
    for (const auto& id : ids) {
      if (!id.is_string()) continue;
      EvidenceIndex::Links& links = index.by_decision[id.get<std::string>()];
      if (links.evidence.empty() || links.evidence.back() != at) links.evidence.push_back(at);
      if (!summary.expected.empty()) links.review_expected = summary.expected;
    }
    index.entries.push_back(std::move(summary));
    return Status::Ok();
  }));
  return index;
}

// A policy entry's sources as path -> digest.
std::map<std::string, std::string> SourcesOf(const nlohmann::json& payload) {
  std::map<std::string, std::string> sources;
  const nlohmann::json& list = Member(payload, "sources");
  if (!list.is_array()) return sources;
  for (const auto& s : list) sources[StringMember(s, "path")] = StringMember(s, "digest");
  return sources;
}

PolicyChange DescribeChange(const AuditEntry& e,
                            const std::optional<std::map<std::string, std::string>>& before) {
  PolicyChange change;
  change.seq = e.seq;
  change.time = e.time;
  change.activated_by = StringMember(e.payload, "activated_by");
  change.reason = StringMember(e.payload, "reason");
  change.bundle = StringMember(e.payload, "bundle");
  change.data = StringMember(e.payload, "data");
  change.first = !before.has_value();
  const auto now = SourcesOf(e.payload);
  static const std::map<std::string, std::string> kNone;
  const auto& old = before ? *before : kNone;
  for (const auto& [path, digest] : now) {
    auto it = old.find(path);
    if (it == old.end()) {
      change.added.push_back(path);
    } else if (it->second != digest) {
      change.changed.push_back(path);
    } else {
      ++change.unchanged;
    }
  }
  for (const auto& [path, digest] : old) {
    if (!now.count(path)) change.removed.push_back(path);
  }
  return change;
}

}  // namespace

// TODO(report): temporary until main's audit/obligations.cc is merged (it defines this).
#if !ARBITER_REPORT_OBLIGATIONS
std::string_view ObligationStateName(ObligationState state) {
  switch (state) {
    case ObligationState::kOpen: return "open";
    case ObligationState::kDischarged: return "discharged";
    case ObligationState::kDischargedLate: return "discharged_late";
    case ObligationState::kOverdue: return "overdue";
  }
  return "open";
}
#endif

Result<ReportFigures> ComputeReport(const History& history, const ReportOptions& options,
                                    VerificationStatus verification) {
  ARBITER_RETURN_IF_ERROR(options.decisions.Validate());
  ReportFigures figures;
  figures.source = history.Describe();
  figures.generated_at = ledger::NowTime();
  figures.options = options;
  figures.verification = std::move(verification);
  ARBITER_ASSIGN_OR_RETURN(figures.range, history.Select(options.range));

  EvidenceIndex evidence;
  if (!figures.range.empty()) {
    ARBITER_ASSIGN_OR_RETURN(evidence, IndexEvidence(history, figures.range));
  }

  std::map<std::string, ControlFigures> controls;
  std::map<std::string, RuleFigures> rules;
  std::map<std::string, std::set<std::string>> rule_controls;
  std::optional<std::map<std::string, std::string>> in_force;  // the last activation's sources
  const SeqRange all = history.All();
  const bool filtered = !options.decisions.empty();
  if (!figures.range.empty() && !all.empty()) {
    // Activations from the first entry (the one in force when the range starts is what the
    // first change in it is compared with); decisions from the range's first entry.
    SeqRange pass{all.first, figures.range.last};
    ARBITER_RETURN_IF_ERROR(history.Scan(pass, {"decision", "policy"}, [&](const AuditEntry& e) {
      if (e.kind == "policy") {
        if (e.seq >= figures.range.first) {
          figures.policy_changes.push_back(DescribeChange(e, in_force));
        }
        in_force = SourcesOf(e.payload);
        return Status::Ok();
      }
      if (e.seq < figures.range.first) return Status::Ok();
      // The filter reads payload text; its matcher is the one `audit export` uses.
      if (filtered && !options.decisions.Matches(e.payload.dump())) return Status::Ok();
      const std::vector<std::string> reasons = RulesOf(Member(e.payload, "reasons"));
      const std::string outcome = OutcomeOf(e.payload, reasons);
      if (outcome.empty()) {
        return Status::Corruption(
            fmt::format("decision entry {} records neither allow nor deny", e.seq));
      }
      const std::string id = StringMember(e.payload, "decision_id");
      const EvidenceIndex::Links* links = nullptr;
      if (auto it = evidence.by_decision.find(id); it != evidence.by_decision.end()) {
        links = &it->second;
      }
      const bool has_evidence = links != nullptr && !links->evidence.empty();
      const std::string recorded = StringMember(e.payload, "decision");
      const bool open_correction =
          links != nullptr && !links->review_expected.empty() && links->review_expected != recorded;

      Count(&figures.totals, outcome);
      if (has_evidence) ++figures.with_evidence;
      if (open_correction) ++figures.open_corrections;

      std::vector<std::string> names;
      const nlohmann::json& listed_controls = Member(e.payload, "controls");
      if (listed_controls.is_array()) {
        for (const auto& c : listed_controls) {
          if (c.is_string() && std::find(names.begin(), names.end(), c.get<std::string>()) ==
                                   names.end()) {
            names.push_back(c.get<std::string>());
          }
        }
      }
      if (names.empty()) names.emplace_back(kNoControl);
      const std::string day = e.time.substr(0, 10);
      for (const std::string& name : names) {
        ControlFigures& c = controls[name];
        Count(&c.counts, outcome);
        Count(&c.per_day[day], outcome);
        if (has_evidence) ++c.with_evidence;
        if (open_correction) ++c.open_corrections;
        if (c.listed.size() >= options.max_listed) {
          ++c.more;
          continue;
        }
        ListedDecision d;
        d.seq = e.seq;
        d.id = id;
        d.time = e.time;
        d.outcome = outcome;
        const nlohmann::json& request = Member(e.payload, "request");
        d.subject = EntityText(request, "subject");
        d.action = EntityText(request, "action");
        d.resource = EntityText(request, "resource");
        d.rules = reasons;
        if (links != nullptr) {
          for (uint32_t i : links->evidence) d.evidence.push_back(evidence.entries[i]);
        }
        if (open_correction) d.corrected_to = links->review_expected;
        c.listed.push_back(std::move(d));
      }
      for (const std::string& rule : reasons) {
        Count(&rules[rule].counts, outcome);
        for (const std::string& name : names) rule_controls[rule].insert(name);
      }
      return Status::Ok();
    }));
  }
  for (auto& [name, c] : controls) {
    c.name = name;
    if (name != kNoControl) figures.controls.push_back(std::move(c));
  }
  if (auto it = controls.find(std::string(kNoControl)); it != controls.end()) {
    figures.controls.push_back(std::move(it->second));
  }
  for (auto& [name, r] : rules) {
    r.name = name;
    const auto& cs = rule_controls[name];
    r.controls.assign(cs.begin(), cs.end());
    figures.rules.push_back(std::move(r));
  }

  // TODO(report): remove this guard once main's audit/obligations.cc is merged.
#if ARBITER_REPORT_OBLIGATIONS
  if (!figures.range.empty()) {
    ARBITER_ASSIGN_OR_RETURN(figures.obligations,
                             FollowObligations(history, figures.range, options.now));
    if (filtered) {
      // The follow-up covers every decision of the range; keep those the filter selects.
      ObligationFollowUp kept;
      kept.as_of = figures.obligations.as_of;
      for (auto& o : figures.obligations.obligations) {
        auto entry = history.Get(o.decision_seq);
        if (!entry.ok()) return entry.status();
        if (!*entry || !options.decisions.Matches((*entry)->payload.dump())) continue;
        switch (o.state) {
          case ObligationState::kOpen: ++kept.open; break;
          case ObligationState::kDischarged: ++kept.discharged; break;
          case ObligationState::kDischargedLate: ++kept.discharged_late; break;
          case ObligationState::kOverdue: ++kept.overdue; break;
        }
        kept.obligations.push_back(std::move(o));
      }
      figures.obligations = std::move(kept);
    }
  } else {
    figures.obligations.as_of = options.now.empty() ? ledger::NowTime() : options.now;
  }
#else
  figures.obligations.as_of = options.now.empty() ? ledger::NowTime() : options.now;
#endif
  return figures;
}

namespace {

VerificationStatus FromVerifyReport(const ledger::VerifyReport& report) {
  VerificationStatus status;
  status.checked = true;
  status.ok = report.ok;
  status.summary = report.Summary();
  status.problem = report.problem;
  status.key_names = report.keys;
  status.entries = report.entries;
  status.checkpoints = report.checkpoints;
  status.signed_size = report.signed_size;
  status.unsigned_tail = report.unsigned_entries();
  return status;
}

}  // namespace

VerificationStatus VerifyLedgerForReport(const ledger::Ledger& ledger,
                                         const std::vector<ledger::VerifierKey>& keys) {
  VerificationStatus status;
  if (keys.empty()) {
    status.summary = std::string(
        "not verified: no --key given, so checkpoint signatures were not checked");
    status.problem = status.summary;
    status.entries = ledger.Size();
  } else {
    ledger::VerifyOptions options;
    options.trusted_keys = keys;
    status = FromVerifyReport(ledger.Verify(options));
    for (const auto& k : keys) status.keys.push_back(k.Text());
  }
  if (status.signed_size == 0) {
    // Unchecked: still say where the latest stored checkpoint stands.
    auto note = ledger.LatestCheckpoint();
    if (note.ok()) {
      size_t body_end = note->find("\n\n");
      auto body = ledger::ParseCheckpointBody(
          body_end == std::string::npos ? *note : note->substr(0, body_end + 1));
      if (body.ok()) status.signed_size = body->size;
    }
    status.unsigned_tail = ledger.Size() > status.signed_size ? ledger.Size() - status.signed_size : 0;
  }
  if (status.signed_size > 0) {
    auto last = ledger.Get(status.signed_size - 1);
    if (last.ok()) status.checkpoint_time = last->time;
  }
  return status;
}

VerificationStatus VerifyBundleForReport(const std::string& path, const History& history,
                                         const std::vector<ledger::VerifierKey>& keys) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    VerificationStatus status;
    status.checked = true;
    status.problem = fmt::format("cannot read bundle '{}'", path);
    status.summary = "FAILED: " + status.problem;
    return status;
  }
  VerificationStatus status = FromVerifyReport(ledger::VerifyExportBundle(in, keys));
  if (keys.empty()) {
    // The bundle's own key (its header's public_key) is what verified it.
    std::ifstream again(path, std::ios::binary);
    std::string header;
    std::getline(again, header);
    auto parsed = nlohmann::json::parse(header, nullptr, false);
    std::string own = StringMember(parsed, "public_key");
    if (!own.empty()) status.keys.push_back(own + " (the bundle's own key)");
  } else {
    for (const auto& k : keys) status.keys.push_back(k.Text());
  }
  if (status.signed_size > 0) {
    auto last = history.Get(status.signed_size - 1);
    if (last.ok() && *last) status.checkpoint_time = (*last)->time;
  }
  return status;
}

}  // namespace arbiter::audit
