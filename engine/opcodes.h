// The opcode enum, names, operand layouts and stack effects, all generated from opcodes.def.
#pragma once

#include <cstdint>
#include <string_view>

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

inline constexpr int VAR = -1;  // pops depend on the operand

struct OpInfo {
  std::string_view name;
  Operands operands;
  int pops;    // VAR: depends on the operand
  int pushes;
};

inline constexpr OpInfo kOpInfo[] = {
#define OP(name, operands, pops, pushes) {#name, Operands::operands, pops, pushes},
#include "engine/opcodes.def"
#undef OP
};

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
