#include "daemon/obligation_tracker.h"

#include <fmt/format.h>

#include "ledger/json_fields.h"

namespace arbiter::daemon {

void ObligationTracker::Track(const std::string& decision_id,
                              const std::vector<audit::EvidenceRequirement>& requirements,
                              int64_t decided_micros) {
  std::lock_guard lock(mu_);
  for (const audit::EvidenceRequirement& r : requirements) {
    ++tracked_total_;
    if (open_count_ >= capacity_) {
      ++untracked_total_;
      continue;
    }
    int64_t due = r.within_seconds > 0 ? decided_micros + r.within_seconds * 1000000 : 0;
    open_[decision_id].push_back({r, due});
    ++open_count_;
  }
}

void ObligationTracker::Discharge(const nlohmann::json& evidence, int64_t at_micros) {
  auto ids = evidence.find("decision_ids");
  if (ids == evidence.end() || !ids->is_array()) return;
  std::lock_guard lock(mu_);
  for (const nlohmann::json& id : *ids) {
    if (!id.is_string()) continue;
    auto it = open_.find(id.get<std::string>());
    if (it == open_.end()) continue;
    std::vector<Pending>& pending = it->second;
    for (size_t i = 0; i < pending.size();) {
      if (!audit::Discharges(pending[i].requirement, evidence)) {
        ++i;
        continue;
      }
      bool late = pending[i].due_micros != 0 && at_micros > pending[i].due_micros;
      ++(late ? discharged_late_total_ : discharged_total_);
      pending.erase(pending.begin() + static_cast<ptrdiff_t>(i));
      --open_count_;
    }
    if (pending.empty()) open_.erase(it);
  }
}

std::string ObligationTracker::RenderPrometheus(int64_t now_micros) const {
  std::lock_guard lock(mu_);
  uint64_t overdue = 0;
  for (const auto& [id, pending] : open_) {
    for (const Pending& p : pending) {
      if (p.due_micros != 0 && now_micros > p.due_micros) ++overdue;
    }
  }
  std::string out;
  auto series = [&out](std::string_view name, std::string_view type, std::string_view help,
                       uint64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  series("arbiter_obligations_open", "gauge",
         "require_evidence obligations recorded since start and not yet discharged, deadline not passed",
         open_count_ - overdue);
  series("arbiter_obligations_overdue", "gauge",
         "require_evidence obligations recorded since start, not discharged, past their deadline",
         overdue);
  series("arbiter_obligations_recorded_total", "counter",
         "require_evidence obligations carried by decisions recorded since start", tracked_total_);
  series("arbiter_obligations_discharged_total", "counter",
         "of those, discharged by evidence within their deadline", discharged_total_);
  series("arbiter_obligations_discharged_late_total", "counter",
         "of those, discharged by evidence after their deadline", discharged_late_total_);
  series("arbiter_obligations_untracked_total", "counter",
         "of those, not followed because tracked_obligations were already open", untracked_total_);
  return out;
}

}  // namespace arbiter::daemon
