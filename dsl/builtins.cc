#include "dsl/builtins.h"

#include <array>

namespace arbiter::dsl {

std::string_view BaseTypeName(BaseType type) {
  switch (type) {
    case BaseType::kUnknown: return "unknown";
    case BaseType::kBool: return "Bool";
    case BaseType::kLong: return "Long";
    case BaseType::kString: return "String";
    case BaseType::kDecimal: return "Decimal";
    case BaseType::kIp: return "Ip";
    case BaseType::kDatetime: return "Datetime";
    case BaseType::kDuration: return "Duration";
    case BaseType::kEntity: return "Entity";
    case BaseType::kSet: return "Set";
    case BaseType::kRecord: return "Record";
  }
  return "unknown";
}

namespace {

using B = BaseType;

constexpr std::array<FunctionInfo, 4> kFunctions = {{
    {"ip", B::kIp},
    {"decimal", B::kDecimal},
    {"datetime", B::kDatetime},
    {"duration", B::kDuration},
}};

constexpr std::array<MethodInfo, 25> kMethods = {{
    // Sets (and, for contains, strings are not included: use like).
    {"contains", B::kSet, 1, B::kUnknown, B::kBool},
    {"containsAll", B::kSet, 1, B::kSet, B::kBool},
    {"containsAny", B::kSet, 1, B::kSet, B::kBool},
    // Sets, records and strings.
    {"isEmpty", B::kUnknown, 0, B::kUnknown, B::kBool},
    {"size", B::kUnknown, 0, B::kUnknown, B::kLong},
    // Strings.
    {"startsWith", B::kString, 1, B::kString, B::kBool},
    {"endsWith", B::kString, 1, B::kString, B::kBool},
    // ip.
    {"isIpv4", B::kIp, 0, B::kUnknown, B::kBool},
    {"isIpv6", B::kIp, 0, B::kUnknown, B::kBool},
    {"isLoopback", B::kIp, 0, B::kUnknown, B::kBool},
    {"isMulticast", B::kIp, 0, B::kUnknown, B::kBool},
    {"isInRange", B::kIp, 1, B::kIp, B::kBool},
    // datetime.
    {"offset", B::kDatetime, 1, B::kDuration, B::kDatetime},
    {"durationSince", B::kDatetime, 1, B::kDatetime, B::kDuration},
    {"toDate", B::kDatetime, 0, B::kUnknown, B::kDatetime},
    {"toTime", B::kDatetime, 0, B::kUnknown, B::kDuration},
    // duration.
    {"toDays", B::kDuration, 0, B::kUnknown, B::kLong},
    {"toHours", B::kDuration, 0, B::kUnknown, B::kLong},
    {"toMinutes", B::kDuration, 0, B::kUnknown, B::kLong},
    {"toSeconds", B::kDuration, 0, B::kUnknown, B::kLong},
    {"toMilliseconds", B::kDuration, 0, B::kUnknown, B::kLong},
    // decimal (Cedar's names; the comparison operators work on decimals too).
    {"lessThan", B::kDecimal, 1, B::kDecimal, B::kBool},
    {"lessThanOrEqual", B::kDecimal, 1, B::kDecimal, B::kBool},
    {"greaterThan", B::kDecimal, 1, B::kDecimal, B::kBool},
    {"greaterThanOrEqual", B::kDecimal, 1, B::kDecimal, B::kBool},
}};

}  // namespace

const FunctionInfo* FindFunction(std::string_view name) {
  for (const auto& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const MethodInfo* FindMethod(std::string_view name) {
  for (const auto& m : kMethods) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace arbiter::dsl
