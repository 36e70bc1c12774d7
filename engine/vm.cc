// The interpreter. vm_switch.cc includes this file a second time with ARBITER_VM_SWITCH set,
// so the portable switch dispatch is built and tested alongside the computed-goto one.
#include "engine/vm.h"

#include "engine/opcodes.h"

#if (defined(__GNUC__) || defined(__clang__)) && !defined(ARBITER_VM_SWITCH)
#define ARBITER_COMPUTED_GOTO 1
#else
#define ARBITER_COMPUTED_GOTO 0
#endif
#ifndef ARBITER_VM_FUNCTION
#define ARBITER_VM_FUNCTION Execute
#endif

namespace arbiter::engine {

bool ARBITER_VM_FUNCTION(const Program& p, uint32_t entry, const EvalContext& ctx, Value* vars,
             Value* stack, Value* result, uint32_t* mark) {
  const uint32_t* const code = p.code.data();
  const uint32_t* ip = code + entry;
  const Value* const consts = p.constants.data();
  const std::string_view* const strs = p.string_views.data();
  Value* sp = stack;
  Budget* const budget = ctx.budget;

#if ARBITER_COMPUTED_GOTO
  static const void* const kLabels[] = {
#define OP(name, operands, pops, pushes) &&L_##name,
#include "engine/opcodes.def"
#undef OP
  };
#define DISPATCH() goto* kLabels[*ip++]
#define TARGET(name) L_##name
  DISPATCH();
#else
#define DISPATCH() goto dispatch
#define TARGET(name) case Op::k##name
dispatch:
  switch (static_cast<Op>(*ip++)) {
#endif

  TARGET(PushConst) : {
    *sp++ = consts[*ip++];
    DISPATCH();
  }
  TARGET(PushTrue) : {
    *sp++ = Value::Bool(true);
    DISPATCH();
  }
  TARGET(PushFalse) : {
    *sp++ = Value::Bool(false);
    DISPATCH();
  }
  TARGET(LoadVar) : {
    *sp++ = vars[*ip++];
    DISPATCH();
  }
  TARGET(StoreLocal) : {
    vars[*ip++] = *--sp;
    DISPATCH();
  }
  TARGET(GetAttr) : {
    if (!OpGetAttr(ctx, sp[-1], strs[*ip++], &sp[-1])) goto error;
    DISPATCH();
  }
  TARGET(HasAttr) : {
    if (!OpHasAttr(ctx, sp[-1], strs[*ip++], &sp[-1])) goto error;
    DISPATCH();
  }
  TARGET(Not) : {
    if (sp[-1].kind != Kind::kBool) {
      OpNot(ctx, sp[-1], &sp[-1]);
      goto error;
    }
    sp[-1].b = !sp[-1].b;
    DISPATCH();
  }
  TARGET(Neg) : {
    if (!OpNeg(ctx, sp[-1], &sp[-1])) goto error;
    DISPATCH();
  }
  TARGET(Eq) : {
    --sp;
    if (!ChargeEqual(ctx, sp[-1], sp[0])) goto error;
    sp[-1] = Value::Bool(Equal(sp[-1], sp[0]));
    DISPATCH();
  }
  TARGET(Ne) : {
    --sp;
    if (!ChargeEqual(ctx, sp[-1], sp[0])) goto error;
    sp[-1] = Value::Bool(!Equal(sp[-1], sp[0]));
    DISPATCH();
  }
#define COMPARE(name, op, cmp)                                                \
  TARGET(name) : {                                                            \
    --sp;                                                                     \
    if (sp[-1].kind == Kind::kInt && sp[0].kind == Kind::kInt) {              \
      sp[-1] = Value::Bool(sp[-1].i op sp[0].i);                              \
    } else if (!OpCompare(ctx, cmp, sp[-1], sp[0], &sp[-1])) {                \
      goto error;                                                             \
    }                                                                         \
    DISPATCH();                                                               \
  }
  COMPARE(Lt, <, CmpOp::kLt)
  COMPARE(Le, <=, CmpOp::kLe)
  COMPARE(Gt, >, CmpOp::kGt)
  COMPARE(Ge, >=, CmpOp::kGe)
#undef COMPARE
#define ARITH(name, builtin, aop)                                                          \
  TARGET(name) : {                                                                         \
    --sp;                                                                                  \
    int64_t r;                                                                             \
    if (sp[-1].kind == Kind::kInt && sp[0].kind == Kind::kInt && !builtin(sp[-1].i, sp[0].i, &r)) { \
      sp[-1].i = r;                                                                        \
    } else if (!OpArith(ctx, aop, sp[-1], sp[0], &sp[-1])) {                               \
      goto error;                                                                          \
    }                                                                                      \
    DISPATCH();                                                                            \
  }
  ARITH(Add, __builtin_add_overflow, ArithOp::kAdd)
  ARITH(Sub, __builtin_sub_overflow, ArithOp::kSub)
  ARITH(Mul, __builtin_mul_overflow, ArithOp::kMul)
#undef ARITH
  TARGET(In) : {
    --sp;
    if (!OpIn(ctx, sp[-1], sp[0], &sp[-1])) goto error;
    DISPATCH();
  }
  TARGET(VarInConst) : {
    const Value& a = vars[ip[0]];
    const Value& b = consts[ip[1]];
    ip += 2;
    if (a.kind == Kind::kEntity && b.kind == Kind::kEntity) {
      *sp++ = Value::Bool(EntityIn(ctx, *a.ent, *b.ent));
    } else if (!OpIn(ctx, a, b, sp++)) {
      goto error;
    }
    DISPATCH();
  }
  TARGET(Is) : {
    if (!OpIs(ctx, sp[-1], strs[*ip++], &sp[-1])) goto error;
    DISPATCH();
  }
  TARGET(Like) : {
    if (!OpLike(ctx, sp[-1], p.patterns[*ip++], &sp[-1])) goto error;
    DISPATCH();
  }
  TARGET(CheckBool) : {
    if (sp[-1].kind != Kind::kBool) {
      CheckBool(ctx, sp[-1]);
      goto error;
    }
    DISPATCH();
  }
  TARGET(AndJump) : {
    if (sp[-1].kind != Kind::kBool) {
      CheckBool(ctx, sp[-1]);
      goto error;
    }
    if (!sp[-1].b) {
      ip = code + *ip;
    } else {
      --sp;
      ++ip;
    }
    DISPATCH();
  }
  TARGET(OrJump) : {
    if (sp[-1].kind != Kind::kBool) {
      CheckBool(ctx, sp[-1]);
      goto error;
    }
    if (sp[-1].b) {
      ip = code + *ip;
    } else {
      --sp;
      ++ip;
    }
    DISPATCH();
  }
  TARGET(JumpIfFalse) : {
    --sp;
    if (sp[0].kind != Kind::kBool) {
      CheckBool(ctx, sp[0]);
      goto error;
    }
    ip = sp[0].b ? ip + 1 : code + *ip;
    DISPATCH();
  }
  TARGET(Jump) : {
    ip = code + *ip;
    DISPATCH();
  }
  TARGET(MakeSet) : {
    uint32_t n = *ip++;
    sp -= n;
    if (!ChargeBuild(ctx, n, sizeof(SetObj) + uint64_t{n} * sizeof(Value))) goto error;
    Value v = MakeSet(ctx.arena, sp, n);
    *sp++ = v;
    DISPATCH();
  }
  TARGET(MakeRecord) : {
    const std::vector<std::string_view>& keys = p.shape_views[*ip++];
    uint32_t n = static_cast<uint32_t>(keys.size());
    sp -= n;
    if (!ChargeBuild(ctx, n, sizeof(RecObj) + uint64_t{n} * sizeof(Field))) goto error;
    Value v = MakeRecord(ctx.arena, keys.data(), sp, n);
    *sp++ = v;
    DISPATCH();
  }
  TARGET(CallFn) : {
    if (!OpCallFn(ctx, static_cast<Fn>(*ip++), sp[-1], &sp[-1])) goto error;
    DISPATCH();
  }
  TARGET(CallMethod) : {
    Method m = static_cast<Method>(ip[0]);
    uint32_t argc = ip[1];
    ip += 2;
    sp -= argc;
    if (!OpCallMethod(ctx, m, sp[-1], sp, argc, &sp[-1])) goto error;
    DISPATCH();
  }
  TARGET(IterStart) : {
    if (!CheckSet(ctx, sp[-1])) goto error;
    *sp++ = Value::Int(0);
    DISPATCH();
  }
  TARGET(IterNext) : {
    const SetObj* set = sp[-2].set;
    int64_t i = sp[-1].i;
    if (i < static_cast<int64_t>(set->size)) {
      // The one charge on the loop path: a step per element taken.
      if (__builtin_expect(budget->steps == 0, 0)) {
        BudgetExceeded(ctx, false);
        goto error;
      }
      --budget->steps;
      vars[ip[0]] = set->items[i];
      sp[-1].i = i + 1;
      ip += 2;
    } else {
      ip = code + ip[1];
    }
    DISPATCH();
  }
  TARGET(IterAny) : {
    --sp;
    if (sp[0].kind != Kind::kBool) {
      CheckBool(ctx, sp[0]);
      goto error;
    }
    ip = sp[0].b ? ip + 1 : code + *ip;
    DISPATCH();
  }
  TARGET(IterAll) : {
    --sp;
    if (sp[0].kind != Kind::kBool) {
      CheckBool(ctx, sp[0]);
      goto error;
    }
    ip = sp[0].b ? code + *ip : ip + 1;
    DISPATCH();
  }
  TARGET(IterEnd) : {
    sp -= 2;
    DISPATCH();
  }
  TARGET(Mark) : {
    *mark = *ip++;
    DISPATCH();
  }
  TARGET(Return) : {
    *result = sp[-1];
    return true;
  }

#if !ARBITER_COMPUTED_GOTO
    default:
      Fail(ctx, ErrorKind::kTypeError, "invalid opcode");
      return false;
  }
#endif
#undef DISPATCH
#undef TARGET

error:
  return false;
}

}  // namespace arbiter::engine
