#include "engine/value.h"

#include <cstring>

namespace arbiter::engine {

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kString: return "string";
    case Kind::kSet: return "set";
    case Kind::kRecord: return "record";
    case Kind::kEntity: return "entity";
    case Kind::kIp: return "ip";
    case Kind::kDecimal: return "decimal";
    case Kind::kDatetime: return "datetime";
    case Kind::kDuration: return "duration";
  }
  return "?";
}

uint64_t HashBytes(std::string_view s, uint64_t seed) {
  uint64_t h = seed ^ (s.size() * 0xff51afd7ed558ccdull);
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 29;
  return h;
}

const Value* RecObj::Find(std::string_view key) const {
  if (size <= 8) {
    for (uint32_t i = 0; i < size; ++i) {
      if (TextEq(fields[i].key, key)) return &fields[i].value;
    }
    return nullptr;
  }
  uint32_t lo = 0, hi = size;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    int c = fields[mid].key.compare(key);
    if (c == 0) return &fields[mid].value;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return nullptr;
}

static bool SetHas(const SetObj& s, const Value& v) {
  for (uint32_t i = 0; i < s.size; ++i)
    if (Equal(s.items[i], v)) return true;
  return false;
}

// a and b have the same size and distinct elements: equal when every element of a is in b.
static bool SetsEqual(const SetObj& a, const SetObj& b) {
  if (b.size <= kScanSetSize) {
    for (uint32_t i = 0; i < a.size; ++i)
      if (!SetHas(b, a.items[i])) return false;
    return true;
  }
  ValueIndex index(b.items, b.size);
  for (uint32_t i = 0; i < b.size; ++i) index.Add(i);
  for (uint32_t i = 0; i < a.size; ++i)
    if (index.Find(a.items[i]) < 0) return false;
  return true;
}

bool Equal(const Value& a, const Value& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Kind::kBool: return a.b == b.b;
    case Kind::kInt:
    case Kind::kDecimal:
    case Kind::kDatetime:
    case Kind::kDuration: return a.i == b.i;
    case Kind::kString: return a.s == b.s || TextEq(a.s->view(), b.s->view());
    case Kind::kEntity: return EntityEqual(*a.ent, *b.ent);
    case Kind::kIp:
      return a.ip->v6 == b.ip->v6 && a.ip->prefix == b.ip->prefix &&
             std::memcmp(a.ip->addr, b.ip->addr, 16) == 0;
    case Kind::kSet: {
      if (a.set == b.set) return true;
      if (a.set->size != b.set->size) return false;
      return SetsEqual(*a.set, *b.set);
    }
    case Kind::kRecord: {
      if (a.rec == b.rec) return true;
      if (a.rec->size != b.rec->size) return false;
      for (uint32_t i = 0; i < a.rec->size; ++i) {
        if (a.rec->fields[i].key != b.rec->fields[i].key) return false;
        if (!Equal(a.rec->fields[i].value, b.rec->fields[i].value)) return false;
      }
      return true;
    }
  }
  return false;
}

uint64_t HashValue(const Value& v) {
  switch (v.kind) {
    case Kind::kBool: return v.b ? 0x51 : 0x50;
    case Kind::kString: return HashBytes(v.s->view());
    case Kind::kEntity: return v.ent->hash;
    case Kind::kSet:
    case Kind::kRecord:
    case Kind::kIp: return static_cast<uint64_t>(v.kind) * 0x9e3779b97f4a7c15ull;
    default: return static_cast<uint64_t>(v.i) * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(v.kind);
  }
}

namespace {
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}
}  // namespace

uint64_t DeepHash(const Value& v) {
  switch (v.kind) {
    case Kind::kSet: {
      uint64_t h = v.set->size;  // a sum: elements are distinct and their order is not equality
      for (uint32_t i = 0; i < v.set->size; ++i) h += Mix(DeepHash(v.set->items[i]));
      return Mix(h ^ 0x5e7);
    }
    case Kind::kRecord: {
      uint64_t h = v.rec->size;
      for (uint32_t i = 0; i < v.rec->size; ++i) {
        h = Mix(h * 31 + HashBytes(v.rec->fields[i].key)) + DeepHash(v.rec->fields[i].value);
      }
      return Mix(h ^ 0x7ec);
    }
    case Kind::kIp: {
      std::string_view bytes(reinterpret_cast<const char*>(v.ip->addr), 16);
      return HashBytes(bytes, v.ip->prefix * 2u + v.ip->v6);
    }
    default: return HashValue(v);
  }
}

namespace {
constexpr uint32_t kEmpty = UINT32_MAX;
}  // namespace

ValueIndex::ValueIndex(const Value* items, uint32_t expected) : items_(items) {
  uint64_t capacity = 16;
  while (capacity < uint64_t{expected} * 2) capacity *= 2;  // load factor at most 1/2
  slots_.assign(capacity, kEmpty);
  hashes_.resize(capacity);
  mask_ = capacity - 1;
}

int64_t ValueIndex::Find(const Value& v, uint64_t hash) const {
  for (uint64_t s = hash & mask_;; s = (s + 1) & mask_) {
    uint32_t index = slots_[s];
    if (index == kEmpty) return -1;
    if (hashes_[s] == hash && Equal(items_[index], v)) return index;
  }
}

void ValueIndex::Insert(uint32_t index, uint64_t hash) {
  uint64_t s = hash & mask_;
  while (slots_[s] != kEmpty) s = (s + 1) & mask_;
  slots_[s] = index;
  hashes_[s] = hash;
}

void ValueIndex::Add(uint32_t index) { Insert(index, DeepHash(items_[index])); }

bool ValueIndex::AddIfAbsent(uint32_t index) {
  uint64_t hash = DeepHash(items_[index]);
  if (Find(items_[index], hash) >= 0) return false;
  Insert(index, hash);
  return true;
}

std::string EntityToString(const EntityObj& e) {
  std::string out(e.type);
  out += "::\"";
  for (char c : e.id) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace arbiter::engine
