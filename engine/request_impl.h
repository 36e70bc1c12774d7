// The parsed form of a Request: unresolved entity references carrying the AuthZEN
// "properties" overlays, and the context record. Resolved against an entity store per decision.
#pragma once

#include <cstdint>

#include "engine/arena.h"
#include "engine/value.h"

namespace arbiter::engine {

inline constexpr std::string_view kActionType = "Action";

struct RequestImpl {
  Arena arena;
  const EntityObj* subject = nullptr;
  const EntityObj* action = nullptr;  // Action::"<name>"
  const EntityObj* resource = nullptr;
  Value context;                      // a record
  // Hashes the rule index keys on (HashBytes of the text).
  uint64_t subject_type_hash = 0;
  uint64_t resource_type_hash = 0;
  uint64_t action_hash = 0;
};

}  // namespace arbiter::engine
