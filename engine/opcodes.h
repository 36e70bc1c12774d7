// The opcode enum, names, operand layouts and kind signatures, all generated from opcodes.def.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "engine/value.h"

namespace arbiter::engine {

enum class Op : uint32_t {
#define OP(name, operands, pops, pushes) k##name,
#include "engine/opcodes.def"
#undef OP
  kNumOps
};

enum class Operands : uint8_t {
  NONE, CONST, SYM, SLOT, JUMP, COUNT, SHAPE, FN, METHOD, SLOT_JUMP, PATTERN, CONJ, SLOT_CONST
};

// What the verifier knows about a stack slot or a local: a lattice (spec/bytecode.md,
// "Verifier"). The first ten mirror Kind, in its order; any value joins with any other value to
// kAny; kIter (an any/all loop's position) and kUninit (a local not assigned on every path) join
// with nothing else. kOperand and kCounted appear only in the signatures of opcodes.def.
enum class SlotKind : uint8_t {
  kBool, kInt, kString, kSet, kRecord, kEntity, kIp, kDecimal, kDatetime, kDuration,
  kAny, kIter, kUninit,
  kOperand, kCounted
};
inline constexpr SlotKind SlotKindOf(Kind k) { return static_cast<SlotKind>(k); }
inline constexpr bool IsValueKind(SlotKind k) { return k <= SlotKind::kAny; }
std::string_view SlotKindName(SlotKind k);

// The kinds an op pops or pushes, deepest first.
struct KindList {
  uint8_t size = 0;
  SlotKind kinds[2] = {};
  constexpr bool counted() const { return size == 1 && kinds[0] == SlotKind::kCounted; }
};

namespace opcode_table {
constexpr KindList Kinds(std::initializer_list<SlotKind> kinds) {
  KindList list;
  for (SlotKind k : kinds) list.kinds[list.size++] = k;
  return list;
}
// The names opcodes.def writes its signatures with.
inline constexpr SlotKind ANY = SlotKind::kAny, BOOL = SlotKind::kBool, INT = SlotKind::kInt,
                          SET = SlotKind::kSet, REC = SlotKind::kRecord, ITER = SlotKind::kIter,
                          OPERAND = SlotKind::kOperand, COUNTED = SlotKind::kCounted;
}  // namespace opcode_table

struct OpInfo {
  std::string_view name;
  Operands operands;
  KindList pops;
  KindList pushes;
};

namespace opcode_table {
#define ARBITER_KINDS(...) Kinds({__VA_ARGS__})
inline constexpr OpInfo kOpInfo[] = {
#define OP(name, operands, pops, pushes) \
  {#name, Operands::operands, ARBITER_KINDS pops, ARBITER_KINDS pushes},
#include "engine/opcodes.def"
#undef OP
};
#undef ARBITER_KINDS
}  // namespace opcode_table
using opcode_table::kOpInfo;

inline constexpr int OperandWords(Operands o) {
  switch (o) {
    case Operands::NONE: return 0;
    case Operands::METHOD:
    case Operands::SLOT_JUMP:
    case Operands::SLOT_CONST: return 2;
    default: return 1;
  }
}

inline const OpInfo& InfoOf(Op op) { return kOpInfo[static_cast<uint32_t>(op)]; }

}  // namespace arbiter::engine
