// The bytecode verifier: a bundle that passes it cannot make the VM read outside its stack,
// locals, constants or code, so a crafted bundle is rejected rather than run.
#include <vector>

#include "engine/compiler.h"
#include "engine/opcodes.h"

namespace arbiter::engine {
namespace {

inline constexpr uint32_t kMaxStack = 4096;

Status VerifyRange(const Program& p, CodeRange* range, uint32_t num_locals, uint32_t num_conjuncts,
                   const std::string& where, uint32_t extra_entry) {
  auto bad = [&](uint32_t pc, const std::string& what) {
    return Status::Corruption("bytecode of " + where + " at " + std::to_string(pc) + ": " + what);
  };
  if (range->begin > range->end || range->end > p.code.size()) {
    return Status::Corruption("bytecode of " + where + ": code range out of bounds");
  }
  if (range->begin == range->end) return Status::Corruption("bytecode of " + where + ": empty");
  // Instruction starts.
  std::vector<int32_t> depth(range->end - range->begin, -2);  // -2: not an instruction start
  for (uint32_t pc = range->begin; pc < range->end;) {
    uint32_t op = p.code[pc];
    if (op >= static_cast<uint32_t>(Op::kNumOps)) return bad(pc, "unknown opcode " + std::to_string(op));
    depth[pc - range->begin] = -1;  // an instruction start, not reached yet
    pc += 1 + OperandWords(kOpInfo[op].operands);
    if (pc > range->end) return bad(pc, "truncated instruction");
  }
  uint32_t max_depth = 0;
  std::vector<uint32_t> work = {range->begin};
  depth[0] = 0;
  if (extra_entry != range->begin) {
    if (extra_entry < range->begin || extra_entry >= range->end ||
        depth[extra_entry - range->begin] != -1) {
      return Status::Corruption("bytecode of " + where + ": fast entry is not an instruction");
    }
    depth[extra_entry - range->begin] = 0;
    work.push_back(extra_entry);
  }
  auto flow = [&](uint32_t from, uint32_t target, int32_t d) -> Status {
    if (target < range->begin || target >= range->end || depth[target - range->begin] == -2) {
      return bad(from, "jump to " + std::to_string(target) + " is not an instruction");
    }
    int32_t& slot = depth[target - range->begin];
    if (slot == -1) {
      slot = d;
      work.push_back(target);
    } else if (slot != d) {
      return bad(target, "inconsistent stack depth");
    }
    return Status::Ok();
  };
  while (!work.empty()) {
    uint32_t pc = work.back();
    work.pop_back();
    int32_t d = depth[pc - range->begin];
    Op op = static_cast<Op>(p.code[pc]);
    const OpInfo& info = InfoOf(op);
    const uint32_t* a = &p.code[pc + 1];
    int32_t pops = info.pops;
    switch (info.operands) {
      case Operands::CONST:
        if (a[0] >= p.constants.size()) return bad(pc, "constant index out of range");
        break;
      case Operands::SYM:
        if (a[0] >= p.strings.size()) return bad(pc, "string index out of range");
        break;
      case Operands::SLOT:
      case Operands::SLOT_JUMP: {
        uint32_t limit = dsl::kFirstLocalSlot + num_locals;
        bool local_only = op != Op::kLoadVar;
        if (a[0] >= limit || (local_only && a[0] < dsl::kFirstLocalSlot)) {
          return bad(pc, "variable slot out of range");
        }
        break;
      }
      case Operands::SLOT_CONST:
        if (a[0] >= dsl::kFirstLocalSlot + num_locals) return bad(pc, "variable slot out of range");
        if (a[1] >= p.constants.size()) return bad(pc, "constant index out of range");
        break;
      case Operands::SHAPE:
        if (a[0] >= p.shapes.size()) return bad(pc, "record shape out of range");
        pops = static_cast<int32_t>(p.shapes[a[0]].size());
        break;
      case Operands::COUNT:
        if (a[0] > kMaxStack) return bad(pc, "count too large");
        pops = static_cast<int32_t>(a[0]);
        break;
      case Operands::FN:
        if (a[0] >= static_cast<uint32_t>(kNumFns)) return bad(pc, "unknown function");
        break;
      case Operands::METHOD:
        if (a[0] > static_cast<uint32_t>(Method::kGreaterThanOrEqual)) return bad(pc, "unknown method");
        if (a[1] != static_cast<uint32_t>(MethodArity(static_cast<Method>(a[0])))) {
          return bad(pc, "wrong argument count");
        }
        pops = static_cast<int32_t>(a[1]) + 1;
        break;
      case Operands::PATTERN:
        if (a[0] >= p.patterns.size()) return bad(pc, "pattern index out of range");
        break;
      case Operands::CONJ:
        if (a[0] >= num_conjuncts) return bad(pc, "conjunct number out of range");
        break;
      case Operands::NONE:
      case Operands::JUMP: break;
    }
    if (d < pops) return bad(pc, "stack underflow");
    int32_t after = d - pops + info.pushes;
    if (static_cast<uint32_t>(after) > max_depth) max_depth = static_cast<uint32_t>(after);
    if (max_depth > kMaxStack) return bad(pc, "stack too deep");
    uint32_t next = pc + 1 + OperandWords(info.operands);
    switch (op) {
      case Op::kReturn:
        if (d != 1) return bad(pc, "return with stack depth " + std::to_string(d));
        continue;
      case Op::kJump: ARBITER_RETURN_IF_ERROR(flow(pc, a[0], after)); continue;
      case Op::kAndJump:
      case Op::kOrJump: ARBITER_RETURN_IF_ERROR(flow(pc, a[0], after + 1)); break;
      case Op::kJumpIfFalse:
      case Op::kIterAny:
      case Op::kIterAll: ARBITER_RETURN_IF_ERROR(flow(pc, a[0], after)); break;
      case Op::kIterNext: ARBITER_RETURN_IF_ERROR(flow(pc, a[1], after)); break;
      default: break;
    }
    if (next >= range->end) return bad(pc, "falls off the end of its code");
    ARBITER_RETURN_IF_ERROR(flow(pc, next, after));
  }
  range->max_stack = max_depth;
  return Status::Ok();
}

}  // namespace

Status VerifyProgram(Program* p) {
  p->max_stack = 0;
  p->max_locals = 0;
  for (RuleMeta& r : p->rules) {
    if (r.num_locals > 256) return Status::Corruption("rule " + r.qualified_id + ": too many locals");
    uint32_t conj = static_cast<uint32_t>(r.conjuncts.size());
    ARBITER_RETURN_IF_ERROR(
        VerifyRange(*p, &r.code, r.num_locals, conj, "rule " + r.qualified_id, r.fast_entry));
    p->max_stack = std::max(p->max_stack, r.code.max_stack);
    for (ObligationMeta& o : r.obligations) {
      if (!o.has_payload) continue;
      ARBITER_RETURN_IF_ERROR(VerifyRange(*p, &o.code, r.num_locals, conj,
                                          "obligation " + o.name + " of " + r.qualified_id,
                                          o.code.begin));
      p->max_stack = std::max(p->max_stack, o.code.max_stack);
    }
    p->max_locals = std::max(p->max_locals, r.num_locals);
    if (r.index_key.attr_const >= 0 &&
        static_cast<size_t>(r.index_key.attr_const) >= p->constants.size()) {
      return Status::Corruption("rule " + r.qualified_id + ": index constant out of range");
    }
    if (r.index_key.attr_var > 3) return Status::Corruption("rule " + r.qualified_id + ": bad index variable");
  }
  return Status::Ok();
}

}  // namespace arbiter::engine
