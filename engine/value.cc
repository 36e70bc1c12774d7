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
      for (uint32_t i = 0; i < a.set->size; ++i)
        if (!SetHas(*b.set, a.set->items[i])) return false;
      return true;
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
