#include "audit/obligations.h"

#include <algorithm>
#include <fmt/format.h>
#include <unordered_map>

#include "engine/extensions.h"
#include "ledger/entry.h"
#include "ledger/json_fields.h"

namespace arbiter::audit {
namespace {

constexpr std::string_view kRequireEvidence = "require_evidence";

std::vector<std::string> StringArray(const nlohmann::json& j, std::string_view key) {
  std::vector<std::string> out;
  if (!j.is_object()) return out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

Result<int64_t> ParseObligationDuration(std::string_view text) {
  // The language's duration syntax (duration("1d2h")), so a deadline reads the same in a
  // policy's obligation and in its conditions.
  std::optional<int64_t> ms = engine::ParseDuration(text);
  if (!ms) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a duration like \"24h\", \"30m\" or \"1d12h\"", text));
  }
  if (*ms <= 0) return Status::InvalidArgument(fmt::format("'{}' must be a positive duration", text));
  if (*ms % 1000 != 0) {
    return Status::InvalidArgument(fmt::format("'{}': a deadline is counted in whole seconds", text));
  }
  return *ms / 1000;
}

Result<std::optional<EvidenceRequirement>> ReadEvidenceRequirement(const nlohmann::json& obligation) {
  if (ledger::StringMember(obligation, "name") != kRequireEvidence) return std::optional<EvidenceRequirement>();
  // Advice is informational: nothing to follow up.
  auto advice = obligation.find("advice");
  if (advice != obligation.end() && advice->is_boolean() && advice->get<bool>()) {
    return std::optional<EvidenceRequirement>();
  }
  auto payload = obligation.find("payload");
  if (payload == obligation.end() || !payload->is_object()) {
    return Status::InvalidArgument("require_evidence has no payload record");
  }
  EvidenceRequirement r;
  r.type = ledger::StringMember(*payload, "type");
  if (r.type.empty()) {
    return Status::InvalidArgument("require_evidence needs `type`, a non-empty string");
  }
  if (payload->contains("role")) {
    r.role = ledger::StringMember(*payload, "role");
    if (r.role.empty()) return Status::InvalidArgument("require_evidence `role` must be a non-empty string");
  }
  if (payload->contains("within")) {
    r.within = ledger::StringMember(*payload, "within");
    auto seconds = ParseObligationDuration(r.within);
    if (!seconds.ok()) return Status::InvalidArgument("require_evidence `within`: " + seconds.status().message());
    r.within_seconds = *seconds;
  }
  return std::optional<EvidenceRequirement>(std::move(r));
}

bool Discharges(const EvidenceRequirement& requirement, const nlohmann::json& evidence) {
  if (ledger::StringMember(evidence, "type") != requirement.type) return false;
  if (requirement.role.empty()) return true;
  std::vector<std::string> roles = StringArray(evidence, "author_roles");
  return std::find(roles.begin(), roles.end(), requirement.role) != roles.end();
}

std::string_view ObligationStateName(ObligationState state) {
  switch (state) {
    case ObligationState::kOpen: return "open";
    case ObligationState::kDischarged: return "discharged";
    case ObligationState::kDischargedLate: return "discharged_late";
    case ObligationState::kOverdue: return "overdue";
  }
  return "open";
}

std::optional<ObligationState> ParseObligationState(std::string_view name) {
  for (ObligationState s : {ObligationState::kOpen, ObligationState::kDischarged,
                            ObligationState::kDischargedLate, ObligationState::kOverdue}) {
    if (ObligationStateName(s) == name) return s;
  }
  return std::nullopt;
}

std::string ObligationFollowUp::ToJson(std::optional<ObligationState> only) const {
  auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); };
  nlohmann::json list = nlohmann::json::array();
  for (const FollowedObligation& f : obligations) {
    if (only && f.state != *only) continue;
    nlohmann::json o = {{"decision_id", f.decision_id},
                        {"decision_seq", f.decision_seq},
                        {"decided_at", f.decided_at},
                        {"decision", f.decision},
                        {"rule", f.rule},
                        {"controls", f.controls},
                        {"type", f.requirement.type},
                        {"role", or_null(f.requirement.role)},
                        {"within", or_null(f.requirement.within)},
                        {"due", or_null(f.due)},
                        {"state", ObligationStateName(f.state)},
                        {"evidence_seq", f.evidence_seq ? nlohmann::json(*f.evidence_seq) : nlohmann::json()},
                        {"evidence_time", or_null(f.evidence_time)},
                        {"evidence_author", or_null(f.evidence_author)}};
    if (!f.problem.empty()) o["problem"] = f.problem;
    list.push_back(std::move(o));
  }
  nlohmann::json out = {{"as_of", as_of},
                        {"counts",
                         {{"open", open},
                          {"discharged", discharged},
                          {"discharged_late", discharged_late},
                          {"overdue", overdue}}},
                        {"obligations", std::move(list)}};
  return out.dump(2) + "\n";
}

std::string ObligationFollowUp::ToText(std::optional<ObligationState> only) const {
  std::string out = fmt::format(
      "{} obligation(s) as of {}: {} overdue, {} open, {} discharged, {} discharged late\n",
      obligations.size(), as_of, overdue, open, discharged, discharged_late);
  // Overdue first: what someone must chase.
  for (ObligationState state : {ObligationState::kOverdue, ObligationState::kOpen,
                                ObligationState::kDischargedLate, ObligationState::kDischarged}) {
    if (only && state != *only) continue;
    for (const FollowedObligation& f : obligations) {
      if (f.state != state) continue;
      std::string who = f.requirement.role.empty() ? "anyone" : "role " + f.requirement.role;
      out += fmt::format("  {:<15} decision {} (seq {}, {}) by {}: {} from {}", ObligationStateName(state),
                         f.decision_id, f.decision_seq, f.decided_at, f.rule,
                         f.requirement.type.empty() ? "?" : f.requirement.type, who);
      if (!f.due.empty()) out += ", due " + f.due;
      if (f.evidence_seq) {
        out += fmt::format("; evidence seq {} by {} at {}", *f.evidence_seq, f.evidence_author,
                           f.evidence_time);
      }
      if (!f.problem.empty()) out += "; problem: " + f.problem;
      out += "\n";
    }
  }
  return out;
}

Result<ObligationFollowUp> FollowObligations(const History& history, SeqRange decisions,
                                             std::string_view now) {
  ObligationFollowUp out;
  out.as_of = now.empty() ? ledger::NowTime() : std::string(now);
  std::optional<int64_t> as_of = ledger::ParseTime(out.as_of);
  if (!as_of) {
    return Status::InvalidArgument("'" + out.as_of + "' is not a UTC time like 2026-12-08T10:00:00Z");
  }

  // Pass 1: the obligations of the selected decisions.
  std::unordered_map<std::string, std::vector<size_t>> by_decision;
  // Only decisions whose text names the obligation are parsed (most have none).
  ARBITER_RETURN_IF_ERROR(history.ScanRaw(decisions, {"decision"}, [&](const RawAuditEntry& raw) {
    if (raw.payload.find(kRequireEvidence) == std::string_view::npos) return Status::Ok();
    AuditEntry e;
    e.seq = raw.seq;
    e.time = std::string(raw.time);
    e.payload = nlohmann::json::parse(raw.payload, nullptr, false);
    auto obligations = e.payload.find("obligations");
    if (obligations == e.payload.end() || !obligations->is_array()) return Status::Ok();
    for (const nlohmann::json& o : *obligations) {
      auto requirement = ReadEvidenceRequirement(o);
      if (requirement.ok() && !requirement->has_value()) continue;
      FollowedObligation f;
      f.decision_seq = e.seq;
      f.decision_id = ledger::StringMember(e.payload, "decision_id");
      f.decided_at = e.time;
      f.decision = ledger::StringMember(e.payload, "decision");
      f.rule = ledger::StringMember(o, "rule");
      f.controls = StringArray(e.payload, "controls");
      if (!requirement.ok()) {
        f.problem = requirement.status().message();
      } else {
        f.requirement = std::move(**requirement);
        if (f.requirement.within_seconds > 0) {
          std::optional<int64_t> decided = ledger::ParseTime(e.time);
          if (decided) f.due = ledger::FormatTime(*decided + f.requirement.within_seconds * 1000000);
        }
      }
      by_decision[f.decision_id].push_back(out.obligations.size());
      out.obligations.push_back(std::move(f));
    }
    return Status::Ok();
  }));

  // Pass 2: evidence linked to them. Evidence can only name a decision already recorded, so
  // it lies after the first selected decision.
  if (!out.obligations.empty()) {
    SeqRange rest{out.obligations.front().decision_seq, history.All().last};
    ARBITER_RETURN_IF_ERROR(history.ScanRaw(rest, {"evidence"}, [&](const RawAuditEntry& raw) {
      AuditEntry e;
      e.seq = raw.seq;
      e.time = std::string(raw.time);
      e.payload = nlohmann::json::parse(raw.payload, nullptr, false);
      for (const std::string& id : StringArray(e.payload, "decision_ids")) {
        auto it = by_decision.find(id);
        if (it == by_decision.end()) continue;
        for (size_t index : it->second) {
          FollowedObligation& f = out.obligations[index];
          if (f.evidence_seq || !f.problem.empty() || !Discharges(f.requirement, e.payload)) continue;
          f.evidence_seq = e.seq;
          f.evidence_time = e.time;
          f.evidence_author = ledger::StringMember(e.payload, "author");
        }
      }
      return Status::Ok();
    }));
  }

  for (FollowedObligation& f : out.obligations) {
    // Plain values rather than optionals: GCC 12 warns (falsely) about the optionals here.
    int64_t due = 0;
    bool has_due = false;
    if (!f.due.empty()) {
      if (std::optional<int64_t> parsed = ledger::ParseTime(f.due)) {
        due = *parsed;
        has_due = true;
      }
    }
    if (f.evidence_seq) {
      std::optional<int64_t> at = ledger::ParseTime(f.evidence_time);
      bool late = has_due && at.value_or(0) > due;
      f.state = late ? ObligationState::kDischargedLate : ObligationState::kDischarged;
    } else {
      f.state = has_due && *as_of > due ? ObligationState::kOverdue : ObligationState::kOpen;
    }
    switch (f.state) {
      case ObligationState::kOpen: ++out.open; break;
      case ObligationState::kDischarged: ++out.discharged; break;
      case ObligationState::kDischargedLate: ++out.discharged_late; break;
      case ObligationState::kOverdue: ++out.overdue; break;
    }
  }
  return out;
}

}  // namespace arbiter::audit
