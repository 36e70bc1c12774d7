// The built-in functions and methods of the language, with their arities and types: the one
// table the lowering (names, arity), the checker (types) and the engine agree on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter::dsl {

// Static types as the checker sees them (see dsl/types.h for composite types).
enum class BaseType : uint8_t {
  kUnknown,  // not known statically (no schema, or dynamic); matches anything
  kBool,
  kLong,
  kString,
  kDecimal,
  kIp,
  kDatetime,
  kDuration,
  kEntity,
  kSet,
  kRecord,
};

std::string_view BaseTypeName(BaseType type);

// Which receivers a method applies to (a set of BaseTypes).
enum ReceiverMask : uint16_t {
  kOnSet = 1u << 0,
  kOnRecord = 1u << 1,
  kOnString = 1u << 2,
  kOnIp = 1u << 3,
  kOnDatetime = 1u << 4,
  kOnDuration = 1u << 5,
  kOnDecimal = 1u << 6,
};
bool ReceiverApplies(uint16_t receivers, BaseType type);
// "a Set or a String", for diagnostics.
std::string ReceiverNames(uint16_t receivers);

// THE table of built-in methods: the lowering (names, arity), the checker (types), the
// compiler and VM (method numbers, arity) and the reference evaluator all read it, so none can
// accept what another refuses. X(Id, name, receivers, arity, argument, result); `argument`
// kUnknown: any value, or none. The order is the bytecode's method numbering
// (spec/bytecode.md): append only.
#define ARBITER_METHODS(X)                                                                     \
  X(Contains, "contains", kOnSet | kOnString, 1, kUnknown, kBool)                              \
  X(ContainsAll, "containsAll", kOnSet, 1, kSet, kBool)                                        \
  X(ContainsAny, "containsAny", kOnSet, 1, kSet, kBool)                                        \
  X(IsEmpty, "isEmpty", kOnSet | kOnRecord | kOnString, 0, kUnknown, kBool)                    \
  X(Size, "size", kOnSet | kOnRecord | kOnString, 0, kUnknown, kLong)                          \
  X(StartsWith, "startsWith", kOnString, 1, kString, kBool)                                    \
  X(EndsWith, "endsWith", kOnString, 1, kString, kBool)                                        \
  X(IsIpv4, "isIpv4", kOnIp, 0, kUnknown, kBool)                                               \
  X(IsIpv6, "isIpv6", kOnIp, 0, kUnknown, kBool)                                               \
  X(IsLoopback, "isLoopback", kOnIp, 0, kUnknown, kBool)                                       \
  X(IsMulticast, "isMulticast", kOnIp, 0, kUnknown, kBool)                                     \
  X(IsInRange, "isInRange", kOnIp, 1, kIp, kBool)                                              \
  X(Offset, "offset", kOnDatetime, 1, kDuration, kDatetime)                                    \
  X(DurationSince, "durationSince", kOnDatetime, 1, kDatetime, kDuration)                      \
  X(ToDate, "toDate", kOnDatetime, 0, kUnknown, kDatetime)                                     \
  X(ToTime, "toTime", kOnDatetime, 0, kUnknown, kDuration)                                     \
  X(ToDays, "toDays", kOnDuration, 0, kUnknown, kLong)                                         \
  X(ToHours, "toHours", kOnDuration, 0, kUnknown, kLong)                                       \
  X(ToMinutes, "toMinutes", kOnDuration, 0, kUnknown, kLong)                                   \
  X(ToSeconds, "toSeconds", kOnDuration, 0, kUnknown, kLong)                                   \
  X(ToMilliseconds, "toMilliseconds", kOnDuration, 0, kUnknown, kLong)                         \
  X(LessThan, "lessThan", kOnDecimal, 1, kDecimal, kBool)                                      \
  X(LessThanOrEqual, "lessThanOrEqual", kOnDecimal, 1, kDecimal, kBool)                        \
  X(GreaterThan, "greaterThan", kOnDecimal, 1, kDecimal, kBool)                                \
  X(GreaterThanOrEqual, "greaterThanOrEqual", kOnDecimal, 1, kDecimal, kBool)

// The extension constructors, each taking one String: X(Id, name, result). The order is the
// bytecode's function numbering: append only.
#define ARBITER_FUNCTIONS(X)                                                                   \
  X(Ip, "ip", kIp) X(Decimal, "decimal", kDecimal) X(Datetime, "datetime", kDatetime)          \
  X(Duration, "duration", kDuration)

enum class MethodId : uint8_t {
#define ARBITER_METHOD_ID(id, name, receivers, arity, argument, result) k##id,
  ARBITER_METHODS(ARBITER_METHOD_ID)
#undef ARBITER_METHOD_ID
};
enum class FunctionId : uint8_t {
#define ARBITER_FUNCTION_ID(id, name, result) k##id,
  ARBITER_FUNCTIONS(ARBITER_FUNCTION_ID)
#undef ARBITER_FUNCTION_ID
};

struct FunctionInfo {
  FunctionId id;
  std::string_view name;
  BaseType result;  // the argument is always one String literal or expression
};

struct MethodInfo {
  MethodId id;
  std::string_view name;
  uint16_t receivers;  // ReceiverMask bits
  int arity;           // arguments besides the receiver
  BaseType argument;   // kUnknown when it depends on the receiver or there is none
  BaseType result;
};

// nullptr when unknown.
const FunctionInfo* FindFunction(std::string_view name);
const MethodInfo* FindMethod(std::string_view name);
// Every method's (function's) name, for suggestions.
std::vector<std::string_view> MethodNames();
std::vector<std::string_view> FunctionNames();
// The entry of a method or function number.
const MethodInfo& MethodInfoOf(MethodId id);
const FunctionInfo& FunctionInfoOf(FunctionId id);
inline constexpr int kNumMethods = 0
#define ARBITER_METHOD_COUNT(id, name, receivers, arity, argument, result) +1
    ARBITER_METHODS(ARBITER_METHOD_COUNT)
#undef ARBITER_METHOD_COUNT
    ;
inline constexpr int kNumFunctions = 0
#define ARBITER_FUNCTION_COUNT(id, name, result) +1
    ARBITER_FUNCTIONS(ARBITER_FUNCTION_COUNT)
#undef ARBITER_FUNCTION_COUNT
    ;

}  // namespace arbiter::dsl
