// The primitive operations of the language, shared by the VM and the reference evaluator so
// both give identical results and identical error messages. Each returns false after filling
// ctx.error when the operation fails (a type error, a missing attribute, an overflow, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/arena.h"
#include "engine/entity_store_impl.h"
#include "engine/value.h"

namespace arbiter::engine {

enum class ErrorKind : uint8_t {
  kTypeError,
  kMissingAttribute,
  kOverflow,
  kNoSuchEntity,
  kExtension,  // a malformed ip/decimal/datetime/duration text, or an out-of-range result
};
std::string_view ErrorKindName(ErrorKind kind);

struct EvalError {
  ErrorKind kind = ErrorKind::kTypeError;
  std::string message;
};

struct EvalContext {
  const StoreImpl* store;
  Arena* arena;       // for values made while deciding (sets, records, ip results)
  EvalError* error;
};

enum class Fn : uint8_t { kIp, kDecimal, kDatetime, kDuration };
inline constexpr int kNumFns = 4;
std::string_view FnName(Fn fn);
std::optional<Fn> FnByName(std::string_view name);

#define ARBITER_METHODS(X)                                                                   \
  X(Contains, "contains", 1) X(ContainsAll, "containsAll", 1) X(ContainsAny, "containsAny", 1) \
  X(IsEmpty, "isEmpty", 0) X(Size, "size", 0) X(StartsWith, "startsWith", 1)                 \
  X(EndsWith, "endsWith", 1) X(IsIpv4, "isIpv4", 0) X(IsIpv6, "isIpv6", 0)                   \
  X(IsLoopback, "isLoopback", 0) X(IsMulticast, "isMulticast", 0)                            \
  X(IsInRange, "isInRange", 1) X(Offset, "offset", 1) X(DurationSince, "durationSince", 1)   \
  X(ToDate, "toDate", 0) X(ToTime, "toTime", 0) X(ToDays, "toDays", 0)                       \
  X(ToHours, "toHours", 0) X(ToMinutes, "toMinutes", 0) X(ToSeconds, "toSeconds", 0)         \
  X(ToMilliseconds, "toMilliseconds", 0) X(LessThan, "lessThan", 1)                          \
  X(LessThanOrEqual, "lessThanOrEqual", 1) X(GreaterThan, "greaterThan", 1)                  \
  X(GreaterThanOrEqual, "greaterThanOrEqual", 1)

enum class Method : uint8_t {
#define ARBITER_METHOD_ENUM(id, name, arity) k##id,
  ARBITER_METHODS(ARBITER_METHOD_ENUM)
#undef ARBITER_METHOD_ENUM
};
std::string_view MethodName(Method m);
int MethodArity(Method m);
std::optional<Method> MethodByName(std::string_view name);

// A `like` glob: '*' matches any run of characters, "\*" a literal star.
struct LikePattern {
  uint32_t size;
  const int16_t* tokens;  // a byte, or -1 for a star
};
LikePattern CompileLike(std::string_view glob, Arena* arena);
bool LikeMatch(const LikePattern& pattern, std::string_view text);

enum class CmpOp : uint8_t { kLt, kLe, kGt, kGe };
enum class ArithOp : uint8_t { kAdd, kSub, kMul };

bool OpGetAttr(const EvalContext& ctx, const Value& obj, std::string_view name, Value* out);
bool OpHasAttr(const EvalContext& ctx, const Value& obj, std::string_view name, Value* out);
bool OpCompare(const EvalContext& ctx, CmpOp op, const Value& a, const Value& b, Value* out);
bool OpArith(const EvalContext& ctx, ArithOp op, const Value& a, const Value& b, Value* out);
bool OpNeg(const EvalContext& ctx, const Value& a, Value* out);
bool OpNot(const EvalContext& ctx, const Value& a, Value* out);
bool OpIn(const EvalContext& ctx, const Value& a, const Value& b, Value* out);
// `a in b` for two entities: equal, or b is an ancestor of a.
bool EntityIn(const EvalContext& ctx, const EntityObj& a, const EntityObj& b);
bool OpIs(const EvalContext& ctx, const Value& a, std::string_view type, Value* out);
bool OpLike(const EvalContext& ctx, const Value& a, const LikePattern& p, Value* out);
// The operand of &&, ||, !, if, any/all bodies and a rule's condition must be a bool.
bool CheckBool(const EvalContext& ctx, const Value& v);
// The collection of `any`/`all` must be a set.
bool CheckSet(const EvalContext& ctx, const Value& v);
bool OpCallFn(const EvalContext& ctx, Fn fn, const Value& arg, Value* out);
bool OpCallMethod(const EvalContext& ctx, Method m, const Value& recv, const Value* args,
                  uint32_t argc, Value* out);
// Builds a set (duplicates removed) or a record (keys sorted; a repeated key keeps the last).
Value MakeSet(Arena* arena, const Value* items, uint32_t n);
Value MakeRecord(Arena* arena, const std::string_view* keys, const Value* values, uint32_t n);
bool SetContains(const SetObj& set, const Value& v);
// set.containsAll(of) and set.containsAny(of), O(|set| + |of|) expected.
bool SetContainsAll(const SetObj& set, const SetObj& of);
bool SetContainsAny(const SetObj& set, const SetObj& of);
// The entity data for an entity value in ctx.store, or null when it is not there.
const EntityData* ResolveEntity(const EvalContext& ctx, const EntityObj& e);

// "type error: expected bool, got int" style message helpers.
bool Fail(const EvalContext& ctx, ErrorKind kind, std::string message);
std::string ValueToDisplay(const Value& v);

}  // namespace arbiter::engine
