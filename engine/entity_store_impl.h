// The engine's view of an entity store: entities with attributes and precomputed ancestors,
// addressed by an open-addressing table so looking up (type, id) allocates nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/arena.h"
#include "engine/value.h"

namespace arbiter::engine {

struct EntityData {
  const EntityObj* uid;      // canonical, resolved, points back here
  const RecObj* attrs;       // never null
  // Every transitive parent, sorted by uid hash: `in` is a binary search on the hash of the
  // right-hand entity (no table lookup), confirmed by comparing the uid.
  const uint64_t* ancestor_hashes;
  const uint32_t* ancestors;  // store indices, parallel to ancestor_hashes
  uint32_t num_ancestors;
  uint32_t index;
};

class StoreImpl {
 public:
  const EntityData* Find(std::string_view type, std::string_view id, uint64_t hash) const;
  const EntityData* Find(const EntityObj& e) const {
    return e.resolved ? e.data : Find(e.type, e.id, e.hash);
  }
  // Whether `ancestor` is a transitive parent of `child` (not equal to it).
  bool HasAncestor(const EntityData& child, const EntityObj& ancestor) const;

  size_t size() const { return entities_.size(); }
  const EntityData& at(size_t i) const { return entities_[i]; }

  // Building (entity_store.cc): add entities, then Finish() once.
  Arena& arena() { return arena_; }
  std::vector<EntityData>& mutable_entities() { return entities_; }
  void BuildTable();

 private:
  Arena arena_;
  std::vector<EntityData> entities_;
  std::vector<int32_t> table_;  // slot -> index into entities_, -1 empty; size a power of 2
};

// An empty store, for decisions without entity data.
const StoreImpl& EmptyStore();

}  // namespace arbiter::engine
