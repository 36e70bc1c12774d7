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

constexpr std::array<FunctionInfo, kNumFunctions> kFunctions = {{
#define ARBITER_FUNCTION_INFO(id, name, result) {FunctionId::k##id, name, B::result},
    ARBITER_FUNCTIONS(ARBITER_FUNCTION_INFO)
#undef ARBITER_FUNCTION_INFO
}};

constexpr std::array<MethodInfo, kNumMethods> kMethods = {{
#define ARBITER_METHOD_INFO(id, name, receivers, arity, argument, result) \
  {MethodId::k##id, name, static_cast<uint16_t>(receivers), arity, B::argument, B::result},
    ARBITER_METHODS(ARBITER_METHOD_INFO)
#undef ARBITER_METHOD_INFO
}};

}  // namespace

bool ReceiverApplies(uint16_t receivers, BaseType type) {
  switch (type) {
    case B::kSet: return receivers & kOnSet;
    case B::kRecord: return receivers & kOnRecord;
    case B::kString: return receivers & kOnString;
    case B::kIp: return receivers & kOnIp;
    case B::kDatetime: return receivers & kOnDatetime;
    case B::kDuration: return receivers & kOnDuration;
    case B::kDecimal: return receivers & kOnDecimal;
    default: return false;
  }
}

std::string ReceiverNames(uint16_t receivers) {
  std::string out;
  for (B type : {B::kSet, B::kRecord, B::kString, B::kIp, B::kDatetime, B::kDuration, B::kDecimal}) {
    if (!ReceiverApplies(receivers, type)) continue;
    out += out.empty() ? "a " : " or a ";
    out += BaseTypeName(type);
  }
  return out;
}

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

std::vector<std::string_view> MethodNames() {
  std::vector<std::string_view> names;
  for (const auto& m : kMethods) names.push_back(m.name);
  return names;
}

std::vector<std::string_view> FunctionNames() {
  std::vector<std::string_view> names;
  for (const auto& f : kFunctions) names.push_back(f.name);
  return names;
}

const MethodInfo& MethodInfoOf(MethodId id) { return kMethods[static_cast<size_t>(id)]; }
const FunctionInfo& FunctionInfoOf(FunctionId id) { return kFunctions[static_cast<size_t>(id)]; }

}  // namespace arbiter::dsl
