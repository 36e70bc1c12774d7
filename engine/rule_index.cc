#include "engine/rule_index.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include "dsl/ast.h"
#include "engine/request_impl.h"

namespace arbiter::engine {

const Value* FindAttr(const EvalContext& ctx, const Value& obj, std::string_view name) {
  if (obj.kind == Kind::kRecord) return obj.rec->Find(name);
  if (obj.kind != Kind::kEntity) return nullptr;
  if (obj.ent->properties) {
    if (const Value* v = obj.ent->properties->Find(name)) return v;
  }
  const EntityData* d = ResolveEntity(ctx, *obj.ent);
  return d ? d->attrs->Find(name) : nullptr;
}

namespace {
inline uint64_t KeyHash(const std::string& s) { return s.empty() ? 0 : (HashBytes(s) | 1); }
inline uint64_t Mix(uint64_t h) {
  h ^= h >> 31;
  h *= 0x7fb5d329728ea185ull;
  h ^= h >> 27;
  return h;
}
}  // namespace

Status CheckIndexKey(const IndexKey& k, const std::vector<Value>& constants) {
  if (k.attr_var == -1) {
    if (k.attr_const != -1 || !k.attr_name.empty()) {
      return Status::Corruption("an attribute constant or name without an attribute variable");
    }
    return Status::Ok();
  }
  if (k.attr_var < 0 || k.attr_var > static_cast<int32_t>(dsl::kContext)) {
    return Status::Corruption("attribute variable " + std::to_string(k.attr_var) +
                              " is not a request variable");
  }
  if (k.attr_const < 0 || static_cast<size_t>(k.attr_const) >= constants.size()) {
    return Status::Corruption("attribute constant index " + std::to_string(k.attr_const) +
                              " out of range (" + std::to_string(constants.size()) +
                              " constants)");
  }
  switch (constants[static_cast<size_t>(k.attr_const)].kind) {
    case Kind::kSet:
    case Kind::kRecord:
    case Kind::kIp:
      return Status::Corruption("attribute constant " + std::to_string(k.attr_const) +
                                " is not a bool, int, string, entity, decimal, datetime or "
                                "duration");
    default: return Status::Ok();
  }
}

uint64_t RuleIndex::Combine(uint64_t a, uint64_t s, uint64_t r) {
  return Mix(a * 3 + Mix(s * 5 + Mix(r + 11)));
}

void RuleIndex::Build(const std::vector<IndexKey>& keys, const std::vector<Value>& constants) {
  buckets_.clear();
  uses_action_ = uses_subject_ = uses_resource_ = false;
  std::map<std::tuple<std::string, std::string, std::string>, uint32_t> positions;
  for (uint32_t i = 0; i < keys.size(); ++i) {
    const IndexKey& k = keys[i];
    uses_action_ |= !k.action.empty();
    uses_subject_ |= !k.subject_type.empty();
    uses_resource_ |= !k.resource_type.empty();
    auto [pos, inserted] = positions.emplace(
        std::make_tuple(k.action, k.subject_type, k.resource_type),
        static_cast<uint32_t>(buckets_.size()));
    if (inserted) buckets_.push_back(Bucket{k.action, k.subject_type, k.resource_type, {}, {}});
    Bucket& b = buckets_[pos->second];
    if (k.attr_var < 0) {
      b.rules.push_back(i);
      continue;
    }
    AttrGroup* g = nullptr;
    for (auto& existing : b.groups)
      if (existing.var == k.attr_var && existing.name == k.attr_name) g = &existing;
    if (!g) {
      b.groups.push_back(AttrGroup{k.attr_var, k.attr_name, {}, {}});
      g = &b.groups.back();
    }
    g->by_value[HashValue(constants[static_cast<size_t>(k.attr_const)])].push_back(i);
    g->all.push_back(i);
  }
  size_t cap = 16;
  while (cap < positions.size() * 2) cap *= 2;
  table_.assign(cap, {0, 0});
  for (const auto& [tuple, index] : positions) {
    uint64_t key = Combine(KeyHash(std::get<0>(tuple)), KeyHash(std::get<1>(tuple)),
                           KeyHash(std::get<2>(tuple)));
    size_t slot = key & (cap - 1);
    while (table_[slot].second != 0) slot = (slot + 1) & (cap - 1);
    table_[slot] = {key, index + 1};
  }
}

void RuleIndex::Candidates(const RequestImpl& request, const EvalContext& ctx, const Value* vars,
                           std::vector<uint32_t>* out) const {
  size_t start = out->size();
  uint64_t actions[2] = {0, request.action_hash | 1};
  uint64_t subjects[2] = {0, request.subject_type_hash | 1};
  uint64_t resources[2] = {0, request.resource_type_hash | 1};
  for (int a = 0; a <= (uses_action_ ? 1 : 0); ++a) {
    for (int s = 0; s <= (uses_subject_ ? 1 : 0); ++s) {
      for (int r = 0; r <= (uses_resource_ ? 1 : 0); ++r) {
        if (table_.empty()) continue;
        uint64_t key = Combine(actions[a], subjects[s], resources[r]);
        size_t mask = table_.size() - 1;
        // Distinct keys may share a hash: visit every bucket stored under it.
        for (size_t slot = key & mask; table_[slot].second != 0; slot = (slot + 1) & mask) {
          if (table_[slot].first != key) continue;
          const Bucket& b = buckets_[table_[slot].second - 1];
          uint32_t verified =
              (b.action.empty() || TextEq(b.action, request.action->id)) &&
              (b.subject_type.empty() || TextEq(b.subject_type, request.subject->type)) &&
              (b.resource_type.empty() || TextEq(b.resource_type, request.resource->type));
          auto add = [&](const std::vector<uint32_t>& rules) {
            for (uint32_t rule : rules) out->push_back(rule << 1 | verified);
          };
          add(b.rules);
          for (const AttrGroup& g : b.groups) {
            const Value* v = FindAttr(ctx, vars[g.var], g.name);
            if (!v) {
              add(g.all);
              continue;
            }
            auto hit = g.by_value.find(HashValue(*v));
            if (hit != g.by_value.end()) add(hit->second);
          }
        }
      }
    }
  }
  auto first = out->begin() + static_cast<long>(start);
  if (!std::is_sorted(first, out->end())) std::sort(first, out->end());
}

}  // namespace arbiter::engine
