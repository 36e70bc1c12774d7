// The built-in functions and methods of the language, with their arities and types: the one
// table the lowering (names, arity), the checker (types) and the engine agree on.
#pragma once

#include <cstdint>
#include <string_view>

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

struct FunctionInfo {
  std::string_view name;
  BaseType result;  // the argument is always one String literal or expression
};

struct MethodInfo {
  std::string_view name;
  BaseType receiver;  // kUnknown: several receiver kinds (see the checker)
  int arity;          // arguments besides the receiver
  BaseType argument;  // kUnknown when it depends on the receiver or there is none
  BaseType result;    // kUnknown when it depends on the receiver
};

// nullptr when unknown.
const FunctionInfo* FindFunction(std::string_view name);
const MethodInfo* FindMethod(std::string_view name);

}  // namespace arbiter::dsl
