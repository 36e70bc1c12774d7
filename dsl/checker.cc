#include "dsl/checker.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <functional>
#include <set>

#include "dsl/builtins.h"
#include "dsl/suggest.h"
#include "dsl/source_text.h"

namespace arbiter::dsl {
namespace {

// A static type. kUnknown matches everything; errors are only reported between known types.
struct Ty;
using TyPtr = std::shared_ptr<const Ty>;
struct Ty {
  BaseType base = BaseType::kUnknown;
  std::vector<std::string> entities;  // kEntity: the possible types; empty = any type
  TyPtr element;                      // kSet: element type (null = unknown)
  std::map<std::string, std::pair<TyPtr, bool>> fields;  // kRecord: type, required
  bool closed = false;                // kRecord: fields lists every attribute
  std::string owner;                  // kRecord: how messages name it ("the context of ...")
};

TyPtr Make(BaseType base) {
  auto t = std::make_shared<Ty>();
  t->base = base;
  return t;
}
TyPtr Unknown() {
  static const TyPtr unknown = Make(BaseType::kUnknown);
  return unknown;
}
TyPtr EntityOf(std::vector<std::string> types) {
  auto t = std::make_shared<Ty>();
  t->base = BaseType::kEntity;
  t->entities = std::move(types);
  return t;
}

bool Known(const TyPtr& t) { return t && t->base != BaseType::kUnknown; }

std::string Describe(const TyPtr& t) {
  if (!Known(t)) return "unknown";
  if (t->base == BaseType::kEntity && t->entities.size() == 1) return "entity " + t->entities[0];
  if (t->base == BaseType::kSet && Known(t->element)) return "Set<" + Describe(t->element) + ">";
  return std::string(BaseTypeName(t->base));
}

TyPtr FromSchema(const SchemaTypePtr& s, const std::string& owner);

TyPtr RecordFromSchema(const std::map<std::string, SchemaAttribute>& fields,
                       const std::string& owner) {
  auto t = std::make_shared<Ty>();
  t->base = BaseType::kRecord;
  t->closed = true;
  t->owner = owner;
  for (const auto& [name, attr] : fields) {
    t->fields[name] = {FromSchema(attr.type, "attribute `" + name + "`"), attr.required};
  }
  return t;
}

TyPtr FromSchema(const SchemaTypePtr& s, const std::string& owner) {
  if (!s) return Unknown();
  switch (s->base) {
    case BaseType::kEntity: return EntityOf({s->entity});
    case BaseType::kSet: {
      auto t = std::make_shared<Ty>();
      t->base = BaseType::kSet;
      t->element = FromSchema(s->element, owner);
      return t;
    }
    case BaseType::kRecord: return RecordFromSchema(s->fields, "the record in " + owner);
    default: return Make(s->base);
  }
}

// --- Extension literal formats (spec/language.md, "Extension types") -----------------------

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int Number(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool ValidIp(std::string_view text) {
  std::string addr(text);
  int max_prefix = addr.find(':') == std::string::npos ? 32 : 128;
  if (auto slash = addr.find('/'); slash != std::string::npos) {
    std::string_view prefix = std::string_view(addr).substr(slash + 1);
    if (!AllDigits(prefix) || prefix.size() > 3 || Number(prefix) > max_prefix) return false;
    addr.resize(slash);
  }
  unsigned char buffer[16];
  return inet_pton(max_prefix == 32 ? AF_INET : AF_INET6, addr.c_str(), buffer) == 1;
}

bool ValidDecimal(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return false;
  std::string_view whole = text.substr(0, dot), frac = text.substr(dot + 1);
  return AllDigits(whole) && AllDigits(frac) && frac.size() <= 4 && whole.size() <= 15;
}

bool ValidDatetime(std::string_view s) {
  auto digits_at = [&](size_t at, size_t n) { return s.size() >= at + n && AllDigits(s.substr(at, n)); };
  if (!digits_at(0, 4) || s.size() < 10 || s[4] != '-' || !digits_at(5, 2) || s[7] != '-' ||
      !digits_at(8, 2)) {
    return false;
  }
  int month = Number(s.substr(5, 2)), day = Number(s.substr(8, 2));
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (s.size() == 10) return true;
  if (s[10] != 'T' || !digits_at(11, 2) || s.size() < 19 || s[13] != ':' || !digits_at(14, 2) ||
      s[16] != ':' || !digits_at(17, 2)) {
    return false;
  }
  if (Number(s.substr(11, 2)) > 23 || Number(s.substr(14, 2)) > 59 || Number(s.substr(17, 2)) > 59) {
    return false;
  }
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    if (!digits_at(i + 1, 3)) return false;
    i += 4;
  }
  if (i < s.size() && s[i] == 'Z') return i + 1 == s.size();
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    return s.size() == i + 5 && digits_at(i + 1, 4) && Number(s.substr(i + 1, 2)) < 24 &&
           Number(s.substr(i + 3, 2)) < 60;
  }
  return false;
}

bool ValidDuration(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  static constexpr std::string_view kUnits[] = {"d", "h", "m", "s", "ms"};
  int next_unit = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i - start > 18) return false;
    std::string_view unit = s.substr(i, s.substr(i, 2) == "ms" ? 2 : 1);
    int found = -1;
    for (int u = next_unit; u < 5; ++u) {
      if (kUnits[u] == unit) found = u;
    }
    if (found < 0) return false;
    next_unit = found + 1;
    i += unit.size();
  }
  return true;
}

// --- The checker ---------------------------------------------------------------------------

class Checker {
 public:
  Checker(const PolicySet& set, const Schema* schema, std::vector<Diagnostic>* out)
      : set_(set), schema_(schema), out_(out) {}

  void Run() {
    for (const Rule& rule : set_.rules) CheckRule(rule);
    // A test request is a constant: no rule's request or locals are in scope in it.
    request_.fill(Unknown());
    locals_.clear();
    for (const TestCase& test : set_.tests) {
      if (test.request) Infer(*test.request);
    }
  }

 private:
  void Error(std::string_view code, const Span& span, std::string message) {
    out_->push_back({std::string(code), Severity::kError, std::move(message), span});
  }

  void CheckRule(const Rule& rule) {
    locals_.assign(rule.num_locals, Unknown());
    TyPtr subject = EntityOf({}), resource = EntityOf({});
    TyPtr action = EntityOf({"Action"});
    TyPtr context = Make(BaseType::kRecord);
    current_actions_.clear();
    if (schema_) ScopeFromSchema(rule, &subject, &resource, &context);
    request_ = {subject, action, resource, context};
    TyPtr cond = Infer(*rule.condition);
    if (Known(cond) && cond->base != BaseType::kBool) {
      Error("E0303", rule.condition->span,
            "a rule's condition must be a Bool, not " + Describe(cond));
    }
    // Payloads are evaluated only when the rule matched: the condition's guards hold.
    WithGuards(*rule.condition, [&] {
      for (const Obligation& o : rule.obligations) {
        if (o.payload) Infer(*o.payload);
      }
    });
    for (const Obligation& o : rule.obligations) {
      if (o.name == "require_evidence" && !o.advice) CheckEvidenceObligation(o);
    }
  }

  // `obligation require_evidence { type: .., role: .., within: .. }` is followed up by the
  // audit (spec/language.md, "Evidence obligations"): what it asks for must be readable.
  // Literals are checked here; computed values must at least be Strings.
  void CheckEvidenceObligation(const Obligation& o) {
    const Expr* payload = o.payload.get();
    if (!payload || payload->kind != ExprKind::kRecord) {
      Error("E0308", payload ? payload->span : o.span,
            "require_evidence needs a record: { type: \"approval\", role: \"risk-officer\", "
            "within: \"24h\" } (role and within optional)");
      return;
    }
    bool has_type = false;
    for (size_t i = 0; i < payload->keys.size(); ++i) {
      const std::string& key = payload->keys[i];
      if (key != "type" && key != "role" && key != "within") continue;
      has_type |= key == "type";
      const Expr& value = *payload->args[i];
      if (value.kind != ExprKind::kString) {
        // Its type again; what is wrong inside it was reported when the payload was checked.
        size_t reported = out_->size();
        TyPtr t = Infer(value);
        out_->resize(reported);
        if (Known(t) && t->base != BaseType::kString) {
          Error("E0308", value.span,
                "require_evidence `" + key + "` must be a String, not " + Describe(t));
        }
        continue;
      }
      if (value.text.empty()) {
        Error("E0308", value.span, "require_evidence `" + key + "` must not be empty");
      } else if (key == "within" &&
                 (!ValidDuration(value.text) || value.text.front() == '-' ||
                  value.text.find("ms") != std::string::npos)) {
        Error("E0308", value.span,
              "require_evidence `within` \"" + value.text +
                  "\" is not a positive duration in d, h, m and s, e.g. \"24h\" or \"1d12h\"");
      }
    }
    if (!has_type) {
      Error("E0308", payload->span,
            "require_evidence needs `type`: the evidence type that discharges it");
    }
  }

  // The top-level conjuncts of a condition: `a && b && c`.
  static void Conjuncts(const Expr& e, std::vector<const Expr*>* out) {
    if (e.kind == ExprKind::kAnd) {
      Conjuncts(*e.args[0], out);
      Conjuncts(*e.args[1], out);
    } else {
      out->push_back(&e);
    }
  }

  static bool IsVar(const Expr& e, uint32_t slot) {
    return e.kind == ExprKind::kVar && e.slot == slot;
  }

  // With a schema: which actions the rule constrains itself to, and therefore which entity
  // types subject and resource can be and what the context holds.
  void ScopeFromSchema(const Rule& rule, TyPtr* subject, TyPtr* resource, TyPtr* context) {
    std::vector<const Expr*> conjuncts;
    Conjuncts(*rule.condition, &conjuncts);
    std::optional<std::vector<std::string>> actions;
    std::optional<std::string> subject_is, resource_is;
    const Expr* subject_is_expr = nullptr;
    const Expr* resource_is_expr = nullptr;
    for (const Expr* c : conjuncts) {
      if (c->kind == ExprKind::kBinary && IsVar(*c->args[0], kAction)) {
        const Expr& rhs = *c->args[1];
        std::vector<std::string> names;
        if (c->binary_op == BinaryOp::kEq && rhs.kind == ExprKind::kEntity &&
            rhs.type_name == "Action") {
          names.push_back(rhs.text);
        } else if (c->binary_op == BinaryOp::kIn && rhs.kind == ExprKind::kSet) {
          for (const auto& a : rhs.args) {
            if (a->kind == ExprKind::kEntity && a->type_name == "Action") names.push_back(a->text);
          }
          if (names.size() != rhs.args.size()) continue;
        } else {
          continue;
        }
        actions = names;
      } else if (c->kind == ExprKind::kIs && c->args.size() == 1) {
        if (IsVar(*c->args[0], kSubject)) subject_is = c->type_name, subject_is_expr = c;
        if (IsVar(*c->args[0], kResource)) resource_is = c->type_name, resource_is_expr = c;
      }
    }
    std::vector<std::string> all;
    for (const auto& [name, decl] : schema_->entities) all.push_back(name);
    std::vector<std::string> subjects = all, resources = all;
    if (actions) {
      std::set<std::string> s, r;
      for (const std::string& a : *actions) {
        auto it = schema_->actions.find(a);
        if (it == schema_->actions.end()) continue;  // reported where the literal is checked
        current_actions_.push_back(&it->second);
        s.insert(it->second.subjects.begin(), it->second.subjects.end());
        r.insert(it->second.resources.begin(), it->second.resources.end());
      }
      if (!current_actions_.empty()) {
        subjects.assign(s.begin(), s.end());
        resources.assign(r.begin(), r.end());
      }
    }
    auto narrow = [&](std::vector<std::string>* types, const std::optional<std::string>& is,
                      const Expr* is_expr, const char* role) {
      if (!is) return;
      if (!schema_->entities.count(*is)) return;  // E0402 comes from the `is` itself
      if (std::find(types->begin(), types->end(), *is) == types->end()) {
        std::string names;
        for (const ActionDecl* a : current_actions_) names += (names.empty() ? "`" : ", `") + a->name + "`";
        Error("E0406", is_expr->span,
              "action " + names + " does not apply to " + role + " type `" + *is +
                  "`: this rule can never match");
        return;
      }
      *types = {*is};
    };
    narrow(&subjects, subject_is, subject_is_expr, "subject");
    narrow(&resources, resource_is, resource_is_expr, "resource");
    *subject = EntityOf(subjects);
    *resource = EntityOf(resources);
    if (current_actions_.size() == 1 && current_actions_[0]->has_context) {
      *context = RecordFromSchema(current_actions_[0]->context,
                                  "the context of action `" + current_actions_[0]->name + "`");
    }
  }

  TyPtr Attribute(const Expr& e, const TyPtr& receiver, bool for_has) {
    const std::string& name = e.name;
    if (!receiver) return Unknown();
    switch (receiver->base) {
      case BaseType::kUnknown: return Unknown();
      case BaseType::kRecord: {
        auto it = receiver->fields.find(name);
        if (it != receiver->fields.end()) {
          if (!for_has && !it->second.second) RequireGuard(e);
          return it->second.first;
        }
        if (receiver->closed) {
          std::vector<std::string_view> known;
          for (const auto& field : receiver->fields) known.push_back(field.first);
          Error("E0403", e.span,
                (receiver->owner.empty() ? std::string("the record") : receiver->owner) +
                    " has no attribute `" + name + "`" + DidYouMean(name, known, PathPrefix(e)));
        }
        return Unknown();
      }
      case BaseType::kEntity: {
        if (!schema_ || receiver->entities.empty()) return Unknown();
        TyPtr found;
        bool consistent = true;
        bool optional = false;
        size_t known_types = 0;
        for (const std::string& type : receiver->entities) {
          auto decl = schema_->entities.find(type);
          if (decl == schema_->entities.end()) continue;
          ++known_types;
          auto attr = decl->second.attributes.find(name);
          if (attr == decl->second.attributes.end()) continue;
          optional |= !attr->second.required;
          TyPtr t = FromSchema(attr->second.type, "attribute `" + name + "`");
          if (found && Describe(found) != Describe(t)) consistent = false;
          if (!found) found = t;
        }
        if (!found && known_types > 0) {
          std::string types;
          for (const auto& t : receiver->entities) types += (types.empty() ? "`" : ", `") + t + "`";
          std::vector<std::string_view> known;
          for (const std::string& type : receiver->entities) {
            auto decl = schema_->entities.find(type);
            if (decl == schema_->entities.end()) continue;
            for (const auto& attr : decl->second.attributes) known.push_back(attr.first);
          }
          Error("E0403", e.span,
                std::string(receiver->entities.size() == 1 ? "entity type " : "entity types ") +
                    types + (receiver->entities.size() == 1 ? " has" : " have") +
                    " no attribute `" + name + "`" +
                    (for_has ? " (so this `has` is always false)" : "") +
                    DidYouMean(name, known, PathPrefix(e)));
          return Unknown();
        }
        if (found && optional && !for_has) RequireGuard(e);
        return consistent && found ? found : Unknown();
      }
      default:
        Error("E0306", e.span,
              std::string(for_has ? "`has` needs" : "attribute access needs") +
                  " an entity or a record, not " + Describe(receiver));
        return Unknown();
    }
  }

  // What an attribute read is a read of, as text ("subject.profile.region"), for matching a
  // `has` guard to it; empty when it is not a path from a variable.
  static std::string PathOf(const Expr& e) {
    if (e.kind == ExprKind::kVar) return e.name.empty() ? "$" + std::to_string(e.slot) : e.name;
    if (e.kind == ExprKind::kGetAttr || e.kind == ExprKind::kHasAttr) {
      std::string base = PathOf(*e.args[0]);
      return base.empty() ? base : base + "." + e.name;
    }
    return std::string();
  }

  // The `has` tests that hold wherever `e` is true: its top-level conjuncts.
  static void GuardsOf(const Expr& e, std::vector<std::string>* out) {
    if (e.kind == ExprKind::kAnd) {
      GuardsOf(*e.args[0], out);
      GuardsOf(*e.args[1], out);
    } else if (e.kind == ExprKind::kHasAttr) {
      std::string path = PathOf(e);
      if (!path.empty()) out->push_back(std::move(path));
    }
  }

  // Runs `body` with the guards of `condition` known to hold.
  template <typename F>
  void WithGuards(const Expr& condition, F body) {
    size_t before = guards_.size();
    GuardsOf(condition, &guards_);
    body();
    guards_.resize(before);
  }

  // An optional attribute read with no `has` guard before it fails at run time whenever the
  // attribute is absent (and the rule then errors): E0309, with the guard to write.
  void RequireGuard(const Expr& e) {
    std::string path = PathOf(e);
    if (path.empty()) return;  // not a path from a variable: nothing to name in a hint
    if (std::find(guards_.begin(), guards_.end(), path) != guards_.end()) return;
    std::string base = PathOf(*e.args[0]);
    Error("E0309", e.span,
          "`" + path + "` is optional and read without a `has` guard: it fails when absent "
          "(help: write `" + base + " has " + e.name + " && ...` before reading it)");
  }

  // "subject." for `subject.ownr`: what a suggested attribute is written after.
  static std::string PathPrefix(const Expr& e) {
    std::string base = PathOf(*e.args[0]);
    return base.empty() ? base : base + ".";
  }
  std::vector<std::string_view> EntityTypeNames() const {
    std::vector<std::string_view> names;
    if (schema_) for (const auto& [name, decl] : schema_->entities) names.push_back(name);
    return names;
  }
  std::vector<std::string_view> ActionNames() const {
    std::vector<std::string_view> names;
    if (schema_) for (const auto& [name, decl] : schema_->actions) names.push_back(name);
    return names;
  }

  void ExpectBool(const Expr& e, const TyPtr& t, std::string_view what, std::string_view code) {
    if (Known(t) && t->base != BaseType::kBool) {
      Error(code, e.span, std::string(what) + " must be a Bool, not " + Describe(t));
    }
  }

  void CheckEntityLiteral(const Expr& e) {
    if (!schema_) return;
    if (e.type_name == "Action") {
      if (!schema_->actions.empty() && !schema_->actions.count(e.text)) {
        std::string closest = Closest(e.text, ActionNames());
        Error("E0405", e.span,
              "unknown action `" + e.text + "` (not declared in the schema)" +
                  (closest.empty() ? "" : "; did you mean `Action::\"" + closest + "\"`?"));
      }
    } else if (!schema_->entities.count(e.type_name)) {
      Error("E0402", e.span,
            "unknown entity type `" + e.type_name + "`" + DidYouMean(e.type_name, EntityTypeNames()));
    }
  }

  TyPtr Infer(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kBool: return Make(BaseType::kBool);
      case ExprKind::kInt: return Make(BaseType::kLong);
      case ExprKind::kString: return Make(BaseType::kString);
      case ExprKind::kDecimal: return Make(BaseType::kDecimal);
      case ExprKind::kEntity:
        CheckEntityLiteral(e);
        return EntityOf({e.type_name});
      case ExprKind::kVar:
        if (e.slot < kFirstLocalSlot) return request_[e.slot];
        if (e.slot != UINT32_MAX && e.slot - kFirstLocalSlot < locals_.size()) return locals_[e.slot - kFirstLocalSlot];
        return Unknown();
      case ExprKind::kSet: {
        auto t = std::make_shared<Ty>();
        t->base = BaseType::kSet;
        TyPtr element;
        bool mixed = false;
        for (const auto& a : e.args) {
          TyPtr at = Infer(*a);
          if (!element) element = at;
          else if (Describe(element) != Describe(at)) mixed = true;
        }
        t->element = mixed || !element ? Unknown() : element;
        return t;
      }
      case ExprKind::kRecord: {
        auto t = std::make_shared<Ty>();
        t->base = BaseType::kRecord;
        t->closed = true;
        for (size_t i = 0; i < e.args.size(); ++i) {
          t->fields[e.keys[i]] = {Infer(*e.args[i]), true};
        }
        return t;
      }
      case ExprKind::kGetAttr: return Attribute(e, Infer(*e.args[0]), false);
      case ExprKind::kHasAttr:
        Attribute(e, Infer(*e.args[0]), true);
        return Make(BaseType::kBool);
      case ExprKind::kUnary: {
        TyPtr t = Infer(*e.args[0]);
        if (e.unary_op == UnaryOp::kNot) {
          ExpectBool(e, t, "the operand of `!`", "E0302");
          return Make(BaseType::kBool);
        }
        if (Known(t) && t->base != BaseType::kLong) {
          Error("E0302", e.span, "unary `-` needs a Long, not " + Describe(t));
        }
        return Make(BaseType::kLong);
      }
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        const char* op = e.kind == ExprKind::kAnd ? "`&&`" : "`||`";
        ExpectBool(*e.args[0], Infer(*e.args[0]), std::string("each operand of ") + op, "E0302");
        // `a && b` evaluates b only where a held, so a's `has` tests guard b.
        auto right = [&] {
          ExpectBool(*e.args[1], Infer(*e.args[1]), std::string("each operand of ") + op, "E0302");
        };
        if (e.kind == ExprKind::kAnd) {
          WithGuards(*e.args[0], right);
        } else {
          right();
        }
        return Make(BaseType::kBool);
      }
      case ExprKind::kBinary: return InferBinary(e);
      case ExprKind::kLike: {
        TyPtr t = Infer(*e.args[0]);
        if (Known(t) && t->base != BaseType::kString) {
          Error("E0302", e.span, "`like` needs a String, not " + Describe(t));
        }
        return Make(BaseType::kBool);
      }
      case ExprKind::kIs: {
        TyPtr t = Infer(*e.args[0]);
        if (Known(t) && t->base != BaseType::kEntity) {
          Error("E0302", e.span, "`is` needs an entity, not " + Describe(t));
        }
        if (schema_ && e.type_name != "Action" && !schema_->entities.count(e.type_name)) {
          Error("E0402", e.span,
                "unknown entity type `" + e.type_name + "`" +
                    DidYouMean(e.type_name, EntityTypeNames()));
        }
        if (e.args.size() > 1) CheckInOperand(e, Infer(*e.args[1]));
        return Make(BaseType::kBool);
      }
      case ExprKind::kIf: {
        ExpectBool(*e.args[0], Infer(*e.args[0]), "the condition of `if`", "E0303");
        TyPtr a;
        WithGuards(*e.args[0], [&] { a = Infer(*e.args[1]); });
        TyPtr b = Infer(*e.args[2]);
        if (Known(a) && Known(b)) {
          if (a->base != b->base) {
            Error("E0307", e.span,
                  "the branches of `if` have different types: " + Describe(a) + " and " +
                      Describe(b));
            return Unknown();
          }
          return a;
        }
        return Known(a) ? a : b;
      }
      case ExprKind::kLet: {
        TyPtr value = Infer(*e.args[0]);
        Bind(e.slot, value);
        return Infer(*e.args[1]);
      }
      case ExprKind::kAny:
      case ExprKind::kAll: {
        TyPtr coll = Infer(*e.args[0]);
        TyPtr element = Unknown();
        if (Known(coll)) {
          if (coll->base != BaseType::kSet) {
            Error("E0302", e.args[0]->span,
                  std::string(e.kind == ExprKind::kAny ? "`any`" : "`all`") +
                      " ranges over a Set, not " + Describe(coll));
          } else if (coll->element) {
            element = coll->element;
          }
        }
        Bind(e.slot, element);
        ExpectBool(*e.args[1], Infer(*e.args[1]), "the body of a quantifier", "E0303");
        return Make(BaseType::kBool);
      }
      case ExprKind::kCall: return InferCall(e);
      case ExprKind::kMethod: return InferMethod(e);
    }
    return Unknown();
  }

  void Bind(uint32_t slot, TyPtr t) {
    if (slot >= kFirstLocalSlot && slot - kFirstLocalSlot < locals_.size()) {
      locals_[slot - kFirstLocalSlot] = std::move(t);
    }
  }

  void CheckInOperand(const Expr& e, const TyPtr& rhs) {
    if (Known(rhs) && rhs->base != BaseType::kEntity && rhs->base != BaseType::kSet) {
      Error("E0302", e.span,
            "the right side of `in` must be an entity or a set of entities, not " +
                Describe(rhs));
    }
  }

  static bool Orderable(BaseType b) {
    return b == BaseType::kLong || b == BaseType::kDecimal || b == BaseType::kDatetime ||
           b == BaseType::kDuration || b == BaseType::kString;
  }

  TyPtr InferBinary(const Expr& e) {
    TyPtr a = Infer(*e.args[0]);
    TyPtr b = Infer(*e.args[1]);
    switch (e.binary_op) {
      case BinaryOp::kEq:
      case BinaryOp::kNe:
        if (Known(a) && Known(b) && a->base != b->base) {
          Error("E0301", e.span,
                "comparing " + Describe(a) + " with " + Describe(b) + " is always " +
                    (e.binary_op == BinaryOp::kEq ? "false" : "true"));
        }
        return Make(BaseType::kBool);
      case BinaryOp::kLt:
      case BinaryOp::kLe:
      case BinaryOp::kGt:
      case BinaryOp::kGe:
        for (const TyPtr* t : {&a, &b}) {
          if (Known(*t) && !Orderable((*t)->base)) {
            Error("E0302", e.span,
                  "ordering needs Long, Decimal, Datetime, Duration or String, not " +
                      Describe(*t));
            return Make(BaseType::kBool);
          }
        }
        if (Known(a) && Known(b) && a->base != b->base) {
          Error("E0301", e.span,
                "cannot order " + Describe(a) + " against " + Describe(b));
        }
        return Make(BaseType::kBool);
      case BinaryOp::kAdd:
      case BinaryOp::kSub:
      case BinaryOp::kMul:
        for (const TyPtr* t : {&a, &b}) {
          if (Known(*t) && (*t)->base != BaseType::kLong) {
            Error("E0302", e.span, "arithmetic needs Long operands, not " + Describe(*t));
            break;
          }
        }
        return Make(BaseType::kLong);
      case BinaryOp::kIn:
        CheckInOperand(e, b);
        if (Known(b) && b->base == BaseType::kEntity && Known(a) &&
            a->base != BaseType::kEntity) {
          Error("E0302", e.span, "`in` an entity needs an entity on the left, not " + Describe(a));
        }
        return Make(BaseType::kBool);
    }
    return Unknown();
  }

  TyPtr InferCall(const Expr& e) {
    const FunctionInfo* f = FindFunction(e.name);
    for (const auto& a : e.args) {
      TyPtr t = Infer(*a);
      if (Known(t) && t->base != BaseType::kString) {
        Error("E0302", a->span, "`" + e.name + "` takes a String, not " + Describe(t));
      }
    }
    if (!f) return Unknown();
    if (e.args.size() == 1 && e.args[0]->kind == ExprKind::kString) {
      const std::string& lit = e.args[0]->text;
      bool valid = e.name == "ip"        ? ValidIp(lit)
                   : e.name == "decimal" ? ValidDecimal(lit)
                   : e.name == "datetime" ? ValidDatetime(lit)
                                          : ValidDuration(lit);
      if (!valid) {
        const char* hint = e.name == "ip"        ? "an IPv4 or IPv6 address, optionally /prefix"
                           : e.name == "decimal" ? "digits, a point, 1 to 4 digits"
                           : e.name == "datetime"
                               ? "YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.sss](Z|+hhmm|-hhmm)"
                               : "units in the order d h m s ms, e.g. 1h30m";
        Error("E0305", e.args[0]->span,
              "invalid " + e.name + " literal \"" + lit + "\" (expected " + hint + ")");
      }
    }
    return Make(f->result);
  }

  TyPtr InferMethod(const Expr& e) {
    TyPtr receiver = Infer(*e.args[0]);
    std::vector<TyPtr> args;
    for (size_t i = 1; i < e.args.size(); ++i) args.push_back(Infer(*e.args[i]));
    const MethodInfo* m = FindMethod(e.name);
    if (!m) return Unknown();
    if (Known(receiver) && !ReceiverApplies(m->receivers, receiver->base)) {
      Error("E0304", e.span,
            "method `" + e.name + "` does not apply to " + Describe(receiver) + " (it takes " +
                ReceiverNames(m->receivers) + ")");
    }
    // `s.contains(t)` on a String looks for the String t in it.
    if (m->id == MethodId::kContains && Known(receiver) && receiver->base == BaseType::kString) {
      for (size_t i = 0; i < args.size(); ++i) {
        if (Known(args[i]) && args[i]->base != BaseType::kString) {
          Error("E0304", e.args[i + 1]->span,
                "`contains` on a String takes a String, not " + Describe(args[i]));
        }
      }
    }
    if (m->argument != BaseType::kUnknown) {
      for (size_t i = 0; i < args.size(); ++i) {
        if (Known(args[i]) && args[i]->base != m->argument) {
          Error("E0304", e.args[i + 1]->span,
                "method `" + e.name + "` takes a " + std::string(BaseTypeName(m->argument)) +
                    ", not " + Describe(args[i]));
        }
      }
    }
    if (e.name == "contains" && Known(receiver) && receiver->base == BaseType::kSet &&
        Known(receiver->element) && !args.empty() && Known(args[0]) &&
        receiver->element->base != args[0]->base) {
      Error("E0301", e.span,
            "a " + Describe(receiver) + " never contains a " + Describe(args[0]));
    }
    return Make(m->result);
  }

  const PolicySet& set_;
  const Schema* schema_;
  std::vector<Diagnostic>* out_;
  std::vector<TyPtr> locals_;
  // Never null: Infer returns Unknown(), not null, for what it cannot type.
  std::array<TyPtr, 4> request_{Unknown(), Unknown(), Unknown(), Unknown()};
  std::vector<const ActionDecl*> current_actions_;
  // Paths a `has` test has established where the expression being checked is evaluated.
  std::vector<std::string> guards_;
};

}  // namespace

void CheckTypes(const PolicySet& policies, const Schema* schema,
                std::vector<Diagnostic>* diagnostics) {
  Checker(policies, schema, diagnostics).Run();
}

}  // namespace arbiter::dsl
