// The bytecode verifier (spec/bytecode.md, "Verifier"). It proves, for every code range a
// program runs (rule conditions, their fast entries, obligation payloads), by abstract
// interpretation over the control-flow graph: every reached word decodes as one instruction,
// operands index their tables (constants, strings, shapes, patterns, functions, methods, slots,
// conjuncts), jumps land on instruction starts in the same range and go forward except a loop's
// back edge to its own IterNext, the stack depth and the kind of every stack slot and local at
// every instruction, that each op gets the kinds it trusts, and that a local is assigned on
// every path before it is read. So no bundle that passes can make the VM read or write outside
// its stack, locals, constants or code, nor run for ever.
#include <algorithm>
#include <string>
#include <vector>

#include "engine/compiler.h"
#include "engine/opcodes.h"

namespace arbiter::engine {

std::string_view SlotKindName(SlotKind k) {
  switch (k) {
    case SlotKind::kAny: return "a value";
    case SlotKind::kIter: return "iterator";
    case SlotKind::kUninit: return "an unassigned local";
    case SlotKind::kOperand: return "the operand's kind";
    case SlotKind::kCounted: return "counted values";
    default: return KindName(static_cast<Kind>(k));
  }
}

namespace {

inline constexpr uint32_t kMaxStack = 4096;
inline constexpr uint32_t kMaxLocals = 256;
// Bounds on the verifier's own work, far above what any compiled policy needs: the slots held
// at jump targets (8 bytes each) and the instructions interpreted, per code range.
inline constexpr size_t kMaxHeldSlots = size_t{1} << 22;
inline constexpr uint64_t kVisitsPerWord = 64;
inline constexpr uint32_t kNoLoop = UINT32_MAX;

// A stack slot: its kind and, for an iterator, the IterNext that last advanced it.
struct Slot {
  SlotKind kind;
  uint32_t loop;
  bool operator==(const Slot&) const = default;
};

struct State {
  std::vector<Slot> stack;
  std::vector<SlotKind> locals;  // slot kFirstLocalSlot + i
};

enum class Role : uint8_t { kUnseen, kStart, kOperand };

bool Satisfies(SlotKind have, SlotKind need) {
  return need == SlotKind::kAny ? IsValueKind(have) : have == need;
}

SlotKind JoinLocal(SlotKind a, SlotKind b) {
  if (a == b) return a;
  if (IsValueKind(a) && IsValueKind(b)) return SlotKind::kAny;
  return SlotKind::kUninit;
}

bool IsJump(Op op) {
  switch (op) {
    case Op::kAndJump: case Op::kOrJump: case Op::kJumpIfFalse: case Op::kJump:
    case Op::kIterNext: case Op::kIterAny: case Op::kIterAll: return true;
    default: return false;
  }
}

class RangeVerifier {
 public:
  RangeVerifier(const Program& p, const CodeRange& range, uint32_t num_locals,
                uint32_t num_conjuncts, std::string where)
      : p_(p), begin_(range.begin), end_(range.end), num_locals_(num_locals),
        num_conjuncts_(num_conjuncts), where_(std::move(where)) {}

  // Verifies the range entered at each of `entries` with an empty stack and no local assigned.
  // On success marks the reached instruction starts in *starts and sets *max_stack.
  Status Run(const std::vector<uint32_t>& entries, std::vector<uint8_t>* starts,
             uint32_t* max_stack) {
    if (begin_ >= end_ || end_ > p_.code.size()) {
      return Status::Corruption("bytecode of " + where_ + ": code range " +
                                std::to_string(begin_) + ".." + std::to_string(end_) +
                                " is empty or out of bounds");
    }
    ARBITER_RETURN_IF_ERROR(Decode(entries));
    ARBITER_RETURN_IF_ERROR(Interpret(entries));
    for (uint32_t i = 0; i < role_.size(); ++i) {
      if (role_[i] == Role::kStart) (*starts)[begin_ + i] = 1;
    }
    *max_stack = max_depth_;
    return Status::Ok();
  }

 private:
  Status Bad(uint32_t pc, const std::string& what) const {
    return Status::Corruption("bytecode of " + where_ + " at " + std::to_string(pc) + ": " +
                              what);
  }
  bool InRange(uint32_t pc) const { return pc >= begin_ && pc < end_; }
  Role& RoleAt(uint32_t pc) { return role_[pc - begin_]; }

  // The number of values a COUNT, SHAPE or METHOD operand makes the op pop.
  uint32_t Counted(const OpInfo& info, const uint32_t* a) const {
    switch (info.operands) {
      case Operands::COUNT: return a[0];
      case Operands::SHAPE: return static_cast<uint32_t>(p_.shapes[a[0]].size());
      case Operands::METHOD: return a[1] + 1;
      default: return 0;
    }
  }

  Status CheckOperands(uint32_t pc, Op op, const OpInfo& info, const uint32_t* a) const {
    uint32_t slots = dsl::kFirstLocalSlot + num_locals_;
    switch (info.operands) {
      case Operands::CONST:
        if (a[0] >= p_.constants.size()) return Bad(pc, "constant index out of range");
        break;
      case Operands::SYM:
        if (a[0] >= p_.strings.size()) return Bad(pc, "string index out of range");
        break;
      case Operands::SLOT:
      case Operands::SLOT_JUMP:
        if (a[0] >= slots || (op != Op::kLoadVar && a[0] < dsl::kFirstLocalSlot)) {
          return Bad(pc, "variable slot out of range");
        }
        break;
      case Operands::SLOT_CONST:
        if (a[0] >= slots) return Bad(pc, "variable slot out of range");
        if (a[1] >= p_.constants.size()) return Bad(pc, "constant index out of range");
        break;
      case Operands::SHAPE:
        if (a[0] >= p_.shapes.size()) return Bad(pc, "record shape out of range");
        break;
      case Operands::COUNT:
        if (a[0] > kMaxStack) return Bad(pc, "count too large");
        break;
      case Operands::FN:
        if (a[0] >= static_cast<uint32_t>(kNumFns)) return Bad(pc, "unknown function");
        break;
      case Operands::METHOD:
        if (a[0] > static_cast<uint32_t>(Method::kGreaterThanOrEqual)) {
          return Bad(pc, "unknown method");
        }
        if (a[1] != static_cast<uint32_t>(MethodArity(static_cast<Method>(a[0])))) {
          return Bad(pc, "wrong argument count");
        }
        break;
      case Operands::PATTERN:
        if (a[0] >= p_.patterns.size()) return Bad(pc, "pattern index out of range");
        break;
      case Operands::CONJ:
        if (a[0] >= num_conjuncts_) return Bad(pc, "conjunct number out of range");
        break;
      case Operands::NONE:
      case Operands::JUMP: break;
    }
    return Status::Ok();
  }

  // Pass 1: decodes every reachable instruction, checks its operands and where it may go next,
  // and finds the jump targets (the only places pass 2 keeps a state).
  Status Decode(const std::vector<uint32_t>& entries) {
    role_.assign(end_ - begin_, Role::kUnseen);
    head_.assign(end_ - begin_, 0);
    std::vector<uint32_t> work;
    for (uint32_t e : entries) {
      if (!InRange(e)) return Bad(e, "entry point is not an instruction of the range");
      head_[e - begin_] = 1;
      work.push_back(e);
    }
    std::vector<std::pair<uint32_t, uint32_t>> back_edges;
    while (!work.empty()) {
      uint32_t pc = work.back();
      work.pop_back();
      if (RoleAt(pc) == Role::kStart) continue;
      if (RoleAt(pc) == Role::kOperand) return Bad(pc, "jump into the middle of an instruction");
      uint32_t word = p_.code[pc];
      if (word >= static_cast<uint32_t>(Op::kNumOps)) {
        return Bad(pc, "unknown opcode " + std::to_string(word));
      }
      Op op = static_cast<Op>(word);
      const OpInfo& info = InfoOf(op);
      uint32_t words = static_cast<uint32_t>(OperandWords(info.operands));
      if (end_ - pc - 1 < words) return Bad(pc, "truncated instruction");
      for (uint32_t w = 1; w <= words; ++w) {
        if (RoleAt(pc + w) == Role::kStart) {
          return Bad(pc + w, "jump into the middle of an instruction");
        }
        RoleAt(pc + w) = Role::kOperand;
      }
      RoleAt(pc) = Role::kStart;
      const uint32_t* a = &p_.code[pc + 1];
      ARBITER_RETURN_IF_ERROR(CheckOperands(pc, op, info, a));
      if (IsJump(op)) {
        uint32_t target = op == Op::kIterNext ? a[1] : a[0];
        if (!InRange(target)) {
          return Bad(pc, "jump to " + std::to_string(target) + " is not an instruction");
        }
        bool back = op == Op::kIterAny || op == Op::kIterAll;
        if (back && target >= pc) return Bad(pc, "a loop's back edge must jump backward");
        if (!back && target <= pc) {
          return Bad(pc, "backward jump to " + std::to_string(target) +
                             " (only a loop's IterAny/IterAll jumps back)");
        }
        if (back) back_edges.emplace_back(pc, target);
        head_[target - begin_] = 1;
        work.push_back(target);
      }
      if (op == Op::kReturn || op == Op::kJump) continue;
      uint32_t next = pc + 1 + words;
      if (next >= end_) return Bad(pc, "falls off the end of its code");
      work.push_back(next);
    }
    for (auto [pc, target] : back_edges) {
      if (p_.code[target] != static_cast<uint32_t>(Op::kIterNext)) {
        return Bad(pc, "loop back edge to " + std::to_string(target) + " is not an IterNext");
      }
    }
    return Status::Ok();
  }

  // Joins `s` into the state held at jump target `pc`; queues pc when that state changed.
  Status Merge(uint32_t pc, const State& s) {
    int32_t& index = state_of_[pc - begin_];
    if (index < 0) {
      held_slots_ += s.stack.size() + s.locals.size();
      if (held_slots_ > kMaxHeldSlots) return Bad(pc, "code too complex to verify");
      index = static_cast<int32_t>(states_.size());
      states_.push_back(s);
      work_.push_back(pc);
      return Status::Ok();
    }
    State& held = states_[static_cast<size_t>(index)];
    if (held.stack.size() != s.stack.size()) {
      return Bad(pc, "inconsistent stack depth (" + std::to_string(held.stack.size()) + " and " +
                         std::to_string(s.stack.size()) + ")");
    }
    bool changed = false;
    for (size_t i = 0; i < s.stack.size(); ++i) {
      Slot& h = held.stack[i];
      const Slot& n = s.stack[i];
      if (h == n) continue;
      Slot joined;
      if (IsValueKind(h.kind) && IsValueKind(n.kind)) {
        joined = {SlotKind::kAny, kNoLoop};
      } else if (h.kind == SlotKind::kIter && n.kind == SlotKind::kIter) {
        joined = {SlotKind::kIter, kNoLoop};
      } else {
        return Bad(pc, "inconsistent stack kinds (" + std::string(SlotKindName(h.kind)) +
                           " and " + std::string(SlotKindName(n.kind)) + ")");
      }
      if (!(joined == h)) {
        h = joined;
        changed = true;
      }
    }
    for (size_t i = 0; i < s.locals.size(); ++i) {
      SlotKind joined = JoinLocal(held.locals[i], s.locals[i]);
      if (joined != held.locals[i]) {
        held.locals[i] = joined;
        changed = true;
      }
    }
    if (changed) work_.push_back(pc);
    return Status::Ok();
  }

  Status ReadLocal(uint32_t pc, const State& s, uint32_t slot, SlotKind* kind) const {
    if (slot < dsl::kFirstLocalSlot) {
      *kind = SlotKind::kAny;  // subject, action, resource, context: set by the caller
      return Status::Ok();
    }
    *kind = s.locals[slot - dsl::kFirstLocalSlot];
    if (!IsValueKind(*kind)) {
      return Bad(pc, "local " + std::to_string(slot - dsl::kFirstLocalSlot) +
                         " is read before it is assigned");
    }
    return Status::Ok();
  }

  // Pass 2: abstract interpretation from the entries to a fixed point. States are kept at jump
  // targets only; straight-line code between them is walked with one running state.
  Status Interpret(const std::vector<uint32_t>& entries) {
    state_of_.assign(end_ - begin_, -1);
    State initial{{}, std::vector<SlotKind>(num_locals_, SlotKind::kUninit)};
    for (uint32_t e : entries) ARBITER_RETURN_IF_ERROR(Merge(e, initial));
    uint64_t budget = kVisitsPerWord * (end_ - begin_) + 4096;
    while (!work_.empty()) {
      uint32_t pc = work_.back();
      work_.pop_back();
      State s = states_[static_cast<size_t>(state_of_[pc - begin_])];
      for (;;) {
        if (budget-- == 0) return Bad(pc, "code too complex to verify");
        bool falls_through = false;
        ARBITER_RETURN_IF_ERROR(Step(pc, &s, &falls_through));
        if (!falls_through) break;
        Operands operands = InfoOf(static_cast<Op>(p_.code[pc])).operands;
        pc += 1 + static_cast<uint32_t>(OperandWords(operands));
        if (head_[pc - begin_]) {
          ARBITER_RETURN_IF_ERROR(Merge(pc, s));
          break;
        }
      }
    }
    return Status::Ok();
  }

  // The transfer function of the instruction at pc: checks and applies its signature from
  // opcodes.def to *s, merges the states of its jump edges, says whether it falls through.
  Status Step(uint32_t pc, State* s, bool* falls_through) {
    Op op = static_cast<Op>(p_.code[pc]);
    const OpInfo& info = InfoOf(op);
    const uint32_t* a = &p_.code[pc + 1];
    uint32_t depth = static_cast<uint32_t>(s->stack.size());
    uint32_t pops = info.pops.counted() ? Counted(info, a) : info.pops.size;
    if (depth < pops) return Bad(pc, std::string(info.name) + ": stack underflow");
    for (uint32_t j = 0; j < pops; ++j) {
      SlotKind need = info.pops.counted() ? SlotKind::kAny : info.pops.kinds[j];
      SlotKind have = s->stack[depth - pops + j].kind;
      if (!Satisfies(have, need)) {
        return Bad(pc, std::string(info.name) + " expects " + std::string(SlotKindName(need)) +
                           ", got " + std::string(SlotKindName(have)));
      }
    }
    if (op == Op::kReturn && depth != 1) {
      return Bad(pc, "return with stack depth " + std::to_string(depth));
    }
    State before_jump;  // AndJump/OrJump keep their bool when they jump
    if (op == Op::kAndJump || op == Op::kOrJump) {
      before_jump = *s;
      before_jump.stack.back() = {SlotKind::kBool, kNoLoop};
    }
    Slot popped[2] = {};
    for (uint32_t j = 0; j < pops && j < 2; ++j) popped[j] = s->stack[depth - pops + j];
    s->stack.resize(depth - pops);

    for (uint32_t j = 0; j < info.pushes.size; ++j) {
      Slot slot{info.pushes.kinds[j], kNoLoop};
      if (slot.kind == SlotKind::kOperand) {
        if (op == Op::kPushConst) {
          slot.kind = SlotKindOf(p_.constants[a[0]].kind);
        } else {
          ARBITER_RETURN_IF_ERROR(ReadLocal(pc, *s, a[0], &slot.kind));
        }
      }
      if (op == Op::kIterNext) slot = j == 0 ? popped[0] : Slot{SlotKind::kIter, pc};
      s->stack.push_back(slot);
    }
    if (s->stack.size() > kMaxStack) return Bad(pc, "stack too deep");
    max_depth_ = std::max(max_depth_, static_cast<uint32_t>(s->stack.size()));

    *falls_through = true;
    switch (op) {
      case Op::kVarInConst: {
        SlotKind unused;
        return ReadLocal(pc, *s, a[0], &unused);
      }
      case Op::kStoreLocal:
        s->locals[a[0] - dsl::kFirstLocalSlot] = popped[0].kind;
        return Status::Ok();
      case Op::kReturn:
        *falls_through = false;
        return Status::Ok();
      case Op::kJump:
        *falls_through = false;
        return Merge(a[0], *s);
      case Op::kAndJump:
      case Op::kOrJump: return Merge(a[0], before_jump);
      case Op::kJumpIfFalse: return Merge(a[0], *s);
      case Op::kIterAny:
      case Op::kIterAll: {
        // The back edge must carry the iterator its IterNext advanced, untouched: a loop that
        // dropped it and started a fresh one would never end.
        Slot top = s->stack.empty() ? Slot{SlotKind::kUninit, kNoLoop} : s->stack.back();
        if (top.kind != SlotKind::kIter || top.loop != a[0]) {
          return Bad(pc, "loop back edge to " + std::to_string(a[0]) +
                             " does not continue the iterator its IterNext advanced");
        }
        return Merge(a[0], *s);
      }
      case Op::kIterNext: {
        ARBITER_RETURN_IF_ERROR(Merge(a[1], *s));  // past the end: the local is not assigned
        s->locals[a[0] - dsl::kFirstLocalSlot] = SlotKind::kAny;
        return Status::Ok();
      }
      default: return Status::Ok();
    }
  }

  const Program& p_;
  uint32_t begin_, end_, num_locals_, num_conjuncts_;
  std::string where_;
  std::vector<Role> role_;
  std::vector<uint8_t> head_;
  std::vector<int32_t> state_of_;  // index into states_, per word of the range; -1: none
  std::vector<State> states_;
  std::vector<uint32_t> work_;
  size_t held_slots_ = 0;
  uint32_t max_depth_ = 0;
};

struct NamedRange {
  CodeRange* range;
  std::string where;
};

}  // namespace

Status VerifyProgram(Program* p) {
  p->max_stack = 0;
  p->max_locals = 0;
  p->verified_starts.assign(p->code.size(), 0);
  std::vector<NamedRange> ranges;
  for (RuleMeta& r : p->rules) {
    if (r.num_locals > kMaxLocals) {
      return Status::Corruption("rule " + r.qualified_id + ": too many locals");
    }
    p->max_locals = std::max(p->max_locals, r.num_locals);
    uint32_t conj = static_cast<uint32_t>(r.conjuncts.size());
    std::string where = "rule " + r.qualified_id;
    ARBITER_RETURN_IF_ERROR(RangeVerifier(*p, r.code, r.num_locals, conj, where)
                                .Run({r.code.begin, r.fast_entry}, &p->verified_starts,
                                     &r.code.max_stack));
    p->max_stack = std::max(p->max_stack, r.code.max_stack);
    ranges.push_back({&r.code, where});
    for (ObligationMeta& o : r.obligations) {
      if (!o.has_payload) continue;
      where = "obligation " + o.name + " of " + r.qualified_id;
      ARBITER_RETURN_IF_ERROR(RangeVerifier(*p, o.code, r.num_locals, conj, where)
                                  .Run({o.code.begin}, &p->verified_starts, &o.code.max_stack));
      p->max_stack = std::max(p->max_stack, o.code.max_stack);
      ranges.push_back({&o.code, where});
    }
  }
  // Disjoint ranges: each word has one role, so the disassembler's view is unambiguous.
  std::sort(ranges.begin(), ranges.end(), [](const NamedRange& x, const NamedRange& y) {
    return x.range->begin < y.range->begin;
  });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].range->begin < ranges[i - 1].range->end) {
      return Status::Corruption("bytecode of " + ranges[i].where + " overlaps the code of " +
                                ranges[i - 1].where);
    }
  }
  return Status::Ok();
}

}  // namespace arbiter::engine
