#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <arbiter/entities.h>

#include "common/limits.h"
#include "engine/builtins.h"
#include "engine/entity_store_impl.h"
#include "engine/json_reader.h"
#include "engine/value_json.h"

namespace arbiter {
namespace engine {

const EntityData* StoreImpl::Find(std::string_view type, std::string_view id,
                                  uint64_t hash) const {
  if (table_.empty()) return nullptr;
  size_t mask = table_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    int32_t idx = table_[slot];
    if (idx < 0) return nullptr;
    const EntityData& d = entities_[static_cast<size_t>(idx)];
    if (d.uid->hash == hash && TextEq(d.uid->id, id) && TextEq(d.uid->type, type)) return &d;
  }
}

bool StoreImpl::HasAncestor(const EntityData& child, const EntityObj& ancestor) const {
  const uint64_t* begin = child.ancestor_hashes;
  const uint64_t* end = begin + child.num_ancestors;
  for (const uint64_t* it = std::lower_bound(begin, end, ancestor.hash); it != end && *it == ancestor.hash; ++it) {
    const EntityObj& uid = *entities_[child.ancestors[it - begin]].uid;
    if (TextEq(uid.id, ancestor.id) && TextEq(uid.type, ancestor.type)) return true;
  }
  return false;
}

void StoreImpl::BuildTable() {
  size_t cap = 16;
  while (cap < entities_.size() * 2) cap *= 2;
  table_.assign(cap, -1);
  for (size_t i = 0; i < entities_.size(); ++i) {
    size_t slot = entities_[i].uid->hash & (cap - 1);
    while (table_[slot] >= 0) slot = (slot + 1) & (cap - 1);
    table_[slot] = static_cast<int32_t>(i);
  }
}

const StoreImpl& EmptyStore() {
  static const StoreImpl* kEmpty = new StoreImpl();
  return *kEmpty;
}

namespace {

// Points every entity reference inside `v` at the store's canonical entity (or marks it as
// resolved-but-missing), so deciding never looks it up again.
void ResolveRefs(const StoreImpl& store, const Value& v) {
  switch (v.kind) {
    case Kind::kEntity: {
      auto* e = const_cast<EntityObj*>(v.ent);
      e->data = store.Find(e->type, e->id, e->hash);
      e->resolved = true;
      break;
    }
    case Kind::kSet:
      for (uint32_t i = 0; i < v.set->size; ++i) ResolveRefs(store, v.set->items[i]);
      break;
    case Kind::kRecord:
      for (uint32_t i = 0; i < v.rec->size; ++i) ResolveRefs(store, v.rec->fields[i].value);
      break;
    default: break;
  }
}

Status Bad(const JsonSource& src, uint32_t offset, const std::string& what) {
  return Status::InvalidArgument(src.At(offset) + ": " + what);
}

}  // namespace

Result<std::shared_ptr<StoreImpl>> BuildStore(std::string_view json, std::string_view file) {
  JsonSource src{file, json};
  ARBITER_ASSIGN_OR_RETURN(JsonNode root, ParseJson(json, file));
  auto store = std::make_shared<StoreImpl>();
  Arena& arena = store->arena();
  const JsonNode* list = &root;
  if (root.type == JsonNode::kObject) {
    list = root.Get("entities");
    if (!list) return Bad(src, root.offset, "expected an array of entities (or {\"entities\": [...]})");
  }
  if (list->type != JsonNode::kArray) {
    return Bad(src, list->offset, "expected an array of entities, got " + std::string(list->TypeName()));
  }
  if (list->items.size() > kDefaultLimits.entities) {
    return Bad(src, list->offset, "more than " + std::to_string(kDefaultLimits.entities) +
                                      " entities (entities)");
  }
  auto& entities = store->mutable_entities();
  entities.reserve(list->items.size());
  std::vector<const JsonNode*> attrs_nodes, parents_nodes;
  for (const JsonNode& node : list->items) {
    if (node.type != JsonNode::kObject) {
      return Bad(src, node.offset, "an entity must be an object {\"uid\", \"attrs\", \"parents\"}");
    }
    for (size_t k = 0; k < node.keys.size(); ++k) {
      const std::string& key = node.keys[k];
      if (key != "uid" && key != "attrs" && key != "parents") {
        return Bad(src, node.key_offsets[k], "unexpected key \"" + key + "\" in entity");
      }
    }
    const JsonNode* uid = node.Get("uid");
    if (!uid) return Bad(src, node.offset, "entity has no \"uid\"");
    ARBITER_ASSIGN_OR_RETURN(const EntityObj* ref, JsonToEntityRef(*uid, &arena, src));
    auto* canonical = const_cast<EntityObj*>(ref);
    canonical->resolved = true;
    EntityData d{};
    d.uid = canonical;
    d.index = static_cast<uint32_t>(entities.size());
    entities.push_back(d);
    const JsonNode* attrs = node.Get("attrs");
    if (attrs && attrs->type != JsonNode::kObject) {
      return Bad(src, attrs->offset, "\"attrs\" must be an object");
    }
    const JsonNode* parents = node.Get("parents");
    if (parents && parents->type != JsonNode::kArray) {
      return Bad(src, parents->offset, "\"parents\" must be an array");
    }
    attrs_nodes.push_back(attrs);
    parents_nodes.push_back(parents);
  }
  store->BuildTable();
  // Duplicates: the table finds the first; a second with the same uid is an error.
  for (size_t i = 0; i < entities.size(); ++i) {
    const EntityObj& u = *entities[i].uid;
    if (store->Find(u.type, u.id, u.hash)->index != i) {
      return Bad(src, list->items[i].offset, "duplicate entity " + EntityToString(u));
    }
    const_cast<EntityObj&>(u).data = &entities[i];
  }
  // Parents must exist.
  std::vector<std::vector<uint32_t>> parents(entities.size());
  for (size_t i = 0; i < entities.size(); ++i) {
    if (!parents_nodes[i]) continue;
    for (const JsonNode& p : parents_nodes[i]->items) {
      ARBITER_ASSIGN_OR_RETURN(const EntityObj* ref, JsonToEntityRef(p, &arena, src));
      const EntityData* pd = store->Find(ref->type, ref->id, ref->hash);
      if (!pd) {
        return Bad(src, p.offset,
                   "parent " + EntityToString(*ref) + " of " + EntityToString(*entities[i].uid) +
                       " does not exist");
      }
      parents[i].push_back(pd->index);
    }
  }
  // Ancestors: depth-first with memo, on an explicit stack so that a deep hierarchy cannot
  // overflow the thread's stack; a cycle is an error, and so is an entity with more than
  // Limits::entity_ancestors transitive parents (they are stored, and searched by `in`).
  const uint32_t max_ancestors = kDefaultLimits.entity_ancestors;
  std::vector<uint8_t> state(entities.size(), 0);  // 0 new, 1 on the stack, 2 done
  std::vector<std::vector<uint32_t>> ancestors(entities.size());
  auto finish = [&](uint32_t i) -> Status {
    std::vector<uint32_t> acc;
    for (uint32_t p : parents[i]) {
      acc.push_back(p);
      acc.insert(acc.end(), ancestors[p].begin(), ancestors[p].end());
    }
    std::sort(acc.begin(), acc.end());
    acc.erase(std::unique(acc.begin(), acc.end()), acc.end());
    if (acc.size() > max_ancestors) {
      return Bad(src, list->items[i].offset,
                 "entity " + EntityToString(*entities[i].uid) + " has " +
                     std::to_string(acc.size()) + " ancestors, more than the limit of " +
                     std::to_string(max_ancestors) + " (entity_ancestors)");
    }
    ancestors[i] = std::move(acc);
    state[i] = 2;
    return Status::Ok();
  };
  std::vector<std::pair<uint32_t, size_t>> stack;  // (entity, its next parent to visit)
  auto visit = [&](uint32_t root) -> Status {
    state[root] = 1;
    stack.assign(1, {root, 0});
    while (!stack.empty()) {
      uint32_t i = stack.back().first;
      size_t next = stack.back().second;
      if (next == parents[i].size()) {
        ARBITER_RETURN_IF_ERROR(finish(i));
        stack.pop_back();
        continue;
      }
      ++stack.back().second;
      uint32_t p = parents[i][next];
      if (state[p] == 1) {
        return Bad(src, list->items[i].offset,
                   "entity " + EntityToString(*entities[i].uid) + " is its own ancestor (cycle)");
      }
      if (state[p] == 0) {
        state[p] = 1;
        stack.emplace_back(p, 0);
      }
    }
    return Status::Ok();
  };
  for (uint32_t i = 0; i < entities.size(); ++i) {
    if (state[i] == 0) ARBITER_RETURN_IF_ERROR(visit(i));
    std::vector<uint32_t>& list = ancestors[i];
    std::sort(list.begin(), list.end(), [&](uint32_t x, uint32_t y) {
      return entities[x].uid->hash < entities[y].uid->hash;
    });
    uint32_t* a = arena.AllocateArray<uint32_t>(list.size());
    uint64_t* h = arena.AllocateArray<uint64_t>(list.size());
    for (size_t k = 0; k < list.size(); ++k) {
      a[k] = list[k];
      h[k] = entities[list[k]].uid->hash;
    }
    entities[i].ancestors = a;
    entities[i].ancestor_hashes = h;
    entities[i].num_ancestors = static_cast<uint32_t>(ancestors[i].size());
  }
  // Attributes, with entity references resolved against this store.
  static const RecObj kEmptyRecord{0, nullptr};
  for (size_t i = 0; i < entities.size(); ++i) {
    entities[i].attrs = &kEmptyRecord;
    if (!attrs_nodes[i]) continue;
    ARBITER_ASSIGN_OR_RETURN(Value v, JsonToValue(*attrs_nodes[i], &arena, src));
    if (v.kind != Kind::kRecord) {
      return Bad(src, attrs_nodes[i]->offset, "\"attrs\" must be a plain object");
    }
    ResolveRefs(*store, v);
    entities[i].attrs = v.rec;
  }
  return store;
}

}  // namespace engine

EntityStore::EntityStore() : impl_(std::shared_ptr<const engine::StoreImpl>(
                                 std::shared_ptr<const engine::StoreImpl>{}, &engine::EmptyStore())) {}

Result<EntityStore> EntityStore::FromJson(std::string_view json, std::string_view file) {
  auto built = engine::BuildStore(json, file);
  if (!built.ok()) return built.status();
  EntityStore store;
  store.impl_ = std::move(built).value();
  return store;
}

Result<EntityStore> EntityStore::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open entity data file");
  std::stringstream buf;
  buf << in.rdbuf();
  return FromJson(buf.str(), path);
}

size_t EntityStore::size() const { return impl_->size(); }

}  // namespace arbiter
