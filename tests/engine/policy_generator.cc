#include "tests/engine/policy_generator.h"

namespace arbiter::testing {
namespace {

using dsl::BinaryOp;
using dsl::Expr;
using dsl::ExprKind;
using dsl::ExprPtr;

ExprPtr Make(ExprKind kind) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  return e;
}
ExprPtr BoolLit(bool b) {
  auto e = Make(ExprKind::kBool);
  e->bool_value = b;
  return e;
}
ExprPtr IntLit(int64_t v) {
  auto e = Make(ExprKind::kInt);
  e->int_value = v;
  return e;
}
ExprPtr StrLit(std::string s) {
  auto e = Make(ExprKind::kString);
  e->text = std::move(s);
  return e;
}
ExprPtr EntLit(std::string type, std::string id) {
  auto e = Make(ExprKind::kEntity);
  e->type_name = std::move(type);
  e->text = std::move(id);
  return e;
}
ExprPtr Var(uint32_t slot) {
  static const char* kNames[] = {"subject", "action", "resource", "context"};
  auto e = Make(ExprKind::kVar);
  e->slot = slot;
  e->name = slot < 4 ? kNames[slot] : "x" + std::to_string(slot);
  return e;
}
ExprPtr Attr(ExprPtr obj, std::string name) {
  auto e = Make(ExprKind::kGetAttr);
  e->name = std::move(name);
  e->args.push_back(std::move(obj));
  return e;
}
ExprPtr Has(ExprPtr obj, std::string name) {
  auto e = Make(ExprKind::kHasAttr);
  e->name = std::move(name);
  e->args.push_back(std::move(obj));
  return e;
}
ExprPtr Bin(BinaryOp op, ExprPtr a, ExprPtr b) {
  auto e = Make(ExprKind::kBinary);
  e->binary_op = op;
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}
ExprPtr Two(ExprKind kind, ExprPtr a, ExprPtr b) {
  auto e = Make(kind);
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}
ExprPtr Unary(dsl::UnaryOp op, ExprPtr a) {
  auto e = Make(ExprKind::kUnary);
  e->unary_op = op;
  e->args.push_back(std::move(a));
  return e;
}
ExprPtr Method(ExprPtr recv, std::string name, ExprPtr arg = nullptr) {
  auto e = Make(ExprKind::kMethod);
  e->name = std::move(name);
  e->args.push_back(std::move(recv));
  if (arg) e->args.push_back(std::move(arg));
  return e;
}
ExprPtr Call(std::string fn, ExprPtr arg) {
  auto e = Make(ExprKind::kCall);
  e->name = std::move(fn);
  e->args.push_back(std::move(arg));
  return e;
}
ExprPtr Ctx(std::string name) { return Attr(Var(dsl::kContext), std::move(name)); }

}  // namespace

ExprPtr PolicyGenerator::Int(int depth) {
  int choice = depth <= 0 ? Uniform(0, 4) : Uniform(0, 10);
  switch (choice) {
    case 0: return IntLit(Uniform(-3, 10));
    case 1: return IntLit(Chance(50) ? INT64_MAX - Uniform(0, 3) : INT64_MIN + Uniform(0, 3));
    case 2: return Attr(Var(dsl::kSubject), "level");
    case 3: return Chance(50) ? Attr(Var(dsl::kResource), "size") : Ctx("n");
    case 4:
      if (!int_locals_.empty()) return Var(int_locals_[static_cast<size_t>(Uniform(0, static_cast<int>(int_locals_.size()) - 1))]);
      return IntLit(Uniform(0, 5));
    case 5: return Bin(BinaryOp::kAdd, Int(depth - 1), Int(depth - 1));
    case 6: return Bin(BinaryOp::kSub, Int(depth - 1), Int(depth - 1));
    case 7: return Bin(BinaryOp::kMul, Int(depth - 1), Int(depth - 1));
    case 8: return Unary(dsl::UnaryOp::kNeg, Int(depth - 1));
    case 9: return Method(IntSet(depth - 1), "size");
    default: {
      auto e = Make(ExprKind::kIf);
      e->args.push_back(Bool(depth - 1));
      e->args.push_back(Int(depth - 1));
      e->args.push_back(Int(depth - 1));
      return e;
    }
  }
}

ExprPtr PolicyGenerator::Str(int depth) {
  static const char* kLits[] = {"eng", "ops", "", "secret", "public", "a*"};
  switch (depth <= 0 ? Uniform(0, 1) : Uniform(0, 4)) {
    case 0: return StrLit(Pick(kLits));
    case 1: return Attr(Var(dsl::kSubject), "dept");
    case 2: return Attr(Var(dsl::kResource), "classification");
    case 3: return Attr(Var(dsl::kSubject), "nick");  // optional: may be missing
    default: return Ctx("s");                          // sometimes not a string
  }
}

ExprPtr PolicyGenerator::Entity(int depth) {
  switch (depth <= 0 ? Uniform(0, 3) : Uniform(0, 7)) {
    case 0: return Var(dsl::kSubject);
    case 1: return Var(dsl::kResource);
    case 2: return EntLit("Group", "g" + std::to_string(Uniform(0, 3)));
    case 3: return EntLit("User", "u" + std::to_string(Uniform(0, 4)));
    case 4: return Attr(Var(dsl::kSubject), "manager");  // optional
    case 5: return Attr(Var(dsl::kResource), "owner");
    case 6: return Var(dsl::kAction);
    default: return Attr(Entity(depth - 1), "manager");
  }
}

ExprPtr PolicyGenerator::IntSet(int depth) {
  if (depth <= 0 || Chance(40)) return Ctx("items");
  auto e = Make(ExprKind::kSet);
  int n = Uniform(0, 3);
  for (int i = 0; i < n; ++i) e->args.push_back(Int(depth - 1));
  return e;
}

ExprPtr PolicyGenerator::Bool(int depth) {
  if (depth <= 0) {
    switch (Uniform(0, 5)) {
      case 0: return BoolLit(Chance(70));
      case 1: return Ctx("flag");  // sometimes an int: type error
      case 2: return Has(Var(dsl::kSubject), "nick");
      case 3: {
        auto e = Make(ExprKind::kIs);
        e->type_name = Chance(70) ? "Doc" : "User";
        e->args.push_back(Var(Chance(50) ? dsl::kResource : dsl::kSubject));
        return e;
      }
      case 4: return Bin(BinaryOp::kEq, Var(dsl::kAction), EntLit("Action", Chance(50) ? "read" : "write"));
      default: return Bin(BinaryOp::kIn, Var(dsl::kSubject), EntLit("Group", "g" + std::to_string(Uniform(0, 3))));
    }
  }
  switch (Uniform(0, 19)) {
    case 0: return Bin(Chance(50) ? BinaryOp::kEq : BinaryOp::kNe, Int(depth - 1), Int(depth - 1));
    case 1: {
      static const BinaryOp kOps[] = {BinaryOp::kLt, BinaryOp::kLe, BinaryOp::kGt, BinaryOp::kGe};
      return Bin(Pick(kOps), Int(depth - 1), Int(depth - 1));
    }
    case 2: return Bin(BinaryOp::kEq, Str(depth - 1), Str(depth - 1));
    case 3: return Bin(BinaryOp::kEq, Entity(depth - 1), Entity(depth - 1));
    case 4: return Two(ExprKind::kAnd, Bool(depth - 1), Bool(depth - 1));
    case 5: return Two(ExprKind::kOr, Bool(depth - 1), Bool(depth - 1));
    case 6: return Unary(dsl::UnaryOp::kNot, Bool(depth - 1));
    case 7: return Bin(BinaryOp::kIn, Entity(depth - 1), Entity(depth - 1));
    case 8: {
      auto set = Make(ExprKind::kSet);
      set->args.push_back(EntLit("Group", "g" + std::to_string(Uniform(0, 3))));
      set->args.push_back(Entity(depth - 1));
      return Bin(BinaryOp::kIn, Entity(depth - 1), std::move(set));
    }
    case 9: {
      auto e = Make(ExprKind::kLike);
      static const char* kPats[] = {"e*", "*s", "*", "o\\*", "s*c*t", ""};
      e->text = Pick(kPats);
      e->args.push_back(Str(depth - 1));
      return e;
    }
    case 10: {
      auto e = Make(ExprKind::kIf);
      e->args.push_back(Bool(depth - 1));
      e->args.push_back(Bool(depth - 1));
      e->args.push_back(Bool(depth - 1));
      return e;
    }
    case 11: return Method(IntSet(depth - 1), Chance(50) ? "contains" : "containsAny",
                           Chance(50) ? Int(depth - 1) : IntSet(depth - 1));
    case 12: {
      uint32_t slot = dsl::kFirstLocalSlot + next_slot_++;
      max_slot_ = std::max(max_slot_, next_slot_);
      auto e = Make(Chance(50) ? ExprKind::kAny : ExprKind::kAll);
      e->slot = slot;
      e->name = "x" + std::to_string(slot);
      e->args.push_back(IntSet(depth - 1));
      int_locals_.push_back(slot);
      e->args.push_back(Bool(depth - 1));
      int_locals_.pop_back();
      return e;
    }
    case 13: {
      uint32_t slot = dsl::kFirstLocalSlot + next_slot_++;
      max_slot_ = std::max(max_slot_, next_slot_);
      auto e = Make(ExprKind::kLet);
      e->slot = slot;
      e->name = "x" + std::to_string(slot);
      e->args.push_back(Int(depth - 1));
      int_locals_.push_back(slot);
      e->args.push_back(Bool(depth - 1));
      int_locals_.pop_back();
      return e;
    }
    case 14: return Method(Str(depth - 1), Chance(50) ? "startsWith" : "endsWith", Str(depth - 1));
    case 15: return Method(Ctx("ip"), "isInRange", Call("ip", StrLit(Chance(50) ? "10.0.0.0/8" : "192.168.0.0/16")));
    case 16: return Method(Ctx("d"), Chance(50) ? "lessThan" : "greaterThanOrEqual",
                           Call("decimal", StrLit(Chance(50) ? "1.5" : "-0.25")));
    case 17: {
      static const char* kAttrs[] = {"nick", "level", "missing"};
      return Has(Chance(50) ? Var(dsl::kSubject) : Ctx("rec"), Pick(kAttrs));
    }
    case 18: {
      auto e = Make(ExprKind::kIs);
      e->type_name = "User";
      e->args.push_back(Entity(depth - 1));
      e->args.push_back(EntLit("Group", "g" + std::to_string(Uniform(0, 3))));
      return e;
    }
    default: return Bool(0);
  }
}

dsl::PolicySet PolicyGenerator::Policies(int num_rules) {
  dsl::PolicySet set;
  static const char* kPackages[] = {"", "app", "safe"};
  for (int i = 0; i < num_rules; ++i) {
    dsl::Rule rule;
    rule.effect = Chance(35) ? dsl::Effect::kForbid : dsl::Effect::kPermit;
    rule.package = Pick(kPackages);
    rule.id = "r" + std::to_string(i);
    rule.qualified_id = rule.package.empty() ? rule.id : rule.package + "." + rule.id;
    rule.fail_closed = rule.package == "safe";
    next_slot_ = max_slot_ = 0;
    // An index-friendly prefix most of the time, as real policies have.
    ExprPtr cond;
    auto conj = [&](ExprPtr c) {
      cond = cond ? Two(ExprKind::kAnd, std::move(cond), std::move(c)) : std::move(c);
    };
    if (Chance(60)) conj(Bin(BinaryOp::kEq, Var(dsl::kAction), EntLit("Action", Chance(50) ? "read" : "write")));
    if (Chance(40)) {
      auto e = Make(ExprKind::kIs);
      e->type_name = Chance(80) ? "Doc" : "User";
      e->args.push_back(Var(dsl::kResource));
      conj(std::move(e));
    }
    if (Chance(30)) {
      static const char* kClasses[] = {"secret", "public"};
      conj(Bin(BinaryOp::kEq, Attr(Var(dsl::kResource), "classification"), StrLit(Pick(kClasses))));
    }
    if (Chance(20)) conj(Bin(BinaryOp::kEq, Ctx("n"), IntLit(Uniform(0, 3))));
    conj(Bool(Uniform(0, 4)));
    if (Chance(20)) conj(Unary(dsl::UnaryOp::kNot, Bool(Uniform(0, 2))));
    rule.condition = std::move(cond);
    rule.num_locals = max_slot_;
    if (Chance(20)) {
      dsl::Obligation o;
      o.name = "note";
      auto rec = Make(ExprKind::kRecord);
      rec->keys.push_back("level");
      rec->args.push_back(Int(1));
      o.payload = std::move(rec);
      rule.obligations.push_back(std::move(o));
    }
    set.rules.push_back(std::move(rule));
  }
  return set;
}

std::string PolicyGenerator::Entities() {
  std::string out = "[";
  auto ref = [](const std::string& t, const std::string& id) {
    return "{\"type\":\"" + t + "\",\"id\":\"" + id + "\"}";
  };
  static const char* kDepts[] = {"eng", "ops", "sales"};
  for (int g = 0; g < 4; ++g) {
    out += "{\"uid\":" + ref("Group", "g" + std::to_string(g)) + ",\"parents\":[";
    if (g > 0 && Chance(60)) out += ref("Group", "g" + std::to_string(Uniform(0, g - 1)));
    out += "]},";
  }
  for (int u = 0; u < 5; ++u) {
    out += "{\"uid\":" + ref("User", "u" + std::to_string(u)) + ",\"attrs\":{";
    out += "\"level\":" + std::to_string(Chance(10) ? INT64_MAX : Uniform(0, 5));
    out += ",\"dept\":\"" + std::string(Pick(kDepts)) + "\"";
    if (Chance(50)) out += ",\"nick\":\"" + std::string(Chance(50) ? "eng" : "secret") + "\"";
    if (Chance(60)) out += ",\"manager\":{\"__entity\":" + ref("User", "u" + std::to_string(Uniform(0, 5))) + "}";
    out += "},\"parents\":[";
    if (Chance(70)) out += ref("Group", "g" + std::to_string(Uniform(0, 3)));
    out += "]},";
  }
  for (int d = 0; d < 4; ++d) {
    out += "{\"uid\":" + ref("Doc", "d" + std::to_string(d)) + ",\"attrs\":{";
    out += "\"owner\":{\"__entity\":" + ref("User", "u" + std::to_string(Uniform(0, 4))) + "}";
    out += ",\"size\":" + std::to_string(Uniform(-2, 100));
    if (Chance(80)) out += std::string(",\"classification\":\"") + (Chance(50) ? "secret" : "public") + "\"";
    out += "},\"parents\":[]},";
  }
  out += "{\"uid\":" + ref("Action", "read") + ",\"parents\":[" + ref("Action", "any") + "]},";
  out += "{\"uid\":" + ref("Action", "any") + "}]";
  return out;
}

std::string PolicyGenerator::Request() {
  static const char* kActions[] = {"read", "write", "delete"};
  std::string subject = "{\"type\":\"User\",\"id\":\"u" + std::to_string(Uniform(0, 5)) + "\"";
  if (Chance(20)) subject += ",\"properties\":{\"level\":" + std::to_string(Uniform(0, 5)) + "}";
  subject += "}";
  std::string resource = Chance(90) ? "{\"type\":\"Doc\",\"id\":\"d" + std::to_string(Uniform(0, 4)) + "\"}"
                                    : "{\"type\":\"User\",\"id\":\"u1\"}";
  std::string ctx = "{";
  ctx += "\"n\":" + std::to_string(Chance(10) ? INT64_MIN : Uniform(-1, 4));
  ctx += Chance(85) ? ",\"s\":\"eng\"" : ",\"s\":3";
  ctx += Chance(85) ? (Chance(50) ? ",\"flag\":true" : ",\"flag\":false") : ",\"flag\":7";
  ctx += std::string(",\"ip\":{\"__extn\":{\"fn\":\"ip\",\"arg\":\"") + (Chance(50) ? "10.1.2.3" : "192.168.7.7") + "\"}}";
  ctx += std::string(",\"d\":") + (Chance(50) ? "1.25" : "2.5");
  ctx += ",\"items\":[";
  int n = Uniform(0, 3);
  for (int i = 0; i < n; ++i) ctx += (i ? "," : "") + std::to_string(Uniform(0, 4));
  ctx += "]";
  if (Chance(70)) ctx += ",\"rec\":{\"level\":1}";
  ctx += "}";
  return "{\"subject\":" + subject + ",\"action\":{\"name\":\"" + Pick(kActions) +
         "\"},\"resource\":" + resource + ",\"context\":" + ctx + "}";
}

}  // namespace arbiter::testing
