// The run-time values of the policy language. A Value is 16 bytes: a kind and either an
// inline scalar (bool, int, decimal, datetime, duration) or a pointer to an immutable object
// owned by an Arena (of the program, the entity store, the request or the deciding thread).
// Values never own memory, so copying one is free and a decision allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter::engine {

enum class Kind : uint8_t {
  kBool,
  kInt,
  kString,
  kSet,
  kRecord,
  kEntity,
  kIp,
  kDecimal,   // i = value * 10^4 (Cedar's decimal: 4 fraction digits)
  kDatetime,  // i = milliseconds since the Unix epoch, UTC
  kDuration,  // i = milliseconds
};

std::string_view KindName(Kind kind);

struct StrObj;
struct SetObj;
struct RecObj;
struct EntityObj;
struct IpObj;

struct Value {
  Kind kind = Kind::kBool;
  union {
    bool b;
    int64_t i;
    const StrObj* s;
    const SetObj* set;
    const RecObj* rec;
    const EntityObj* ent;
    const IpObj* ip;
  };
  Value() : i(0) {}

  static Value Bool(bool v) {
    Value r;
    r.kind = Kind::kBool;
    r.b = v;
    return r;
  }
  static Value Int(int64_t v) { return Scalar(Kind::kInt, v); }
  static Value Decimal(int64_t v) { return Scalar(Kind::kDecimal, v); }
  static Value Datetime(int64_t v) { return Scalar(Kind::kDatetime, v); }
  static Value Duration(int64_t v) { return Scalar(Kind::kDuration, v); }
  static Value Scalar(Kind k, int64_t v) {
    Value r;
    r.kind = k;
    r.i = v;
    return r;
  }
  static Value String(const StrObj* v) {
    Value r;
    r.kind = Kind::kString;
    r.s = v;
    return r;
  }
  static Value Set(const SetObj* v) {
    Value r;
    r.kind = Kind::kSet;
    r.set = v;
    return r;
  }
  static Value Record(const RecObj* v) {
    Value r;
    r.kind = Kind::kRecord;
    r.rec = v;
    return r;
  }
  static Value Entity(const EntityObj* v) {
    Value r;
    r.kind = Kind::kEntity;
    r.ent = v;
    return r;
  }
  static Value Ip(const IpObj* v) {
    Value r;
    r.kind = Kind::kIp;
    r.ip = v;
    return r;
  }
};
static_assert(sizeof(Value) == 16);

struct StrObj {
  const char* data;
  uint32_t size;
  std::string_view view() const { return {data, size}; }
};

// Elements are distinct (by Equal); order is insertion order.
struct SetObj {
  uint32_t size;
  const Value* items;
};

// Fields are sorted by key text and keys are distinct.
struct Field {
  std::string_view key;
  Value value;
};
struct RecObj {
  uint32_t size;
  const Field* fields;
  // The field named `key`, or null.
  const Value* Find(std::string_view key) const;
};

struct EntityData;  // entity_store.h

// An entity reference. `resolved` says whether `data` was looked up in an entity store (it is
// then null when the entity does not exist there); constants in a program are unresolved and
// are looked up in the store they meet at decision time.
struct EntityObj {
  std::string_view type;
  std::string_view id;
  uint64_t hash;               // EntityHash(type, id)
  const EntityData* data;      // valid when resolved
  const RecObj* properties;    // request overlay (AuthZEN "properties"), may be null
  bool resolved;
};

uint64_t HashBytes(std::string_view s, uint64_t seed = 0x9e3779b97f4a7c15ull);
inline uint64_t EntityHash(std::string_view type, std::string_view id) {
  return HashBytes(id, HashBytes(type) * 31 + 7);
}

// IPv4 addresses keep their 4 bytes in addr[0..3]; prefix is the CIDR length (32 or 128 for a
// single address).
struct IpObj {
  bool v6;
  uint8_t prefix;
  uint8_t addr[16];
};

// Structural equality; values of different kinds are never equal (never an error).
bool Equal(const Value& a, const Value& b);
// A hash consistent with Equal for scalars, strings and entities (used by the rule index).
uint64_t HashValue(const Value& v);
// A hash consistent with Equal for every kind: sets hash their elements order-free, records
// their fields in key order. For building and comparing sets in O(n) expected.
uint64_t DeepHash(const Value& v);

// Which of a growing array of distinct values equal a given one, in O(1) expected per query:
// set construction, set equality and containsAll/containsAny on large sets use it instead of
// a scan per element (which is quadratic). Holds indices into `items`, which it does not own.
class ValueIndex {
 public:
  ValueIndex(const Value* items, uint32_t expected);
  // Index of an element of items[0..size) equal to v, or -1.
  int64_t Find(const Value& v) const { return Find(v, DeepHash(v)); }
  // Adds items[index] (expected distinct from the elements added so far).
  void Add(uint32_t index);
  // Adds items[index] unless an equal element is present; true when added.
  bool AddIfAbsent(uint32_t index);

 private:
  int64_t Find(const Value& v, uint64_t hash) const;
  void Insert(uint32_t index, uint64_t hash);

  const Value* items_;
  std::vector<uint32_t> slots_;  // kEmpty or an index into items_
  std::vector<uint64_t> hashes_;  // per slot
  uint64_t mask_;
};

// Sets at most this large are scanned; larger ones are indexed.
inline constexpr uint32_t kScanSetSize = 16;

// String equality tuned for the short names policies compare (types, ids, attribute names):
// an inline byte loop instead of a call to memcmp.
inline bool TextEq(std::string_view a, std::string_view b) {
  size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (x == y || n == 0) return true;
  if (n > 24) return __builtin_memcmp(x, y, n) == 0;
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

inline bool EntityEqual(const EntityObj& a, const EntityObj& b) {
  return &a == &b || (a.hash == b.hash && TextEq(a.id, b.id) && TextEq(a.type, b.type));
}

// The entity written as Cedar does: User::"alice".
std::string EntityToString(const EntityObj& e);

}  // namespace arbiter::engine
