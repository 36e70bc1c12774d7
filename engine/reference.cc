#include "engine/reference.h"

#include "engine/builtins.h"
#include "engine/value_json.h"

namespace arbiter::engine {
namespace {

using dsl::Expr;
using dsl::ExprKind;

class Walker {
 public:
  Walker(const StoreImpl& store, Arena* arena, Budget* budget)
      : arena_(arena), ctx_{&store, arena, &error_, budget} {}

  const EvalError& error() const { return error_; }
  std::vector<Value>& env() { return env_; }

  bool Eval(const Expr& e, Value* out) {
    switch (e.kind) {
      case ExprKind::kBool: *out = Value::Bool(e.bool_value); return true;
      case ExprKind::kInt: *out = Value::Int(e.int_value); return true;
      case ExprKind::kDecimal: *out = Value::Decimal(e.int_value); return true;
      case ExprKind::kString: *out = Value::String(MakeString(arena_, e.text)); return true;
      case ExprKind::kEntity: *out = Value::Entity(MakeEntityRef(arena_, e.type_name, e.text)); return true;
      case ExprKind::kVar: *out = env_[e.slot]; return true;
      case ExprKind::kSet: {
        std::vector<Value> items(e.args.size());
        for (size_t i = 0; i < e.args.size(); ++i)
          if (!Eval(*e.args[i], &items[i])) return false;
        if (!ChargeBuild(ctx_, items.size(), sizeof(SetObj) + items.size() * sizeof(Value))) {
          return false;
        }
        *out = MakeSet(arena_, items.data(), static_cast<uint32_t>(items.size()));
        return true;
      }
      case ExprKind::kRecord: {
        std::vector<Value> values(e.args.size());
        std::vector<std::string_view> keys;
        for (size_t i = 0; i < e.args.size(); ++i) {
          if (!Eval(*e.args[i], &values[i])) return false;
          keys.push_back(arena_->CopyString(e.keys[i]));
        }
        if (!ChargeBuild(ctx_, keys.size(), sizeof(RecObj) + keys.size() * sizeof(Field))) {
          return false;
        }
        *out = MakeRecord(arena_, keys.data(), values.data(), static_cast<uint32_t>(keys.size()));
        return true;
      }
      case ExprKind::kGetAttr: {
        Value obj;
        return Eval(*e.args[0], &obj) && OpGetAttr(ctx_, obj, e.name, out);
      }
      case ExprKind::kHasAttr: {
        Value obj;
        return Eval(*e.args[0], &obj) && OpHasAttr(ctx_, obj, e.name, out);
      }
      case ExprKind::kUnary: {
        Value v;
        if (!Eval(*e.args[0], &v)) return false;
        return e.unary_op == dsl::UnaryOp::kNot ? OpNot(ctx_, v, out) : OpNeg(ctx_, v, out);
      }
      case ExprKind::kBinary: {
        Value a, b;
        if (!Eval(*e.args[0], &a) || !Eval(*e.args[1], &b)) return false;
        bool eq = e.binary_op == dsl::BinaryOp::kEq || e.binary_op == dsl::BinaryOp::kNe;
        if (eq && !ChargeEqual(ctx_, a, b)) return false;
        switch (e.binary_op) {
          case dsl::BinaryOp::kEq: *out = Value::Bool(Equal(a, b)); return true;
          case dsl::BinaryOp::kNe: *out = Value::Bool(!Equal(a, b)); return true;
          case dsl::BinaryOp::kLt: return OpCompare(ctx_, CmpOp::kLt, a, b, out);
          case dsl::BinaryOp::kLe: return OpCompare(ctx_, CmpOp::kLe, a, b, out);
          case dsl::BinaryOp::kGt: return OpCompare(ctx_, CmpOp::kGt, a, b, out);
          case dsl::BinaryOp::kGe: return OpCompare(ctx_, CmpOp::kGe, a, b, out);
          case dsl::BinaryOp::kAdd: return OpArith(ctx_, ArithOp::kAdd, a, b, out);
          case dsl::BinaryOp::kSub: return OpArith(ctx_, ArithOp::kSub, a, b, out);
          case dsl::BinaryOp::kMul: return OpArith(ctx_, ArithOp::kMul, a, b, out);
          case dsl::BinaryOp::kIn: return OpIn(ctx_, a, b, out);
        }
        return false;
      }
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        Value l;
        if (!Eval(*e.args[0], &l) || !CheckBool(ctx_, l)) return false;
        bool is_and = e.kind == ExprKind::kAnd;
        if (l.b != is_and) {
          *out = l;
          return true;
        }
        return Eval(*e.args[1], out) && CheckBool(ctx_, *out);
      }
      case ExprKind::kLike: {
        Value v;
        if (!Eval(*e.args[0], &v)) return false;
        LikePattern p = CompileLike(e.text, arena_);
        return OpLike(ctx_, v, p, out);
      }
      case ExprKind::kIs: {
        Value v;
        if (!Eval(*e.args[0], &v) || !OpIs(ctx_, v, e.type_name, out)) return false;
        if (e.args.size() == 1 || !out->b) return true;
        Value parent;
        return Eval(*e.args[1], &parent) && OpIn(ctx_, v, parent, out);
      }
      case ExprKind::kIf: {
        Value c;
        if (!Eval(*e.args[0], &c) || !CheckBool(ctx_, c)) return false;
        return Eval(*e.args[c.b ? 1 : 2], out);
      }
      case ExprKind::kLet: {
        Value v;
        if (!Eval(*e.args[0], &v)) return false;
        env_[e.slot] = v;
        return Eval(*e.args[1], out);
      }
      case ExprKind::kAny:
      case ExprKind::kAll: {
        Value coll;
        if (!Eval(*e.args[0], &coll) || !CheckSet(ctx_, coll)) return false;
        bool any = e.kind == ExprKind::kAny;
        for (uint32_t i = 0; i < coll.set->size; ++i) {
          if (!ChargeSteps(ctx_, 1)) return false;
          env_[e.slot] = coll.set->items[i];
          Value b;
          if (!Eval(*e.args[1], &b) || !CheckBool(ctx_, b)) return false;
          if (b.b == any) {
            *out = Value::Bool(any);
            return true;
          }
        }
        *out = Value::Bool(!any);
        return true;
      }
      case ExprKind::kCall: {
        Value arg;
        auto fn = FnByName(e.name);
        if (!fn) return Fail(ctx_, ErrorKind::kTypeError, "unknown function " + e.name);
        return Eval(*e.args[0], &arg) && OpCallFn(ctx_, *fn, arg, out);
      }
      case ExprKind::kMethod: {
        auto m = MethodByName(e.name);
        if (!m) return Fail(ctx_, ErrorKind::kTypeError, "unknown method " + e.name);
        std::vector<Value> vals(e.args.size());
        for (size_t i = 0; i < e.args.size(); ++i)
          if (!Eval(*e.args[i], &vals[i])) return false;
        return OpCallMethod(ctx_, *m, vals[0], vals.data() + 1,
                            static_cast<uint32_t>(vals.size() - 1), out);
      }
    }
    return false;
  }

 private:
  Arena* arena_;
  EvalError error_;
  EvalContext ctx_;
  std::vector<Value> env_;
};

}  // namespace

ReferenceDecision ReferenceDecide(const dsl::PolicySet& policies, const RequestImpl& request,
                                  const StoreImpl& store, const EvalBudget& eval_budget) {
  Arena arena;
  Budget budget = MakeBudget(eval_budget);
  Walker walker(store, &arena, &budget);
  auto resolved = [&](const EntityObj* e) {
    return Value::Entity(arena.New<EntityObj>(EntityObj{
        e->type, e->id, e->hash, store.Find(e->type, e->id, e->hash), e->properties, true}));
  };
  ReferenceDecision d;
  std::vector<std::string> permits, forbids;
  size_t forbids_matched = 0;
  for (const dsl::Rule& rule : policies.rules) {
    auto& env = walker.env();
    env.assign(dsl::kFirstLocalSlot + rule.num_locals, Value());
    env[dsl::kSubject] = resolved(request.subject);
    env[dsl::kAction] = resolved(request.action);
    env[dsl::kResource] = resolved(request.resource);
    env[dsl::kContext] = request.context;
    Value v;
    EvalError err;
    bool ok = walker.Eval(*rule.condition, &v);
    if (ok && v.kind != Kind::kBool) {
      EvalContext ctx{&store, &arena, const_cast<EvalError*>(&walker.error())};
      ok = CheckBool(ctx, v);
    }
    if (!ok) {
      d.errors.emplace_back(rule.qualified_id, walker.error().message);
      if (rule.effect == dsl::Effect::kForbid && rule.fail_closed) forbids.push_back(rule.qualified_id);
      continue;
    }
    if (v.b) {
      d.matched.push_back(rule.qualified_id);
      (rule.effect == dsl::Effect::kPermit ? permits : forbids).push_back(rule.qualified_id);
      if (rule.effect == dsl::Effect::kForbid) ++forbids_matched;
    }
  }
  d.allow = forbids.empty() && !permits.empty();
  d.fail_closed = !forbids.empty() && forbids_matched == 0;
  d.reasons = forbids.empty() ? permits : forbids;
  return d;
}

}  // namespace arbiter::engine
