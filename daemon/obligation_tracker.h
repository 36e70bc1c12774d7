// The daemon's live view of `require_evidence` obligations (spec/audit.md, "Obligations
// followed up") for /metrics: the obligations of the decisions it records, discharged by the
// evidence it accepts, judged against the clock when metrics are read. It knows only what
// happened since it started; `arbiter audit obligations` reads the whole history.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/obligations.h"

namespace arbiter::daemon {

class ObligationTracker {
 public:
  // Keeps at most `capacity` open obligations (Limits::tracked_obligations).
  explicit ObligationTracker(uint64_t capacity) : capacity_(capacity) {}

  // The decision `decision_id`, recorded at `decided_micros` (Unix microseconds), carries
  // these requirements.
  void Track(const std::string& decision_id, const std::vector<audit::EvidenceRequirement>& requirements,
             int64_t decided_micros);
  // Evidence `evidence` (its entry payload: decision_ids, type, author_roles) was recorded
  // at `at_micros`: discharges what it satisfies.
  void Discharge(const nlohmann::json& evidence, int64_t at_micros);
  // The arbiter_obligations_* series, judged at `now_micros`.
  std::string RenderPrometheus(int64_t now_micros) const;

 private:
  struct Pending {
    audit::EvidenceRequirement requirement;
    int64_t due_micros = 0;  // 0: no deadline
  };
  const uint64_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<Pending>> open_;
  uint64_t open_count_ = 0;
  uint64_t tracked_total_ = 0;
  uint64_t discharged_total_ = 0;
  uint64_t discharged_late_total_ = 0;
  uint64_t untracked_total_ = 0;
};

}  // namespace arbiter::daemon
