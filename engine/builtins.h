// The primitive operations of the language, shared by the VM and the reference evaluator so
// both give identical results and identical error messages. Each returns false after filling
// ctx.error when the operation fails (a type error, a missing attribute, an overflow, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <arbiter/engine.h>

#include "dsl/builtins.h"
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
  kBudget,     // the decision's evaluation budget ran out (spec/errors.md, budget_exceeded)
};
std::string_view ErrorKindName(ErrorKind kind);

struct EvalError {
  ErrorKind kind = ErrorKind::kTypeError;
  std::string message;
};

// What is left of one decision's evaluation budget (spec/language.md, "Evaluation budget").
// Every rule and obligation payload of the decision draws on it. Once a charge fails the
// budget stays exhausted, so the later charges of that decision fail too.
struct Budget {
  uint64_t steps;
  uint64_t bytes;
  uint64_t step_limit;  // the starting values, for the error message
  uint64_t byte_limit;
};
// A full budget; a 0 in `requested` takes the default from common/limits.h.
Budget MakeBudget(const EvalBudget& requested);

struct EvalContext {
  const StoreImpl* store;
  Arena* arena;       // for values made while deciding (sets, records, ip results)
  EvalError* error;
  // The decision's budget; null (constant folding, reading JSON) means unbounded, which is
  // safe there because that work is bounded by the size of the policy or document.
  Budget* budget = nullptr;
};

// Charging the budget. Each returns false after filling ctx.error with a budget error when
// the charge does not fit. Only operations that loop or allocate charge (the list is in
// spec/language.md); straight-line code is bounded by its length.
bool BudgetExceeded(const EvalContext& ctx, bool bytes);
inline bool ChargeSteps(const EvalContext& ctx, uint64_t steps) {
  Budget* b = ctx.budget;
  if (b == nullptr) return true;
  if (steps > b->steps) return BudgetExceeded(ctx, false);
  b->steps -= steps;
  return true;
}
// Building a value of `elements` elements that takes `bytes` bytes.
inline bool ChargeBuild(const EvalContext& ctx, uint64_t elements, uint64_t bytes) {
  Budget* b = ctx.budget;
  if (b == nullptr) return true;
  if (bytes > b->bytes) return BudgetExceeded(ctx, true);
  if (elements > b->steps) return BudgetExceeded(ctx, false);
  b->bytes -= bytes;
  b->steps -= elements;
  return true;
}
// Steps for scanning `bytes` bytes of text: one per 16 bytes, and one for the operation.
inline uint64_t TextSteps(uint64_t bytes) { return 1 + bytes / 16; }
// `a == b` on strings, sets and records scans them: charges that scan (scalars, entities and
// ips compare in constant time and are free). Call before Equal when either may be composite.
bool ChargeEqualSlow(const EvalContext& ctx, const Value& a, const Value& b);
inline bool ChargeEqual(const EvalContext& ctx, const Value& a, const Value& b) {
  static_assert(static_cast<int>(Kind::kSet) == static_cast<int>(Kind::kString) + 1 &&
                static_cast<int>(Kind::kRecord) == static_cast<int>(Kind::kString) + 2);
  auto offset = static_cast<uint8_t>(static_cast<uint8_t>(a.kind) -
                                     static_cast<uint8_t>(Kind::kString));
  if (a.kind != b.kind || offset > 2) return true;
  return ChargeEqualSlow(ctx, a, b);
}

// Functions and methods are numbered by the one table in dsl/builtins.h.
using Fn = dsl::FunctionId;
inline constexpr int kNumFns = dsl::kNumFunctions;
std::string_view FnName(Fn fn);
std::optional<Fn> FnByName(std::string_view name);

using Method = dsl::MethodId;
std::string_view MethodName(Method m);
int MethodArity(Method m);
std::optional<Method> MethodByName(std::string_view name);

// A `like` glob: '*' matches any run of characters, "\*" a literal star. Matching is linear in
// the text plus the pattern (no backtracking): the star-free pieces are found left to right
// with their precomputed border tables (engine/text_search.h).
struct LikePattern {
  uint32_t size;
  const int16_t* tokens;    // a byte, or -1 for a star
  const char* bytes;        // the tokens as bytes (a star's byte is unused)
  const uint32_t* borders;  // per token: its KMP border within its star-free piece
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
