#include "engine/compiler.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>

#include "common/encoding.h"
#include "common/sha256.h"
#include "engine/opcodes.h"
#include "engine/source_names.h"
#include "engine/value_json.h"

namespace arbiter::engine {

uint32_t InternString(Program* p, std::string_view s) {
  for (uint32_t i = 0; i < p->strings.size(); ++i)
    if (p->strings[i] == s) return i;
  p->strings.emplace_back(s);
  return static_cast<uint32_t>(p->strings.size() - 1);
}

namespace {
// Constants are deduplicated by kind and JSON rendering.
std::string ConstantKey(const Value& v) {
  std::string key(1, static_cast<char>(v.kind));
  AppendValueJson(&key, v);
  return key;
}

using dsl::ExprKind;

// The compiler's tree: the AST node it came from plus what the passes learned.
struct Node {
  const dsl::Expr* src = nullptr;
  ExprKind kind = ExprKind::kBool;
  bool is_const = false;
  Value value;
  Fn fn = Fn::kIp;
  Method method = Method::kContains;
  std::vector<Node> kids;
};

struct RuleWork {
  const dsl::Rule* rule = nullptr;
  Node condition;
  std::vector<Node> payloads;  // one per obligation (kind kBool const true when none)
  std::vector<const Node*> conjuncts;
};

struct Compilation {
  const dsl::PolicySet* policies;
  Program* program;
  std::vector<RuleWork> rules;
  // Constant-pool dedup index: key -> constant index.
  std::map<std::string, uint32_t> constant_index;
  // The bundle's name of each source file (engine/source_names.h), same order as the files.
  std::vector<std::string> source_names;
};

std::string Where(const Compilation& c, const dsl::Span& span) {
  std::string path = "<unknown>";
  if (c.policies->sources && span.file < c.policies->sources->files.size()) {
    path = c.policies->sources->files[span.file].path;
  }
  return path + ":" + std::to_string(span.line) + ":" + std::to_string(span.column);
}

uint32_t Constant(Compilation& c, const Value& v) {
  std::string key = ConstantKey(v);
  auto it = c.constant_index.find(key);
  if (it != c.constant_index.end()) return it->second;
  c.program->constants.push_back(v);
  uint32_t idx = static_cast<uint32_t>(c.program->constants.size() - 1);
  c.constant_index.emplace(std::move(key), idx);
  return idx;
}

// ---- pass: lower -------------------------------------------------------------------------
Status Lower(Compilation& c, const dsl::Expr& e, uint32_t num_slots, Node* out) {
  out->src = &e;
  out->kind = e.kind;
  Arena* arena = &c.program->arena;
  switch (e.kind) {
    case ExprKind::kBool: out->is_const = true; out->value = Value::Bool(e.bool_value); break;
    case ExprKind::kInt: out->is_const = true; out->value = Value::Int(e.int_value); break;
    case ExprKind::kDecimal: out->is_const = true; out->value = Value::Decimal(e.int_value); break;
    case ExprKind::kString:
      out->is_const = true;
      out->value = Value::String(MakeString(arena, e.text));
      break;
    case ExprKind::kEntity:
      out->is_const = true;
      out->value = Value::Entity(MakeEntityRef(arena, e.type_name, e.text));
      break;
    case ExprKind::kVar:
    case ExprKind::kLet:
    case ExprKind::kAny:
    case ExprKind::kAll:
      if (e.slot >= num_slots) {
        return Status::InvalidArgument(Where(c, e.span) + ": variable `" + e.name +
                                       "` has no slot (front-end bug)");
      }
      break;
    case ExprKind::kCall: {
      auto fn = FnByName(e.name);
      if (!fn || e.args.size() != 1) {
        return Status::InvalidArgument(Where(c, e.span) + ": unknown function `" + e.name + "`");
      }
      out->fn = *fn;
      break;
    }
    case ExprKind::kMethod: {
      auto m = MethodByName(e.name);
      if (!m) return Status::InvalidArgument(Where(c, e.span) + ": unknown method `" + e.name + "`");
      if (e.args.empty() || static_cast<int>(e.args.size()) - 1 != MethodArity(*m)) {
        return Status::InvalidArgument(Where(c, e.span) + ": `" + e.name + "` takes " +
                                       std::to_string(MethodArity(*m)) + " argument(s)");
      }
      out->method = *m;
      break;
    }
    default: break;
  }
  size_t want = 0;
  switch (e.kind) {
    case ExprKind::kGetAttr: case ExprKind::kHasAttr: case ExprKind::kUnary:
    case ExprKind::kLike: want = 1; break;
    case ExprKind::kBinary: case ExprKind::kAnd: case ExprKind::kOr: case ExprKind::kLet:
    case ExprKind::kAny: case ExprKind::kAll: want = 2; break;
    case ExprKind::kIf: want = 3; break;
    case ExprKind::kIs: want = e.args.size() == 2 ? 2 : 1; break;
    case ExprKind::kRecord:
      if (e.keys.size() != e.args.size()) {
        return Status::InvalidArgument(Where(c, e.span) + ": record keys and values differ");
      }
      want = e.args.size();
      break;
    default: want = e.args.size(); break;
  }
  if (e.args.size() != want) {
    return Status::InvalidArgument(Where(c, e.span) + ": malformed expression (front-end bug)");
  }
  out->kids.resize(e.args.size());
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (!e.args[i]) return Status::InvalidArgument(Where(c, e.span) + ": missing operand");
    ARBITER_RETURN_IF_ERROR(Lower(c, *e.args[i], num_slots, &out->kids[i]));
  }
  return Status::Ok();
}

Status PassLower(Compilation& c) {
  for (const dsl::Rule& rule : c.policies->rules) {
    RuleWork w;
    w.rule = &rule;
    uint32_t slots = dsl::kFirstLocalSlot + rule.num_locals;
    if (!rule.condition) return Status::InvalidArgument(Where(c, rule.span) + ": rule has no condition");
    ARBITER_RETURN_IF_ERROR(Lower(c, *rule.condition, slots, &w.condition));
    for (const dsl::Obligation& o : rule.obligations) {
      w.payloads.emplace_back();
      if (o.payload) ARBITER_RETURN_IF_ERROR(Lower(c, *o.payload, slots, &w.payloads.back()));
    }
    c.rules.push_back(std::move(w));
  }
  return Status::Ok();
}

// ---- pass: fold_constants ------------------------------------------------------------------
bool ContainsEntity(const Value& v) {
  switch (v.kind) {
    case Kind::kEntity: return true;
    case Kind::kSet:
      for (uint32_t i = 0; i < v.set->size; ++i)
        if (ContainsEntity(v.set->items[i])) return true;
      return false;
    case Kind::kRecord:
      for (uint32_t i = 0; i < v.rec->size; ++i)
        if (ContainsEntity(v.rec->fields[i].value)) return true;
      return false;
    default: return false;
  }
}

void Fold(Compilation& c, Node* n) {
  for (Node& k : n->kids) Fold(c, &k);
  if (n->is_const) return;
  EvalError err;
  EvalContext ctx{&EmptyStore(), &c.program->arena, &err};
  const dsl::Expr& e = *n->src;
  auto all_const = [&] {
    for (const Node& k : n->kids)
      if (!k.is_const) return false;
    return true;
  };
  Value out;
  bool ok = false;
  switch (n->kind) {
    case ExprKind::kSet:
      if (all_const()) {
        std::vector<Value> items;
        for (const Node& k : n->kids) items.push_back(k.value);
        out = MakeSet(&c.program->arena, items.data(), static_cast<uint32_t>(items.size()));
        ok = true;
      }
      break;
    case ExprKind::kRecord:
      if (all_const()) {
        std::vector<Value> values;
        std::vector<std::string_view> keys;
        for (size_t i = 0; i < n->kids.size(); ++i) {
          values.push_back(n->kids[i].value);
          keys.push_back(c.program->arena.CopyString(e.keys[i]));
        }
        out = MakeRecord(&c.program->arena, keys.data(), values.data(),
                         static_cast<uint32_t>(values.size()));
        ok = true;
      }
      break;
    case ExprKind::kGetAttr:
      if (all_const() && n->kids[0].value.kind == Kind::kRecord) ok = OpGetAttr(ctx, n->kids[0].value, e.name, &out);
      break;
    case ExprKind::kHasAttr:
      if (all_const() && n->kids[0].value.kind == Kind::kRecord) ok = OpHasAttr(ctx, n->kids[0].value, e.name, &out);
      break;
    case ExprKind::kUnary:
      if (all_const()) {
        ok = e.unary_op == dsl::UnaryOp::kNot ? OpNot(ctx, n->kids[0].value, &out)
                                              : OpNeg(ctx, n->kids[0].value, &out);
      }
      break;
    case ExprKind::kBinary: {
      if (!all_const()) break;
      const Value &a = n->kids[0].value, &b = n->kids[1].value;
      switch (e.binary_op) {
        case dsl::BinaryOp::kEq: out = Value::Bool(Equal(a, b)); ok = true; break;
        case dsl::BinaryOp::kNe: out = Value::Bool(!Equal(a, b)); ok = true; break;
        case dsl::BinaryOp::kLt: ok = OpCompare(ctx, CmpOp::kLt, a, b, &out); break;
        case dsl::BinaryOp::kLe: ok = OpCompare(ctx, CmpOp::kLe, a, b, &out); break;
        case dsl::BinaryOp::kGt: ok = OpCompare(ctx, CmpOp::kGt, a, b, &out); break;
        case dsl::BinaryOp::kGe: ok = OpCompare(ctx, CmpOp::kGe, a, b, &out); break;
        case dsl::BinaryOp::kAdd: ok = OpArith(ctx, ArithOp::kAdd, a, b, &out); break;
        case dsl::BinaryOp::kSub: ok = OpArith(ctx, ArithOp::kSub, a, b, &out); break;
        case dsl::BinaryOp::kMul: ok = OpArith(ctx, ArithOp::kMul, a, b, &out); break;
        case dsl::BinaryOp::kIn:
          // Membership in the hierarchy needs the entity store: only fold entity-free cases.
          if (!ContainsEntity(a) && !ContainsEntity(b)) ok = OpIn(ctx, a, b, &out);
          break;
      }
      break;
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      const Node& l = n->kids[0];
      const Node& r = n->kids[1];
      bool is_and = n->kind == ExprKind::kAnd;
      if (l.is_const && l.value.kind == Kind::kBool) {
        if (l.value.b != is_and) {  // false && _, true || _
          out = l.value;
          ok = true;
        } else if (r.is_const && r.value.kind == Kind::kBool) {
          out = r.value;
          ok = true;
        }
      }
      break;
    }
    case ExprKind::kLike:
      if (all_const() && n->kids[0].value.kind == Kind::kString) {
        LikePattern p = CompileLike(e.text, &c.program->arena);
        ok = OpLike(ctx, n->kids[0].value, p, &out);
      }
      break;
    case ExprKind::kIs:
      if (n->kids.size() == 1 && all_const()) ok = OpIs(ctx, n->kids[0].value, e.type_name, &out);
      break;
    case ExprKind::kIf: {
      const Node& cond = n->kids[0];
      if (cond.is_const && cond.value.kind == Kind::kBool) {
        Node chosen = std::move(n->kids[cond.value.b ? 1 : 2]);
        *n = std::move(chosen);
        return;
      }
      break;
    }
    case ExprKind::kCall:
      if (all_const()) ok = OpCallFn(ctx, n->fn, n->kids[0].value, &out);
      break;
    case ExprKind::kMethod:
      if (all_const()) {
        std::vector<Value> args;
        for (size_t i = 1; i < n->kids.size(); ++i) args.push_back(n->kids[i].value);
        ok = OpCallMethod(ctx, n->method, n->kids[0].value, args.data(),
                          static_cast<uint32_t>(args.size()), &out);
      }
      break;
    default: break;
  }
  if (ok) {
    n->is_const = true;
    n->value = out;
    n->kids.clear();
  }
}

Status PassFold(Compilation& c) {
  for (RuleWork& w : c.rules) {
    Fold(c, &w.condition);
    for (Node& p : w.payloads)
      if (p.src) Fold(c, &p);
  }
  return Status::Ok();
}

// ---- pass: extract_index_keys --------------------------------------------------------------
void Flatten(const Node& n, std::vector<const Node*>* out) {
  if (n.kind == ExprKind::kAnd && !n.is_const) {
    Flatten(n.kids[0], out);
    Flatten(n.kids[1], out);
  } else {
    out->push_back(&n);
  }
}

bool IsVar(const Node& n, uint32_t slot) {
  return !n.is_const && n.kind == ExprKind::kVar && n.src->slot == slot;
}
bool IsRequestVar(const Node& n) {
  return !n.is_const && n.kind == ExprKind::kVar && n.src->slot < dsl::kFirstLocalSlot;
}
bool IsScalarConst(const Node& n) {
  if (!n.is_const) return false;
  Kind k = n.value.kind;
  return k != Kind::kSet && k != Kind::kRecord && k != Kind::kIp;
}

Status PassIndexKeys(Compilation& c) {
  for (RuleWork& w : c.rules) {
    Flatten(w.condition, &w.conjuncts);
    IndexKey key;
    // `prefix`: every conjunct so far is implied by an exact match of the action/type keys.
    bool prefix = true;
    for (size_t i = 0; i < w.conjuncts.size(); ++i) {
      const Node* n = w.conjuncts[i];
      bool implied = false;  // this conjunct is implied by the keys it just set
      bool safe = false;     // this conjunct cannot raise an error: keep scanning
      if (n->is_const && n->value.kind == Kind::kBool && n->value.b) {
        implied = safe = true;
      } else if (n->kind == ExprKind::kIs && n->kids.size() == 1 && !n->is_const) {
        const Node& v = n->kids[0];
        if (IsVar(v, dsl::kSubject) || IsVar(v, dsl::kResource)) {
          safe = true;
          std::string& slot = IsVar(v, dsl::kSubject) ? key.subject_type : key.resource_type;
          if (slot.empty()) {
            slot = n->src->type_name;
            implied = true;
          }
        }
      } else if (n->kind == ExprKind::kHasAttr && !n->is_const && IsRequestVar(n->kids[0])) {
        safe = true;
      } else if (n->kind == ExprKind::kBinary && !n->is_const &&
                 n->src->binary_op == dsl::BinaryOp::kEq) {
        const Node* l = &n->kids[0];
        const Node* r = &n->kids[1];
        if (l->is_const) std::swap(l, r);
        if (r->is_const && r->value.kind == Kind::kEntity) {
          const EntityObj& ent = *r->value.ent;
          if (IsVar(*l, dsl::kAction)) {
            safe = true;
            if (key.action.empty() && ent.type == "Action") {
              key.action = std::string(ent.id);
              implied = true;
            }
          } else if (IsVar(*l, dsl::kSubject) || IsVar(*l, dsl::kResource)) {
            safe = true;  // sets the type key, but the id still has to be checked
            std::string& slot = IsVar(*l, dsl::kSubject) ? key.subject_type : key.resource_type;
            if (slot.empty()) slot = std::string(ent.type);
          }
        }
        if (!safe && IsScalarConst(*r) && !l->is_const && l->kind == ExprKind::kGetAttr &&
            IsRequestVar(l->kids[0])) {
          key.attr_var = static_cast<int32_t>(l->kids[0].src->slot);
          key.attr_name = l->src->name;
          key.attr_const = static_cast<int32_t>(Constant(c, r->value));
          // This conjunct raises an error when the attribute is missing; the index then runs
          // every rule of the attribute group, but only within this rule's bucket, so no key
          // after it may narrow the bucket.
          break;
        }
      }
      prefix = prefix && implied;
      if (prefix) key.covered = static_cast<uint32_t>(i + 1);
      if (!safe) break;  // a conjunct that may raise an error: keys after it are not safe
    }
    c.program->rules.emplace_back();
    c.program->rules.back().index_key = std::move(key);
  }
  return Status::Ok();
}

// ---- pass: codegen -------------------------------------------------------------------------
class Emitter {
 public:
  Emitter(Compilation& c) : c_(c), code_(c.program->code) {}

  void Op1(Op op) { code_.push_back(static_cast<uint32_t>(op)); }
  void Op2(Op op, uint32_t a) { Op1(op); code_.push_back(a); }
  void Op3(Op op, uint32_t a, uint32_t b) { Op2(op, a); code_.push_back(b); }
  // Emits a jump with a placeholder target; returns the operand position to patch.
  size_t JumpOp(Op op) { Op2(op, 0); return code_.size() - 1; }
  void Patch(size_t at) { code_[at] = static_cast<uint32_t>(code_.size()); }
  uint32_t Here() const { return static_cast<uint32_t>(code_.size()); }

  void Expr(const Node& n) {
    if (n.is_const) {
      if (n.value.kind == Kind::kBool) Op1(n.value.b ? Op::kPushTrue : Op::kPushFalse);
      else Op2(Op::kPushConst, Constant(c_, n.value));
      return;
    }
    const dsl::Expr& e = *n.src;
    switch (n.kind) {
      case ExprKind::kVar: Op2(Op::kLoadVar, e.slot); return;
      case ExprKind::kSet:
        for (const Node& k : n.kids) Expr(k);
        Op2(Op::kMakeSet, static_cast<uint32_t>(n.kids.size()));
        return;
      case ExprKind::kRecord: {
        for (const Node& k : n.kids) Expr(k);
        std::vector<uint32_t> shape;
        for (const std::string& k : e.keys) shape.push_back(InternString(c_.program, k));
        uint32_t idx = 0;
        auto& shapes = c_.program->shapes;
        while (idx < shapes.size() && shapes[idx] != shape) ++idx;
        if (idx == shapes.size()) shapes.push_back(shape);
        Op2(Op::kMakeRecord, idx);
        return;
      }
      case ExprKind::kGetAttr: Expr(n.kids[0]); Op2(Op::kGetAttr, InternString(c_.program, e.name)); return;
      case ExprKind::kHasAttr: Expr(n.kids[0]); Op2(Op::kHasAttr, InternString(c_.program, e.name)); return;
      case ExprKind::kUnary: Expr(n.kids[0]); Op1(e.unary_op == dsl::UnaryOp::kNot ? Op::kNot : Op::kNeg); return;
      case ExprKind::kBinary: {
        // `VAR in CONSTANT` is one instruction: the common role/group check.
        if (e.binary_op == dsl::BinaryOp::kIn && !n.kids[0].is_const &&
            n.kids[0].kind == ExprKind::kVar && n.kids[1].is_const) {
          Op3(Op::kVarInConst, n.kids[0].src->slot, Constant(c_, n.kids[1].value));
          return;
        }
        Expr(n.kids[0]);
        Expr(n.kids[1]);
        static constexpr Op kOps[] = {Op::kEq, Op::kNe, Op::kLt, Op::kLe, Op::kGt,
                                      Op::kGe, Op::kAdd, Op::kSub, Op::kMul, Op::kIn};
        Op1(kOps[static_cast<int>(e.binary_op)]);
        return;
      }
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        Expr(n.kids[0]);
        size_t j = JumpOp(n.kind == ExprKind::kAnd ? Op::kAndJump : Op::kOrJump);
        Expr(n.kids[1]);
        Op1(Op::kCheckBool);
        Patch(j);
        return;
      }
      case ExprKind::kLike: {
        Expr(n.kids[0]);
        auto& texts = c_.program->pattern_texts;
        uint32_t idx = 0;
        while (idx < texts.size() && texts[idx] != e.text) ++idx;
        if (idx == texts.size()) {
          texts.push_back(e.text);
          c_.program->patterns.push_back(CompileLike(e.text, &c_.program->arena));
        }
        Op2(Op::kLike, idx);
        return;
      }
      case ExprKind::kIs: {
        uint32_t type = InternString(c_.program, e.type_name);
        Expr(n.kids[0]);
        Op2(Op::kIs, type);
        if (n.kids.size() == 2) {  // e is T in P  ==  e is T && e in P (e is pure)
          size_t j = JumpOp(Op::kAndJump);
          Expr(n.kids[0]);
          Expr(n.kids[1]);
          Op1(Op::kIn);
          Patch(j);
        }
        return;
      }
      case ExprKind::kIf: {
        Expr(n.kids[0]);
        size_t to_else = JumpOp(Op::kJumpIfFalse);
        Expr(n.kids[1]);
        size_t to_end = JumpOp(Op::kJump);
        Patch(to_else);
        Expr(n.kids[2]);
        Patch(to_end);
        return;
      }
      case ExprKind::kLet:
        Expr(n.kids[0]);
        Op2(Op::kStoreLocal, e.slot);
        Expr(n.kids[1]);
        return;
      case ExprKind::kAny:
      case ExprKind::kAll: {
        bool any = n.kind == ExprKind::kAny;
        Expr(n.kids[0]);
        Op1(Op::kIterStart);
        uint32_t loop = Here();
        Op3(Op::kIterNext, e.slot, 0);
        size_t done = code_.size() - 1;
        Expr(n.kids[1]);
        Op2(any ? Op::kIterAny : Op::kIterAll, loop);
        Op1(Op::kIterEnd);
        Op1(any ? Op::kPushTrue : Op::kPushFalse);
        size_t end = JumpOp(Op::kJump);
        Patch(done);
        Op1(Op::kIterEnd);
        Op1(any ? Op::kPushFalse : Op::kPushTrue);
        Patch(end);
        return;
      }
      case ExprKind::kCall: Expr(n.kids[0]); Op2(Op::kCallFn, static_cast<uint32_t>(n.fn)); return;
      case ExprKind::kMethod:
        for (const Node& k : n.kids) Expr(k);
        Op3(Op::kCallMethod, static_cast<uint32_t>(n.method), static_cast<uint32_t>(n.kids.size() - 1));
        return;
      default: return;  // literals are constants
    }
  }

  // The condition as a chain of marked top-level conjuncts. Returns the entry that skips the
  // first `covered` conjuncts (see RuleMeta::fast_entry).
  uint32_t Condition(const std::vector<const Node*>& conjuncts, uint32_t covered) {
    std::vector<size_t> exits;
    uint32_t fast_entry = 0;
    for (size_t i = 0; i < conjuncts.size(); ++i) {
      if (i == covered) fast_entry = Here();
      Op2(Op::kMark, static_cast<uint32_t>(i));
      Expr(*conjuncts[i]);
      if (i + 1 < conjuncts.size()) exits.push_back(JumpOp(Op::kAndJump));
      else if (conjuncts.size() > 1) Op1(Op::kCheckBool);
    }
    for (size_t at : exits) Patch(at);
    Op1(Op::kReturn);
    if (covered >= conjuncts.size()) {
      fast_entry = Here();
      Op1(Op::kPushTrue);
      Op1(Op::kReturn);
    }
    return fast_entry;
  }

 private:
  Compilation& c_;
  std::vector<uint32_t>& code_;
};

std::string Snippet(const Compilation& c, const dsl::Span& span) {
  if (!c.policies->sources || span.file >= c.policies->sources->files.size()) return "";
  const std::string& text = c.policies->sources->files[span.file].text;
  if (span.end > text.size() || span.begin >= span.end) return "";
  std::string out;
  bool space = false;
  for (size_t i = span.begin; i < span.end; ++i) {
    char ch = text[i];
    if (ch == '\n' || ch == '\t' || ch == ' ' || ch == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
  }
  if (out.size() > 120) out = out.substr(0, 117) + "...";
  return out;
}

Status PassCodegen(Compilation& c) {
  Emitter emit(c);
  for (size_t i = 0; i < c.rules.size(); ++i) {
    RuleWork& w = c.rules[i];
    const dsl::Rule& rule = *w.rule;
    RuleMeta& meta = c.program->rules[i];
    meta.qualified_id = rule.qualified_id;
    meta.id = rule.id;
    meta.package = rule.package;
    meta.effect = rule.effect == dsl::Effect::kPermit ? RuleEffect::kPermit : RuleEffect::kForbid;
    meta.fail_closed = rule.fail_closed;
    meta.reason = rule.reason;
    for (const auto& a : rule.annotations) meta.annotations.emplace_back(a.key, a.value);
    if (rule.span.file < c.source_names.size()) meta.file = c.source_names[rule.span.file];
    meta.line = rule.span.line;
    meta.column = rule.span.column;
    meta.num_locals = rule.num_locals;
    for (const Node* n : w.conjuncts) {
      const dsl::Expr* src = n->src;
      std::string text = src ? Snippet(c, src->span) : "true";
      // `unless B` arrives as `!B` spanning the clause: show it as written.
      if (src && src->kind == ExprKind::kUnary && text.starts_with("unless") && !src->args.empty()) {
        text = "unless " + Snippet(c, src->args[0]->span);
      }
      meta.conjuncts.push_back(ConjunctMeta{src ? src->span.line : rule.span.line, text});
    }
    meta.code.begin = emit.Here();
    meta.fast_entry = emit.Condition(w.conjuncts, meta.index_key.covered);
    meta.code.end = emit.Here();
    for (size_t k = 0; k < rule.obligations.size(); ++k) {
      const dsl::Obligation& o = rule.obligations[k];
      ObligationMeta om;
      om.name = o.name;
      om.advice = o.advice;
      const Node& payload = w.payloads[k];
      if (payload.src) {
        om.has_payload = true;
        if (payload.is_const) {
          std::string json;
          AppendValueJson(&json, payload.value);
          om.constant = std::move(json);
        }
        om.code.begin = emit.Here();
        emit.Expr(payload);
        emit.Op1(Op::kReturn);
        om.code.end = emit.Here();
      }
      meta.obligations.push_back(std::move(om));
    }
  }
  return Status::Ok();
}

Status PassVerify(Compilation& c) {
  Status st = VerifyProgram(c.program);
  if (!st.ok()) return Status::Internal("compiler produced invalid bytecode: " + st.message());
  return Status::Ok();
}

// The files that make the decisions: those that declare a rule, and the schema. A file of
// tests only is left out, so adding or editing tests never changes the bundle. Sorted by
// name, so the order of the arguments does not either.
Status PassSources(Compilation& c) {
  if (!c.policies->sources) return Status::Ok();
  const dsl::SourceSet& sources = *c.policies->sources;
  std::vector<bool> keep(sources.files.size(), false);
  for (const dsl::Rule& rule : c.policies->rules) {
    if (rule.span.file < keep.size()) keep[rule.span.file] = true;
  }
  if (sources.schema && *sources.schema < keep.size()) keep[*sources.schema] = true;
  std::vector<size_t> order;
  for (size_t i = 0; i < sources.files.size(); ++i) {
    if (keep[i]) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return c.source_names[a] < c.source_names[b]; });
  for (size_t i : order) {
    const dsl::SourceFile& f = sources.files[i];
    Sha256Digest d = Sha256Of(f.text);
    c.program->sources.push_back(SourceDigest{c.source_names[i], HexEncode(d)});
    c.program->source_texts.push_back(SourceText{c.source_names[i], f.text});
  }
  return Status::Ok();
}

Status PassFinish(Compilation& c) { return FinishProgram(c.program, /*serialize=*/true); }

struct Pass {
  const char* name;
  Status (*run)(Compilation&);
};

// The compiler, in order.
constexpr Pass kPasses[] = {
    {"lower", PassLower},
    {"fold_constants", PassFold},
    {"extract_index_keys", PassIndexKeys},
    {"codegen", PassCodegen},
    {"verify", PassVerify},
    {"source_digests", PassSources},
    {"finish", PassFinish},  // rule index, bundle bytes, digest
};

}  // namespace

Result<std::shared_ptr<Program>> CompilePolicySet(const dsl::PolicySet& policies,
                                                   CompileStats* stats) {
  auto program = std::make_shared<Program>();
  Compilation c{&policies, program.get(), {}, {}, {}};
  if (policies.sources) c.source_names = SourceNames(*policies.sources);
  for (const Pass& pass : kPasses) {
    auto start = std::chrono::steady_clock::now();
    ARBITER_RETURN_IF_ERROR(pass.run(c));
    if (stats) {
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      stats->passes.push_back({pass.name, ms});
    }
  }
  return program;
}

}  // namespace arbiter::engine
