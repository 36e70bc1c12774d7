#include "dsl/lower.h"

#include <limits>
#include <unordered_set>

#include "dsl/builtins.h"
#include "dsl/suggest.h"

namespace arbiter::dsl {

namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

bool DecodeString(std::string_view raw, bool for_like, std::string* out, size_t* bad_at) {
  out->clear();
  out->reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (i + 1 >= raw.size()) {
      *bad_at = i;
      return false;
    }
    char e = raw[++i];
    switch (e) {
      case 'n': out->push_back('\n'); break;
      case 't': out->push_back('\t'); break;
      case 'r': out->push_back('\r'); break;
      case '0': out->push_back('\0'); break;
      case '"': out->push_back('"'); break;
      case '\'': out->push_back('\''); break;
      case '\\': out->push_back('\\'); break;
      case '*':
        if (!for_like) {
          *bad_at = i - 1;
          return false;
        }
        out->append("\\*");
        break;
      case 'u': {
        // \u{1F600}: 1 to 6 hex digits.
        size_t start = i - 1;
        if (i + 1 >= raw.size() || raw[i + 1] != '{') {
          *bad_at = start;
          return false;
        }
        size_t j = i + 2;
        uint32_t cp = 0;
        size_t digits = 0;
        while (j < raw.size() && raw[j] != '}' && digits <= 6) {
          char h = raw[j];
          int v = (h >= '0' && h <= '9')   ? h - '0'
                  : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                  : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                           : -1;
          if (v < 0) {
            *bad_at = start;
            return false;
          }
          cp = cp * 16 + static_cast<uint32_t>(v);
          ++digits;
          ++j;
        }
        if (j >= raw.size() || digits == 0 || digits > 6 || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
          *bad_at = start;
          return false;
        }
        AppendUtf8(cp, out);
        i = j;
        break;
      }
      default:
        *bad_at = i - 1;
        return false;
    }
  }
  return true;
}

namespace {

// Marks a variable that did not resolve (the set then has errors and never reaches the engine).
constexpr uint32_t kUnresolvedSlot = UINT32_MAX;

bool IsRelationLevel(CstKind k) {
  return k == CstKind::kRelation || k == CstKind::kIs || k == CstKind::kHas ||
         k == CstKind::kLike;
}

std::string_view ClauseName(CstKind k) {
  switch (k) {
    case CstKind::kWhen: return "when";
    case CstKind::kUnless: return "unless";
    case CstKind::kReason: return "reason";
    case CstKind::kObligation: return "obligation";
    case CstKind::kAdvice: return "advice";
    case CstKind::kData: return "data";
    case CstKind::kRequest: return "request";
    case CstKind::kExpect: return "expect";
    case CstKind::kExpectReasons: return "reasons";
    case CstKind::kExpectObligations: return "obligations";
    case CstKind::kExpectErrors: return "errors";
    default: return "clause";
  }
}

class Lowerer {
 public:
  Lowerer(const CstFile& cst, std::string_view text, DiagnosticSink& sink, PolicySet* out)
      : cst_(cst), text_(text), sink_(sink), out_(out) {}

  void Run() {
    bool seen_other = false;
    bool seen_package = false;
    for (uint32_t d : cst_.decls) {
      const CstNode& n = Node(d);
      switch (n.kind) {
        case CstKind::kPackage:
          if (seen_package) {
            Error("E0112", n.begin, n.text_begin, "a file declares at most one package");
          } else if (seen_other) {
            Error("E0112", n.begin, n.text_begin,
                  "the package declaration must come before every rule and test");
          }
          seen_package = true;
          package_ = std::string(n.text);
          fail_closed_ = false;
          for (uint32_t k : n.kids) {
            const CstNode& a = Node(k);
            if (a.text == "fail_closed" && !(a.flags & kHasValue)) {
              fail_closed_ = true;
            } else {
              Error("E0116", a.begin, a.end,
                    "unknown package annotation `@" + std::string(a.text) +
                        "` (a package takes only `@fail_closed`)" +
                        DidYouMean(a.text, {"fail_closed"}, "@"));
            }
          }
          break;
        case CstKind::kRule:
          seen_other = true;
          LowerRule(n);
          break;
        case CstKind::kTest:
          seen_other = true;
          LowerTest(n);
          break;
        default:
          break;
      }
    }
  }

 private:
  const CstNode& Node(uint32_t i) const { return cst_.nodes[i]; }

  Span SpanOf(uint32_t begin, uint32_t end) const {
    return MakeSpan(sink_.file(), sink_.index(), begin, end);
  }
  Span SpanOf(const CstNode& n) const { return SpanOf(n.begin, n.end); }

  void Error(std::string_view code, uint32_t begin, uint32_t end, std::string message) {
    sink_.Error(code, begin, end, std::move(message));
  }

  std::string Decode(std::string_view raw, uint32_t raw_offset, bool for_like = false) {
    std::string out;
    size_t bad = 0;
    if (!DecodeString(raw, for_like, &out, &bad)) {
      uint32_t at = raw_offset + static_cast<uint32_t>(bad);
      Error("E0105", at, at + 2,
            "invalid escape sequence in string (valid: \\\" \\\\ \\n \\t \\r \\0 \\' \\u{hex}" +
                std::string(for_like ? " \\*" : "") + ")");
    }
    return out;
  }

  void LowerRule(const CstNode& n) {
    Rule rule;
    rule.effect = n.text == "forbid" ? Effect::kForbid : Effect::kPermit;
    rule.id = std::string(n.text2);
    rule.package = package_;
    rule.qualified_id = package_.empty() ? rule.id : package_ + "." + rule.id;
    rule.fail_closed = fail_closed_;
    rule.span = SpanOf(n);
    locals_ = 0;
    scope_.clear();

    ExprPtr when, unless;
    const CstNode* unless_clause = nullptr;
    int last_order = -1;
    bool seen[3] = {false, false, false};
    for (uint32_t k : n.kids) {
      const CstNode& c = Node(k);
      if (c.kind == CstKind::kAnnotation) {
        Annotation a;
        a.key = std::string(c.text);
        if (c.flags & kHasValue) a.value = Decode(c.text2, c.text_begin + c.text.size() + 2);
        a.span = SpanOf(c);
        rule.annotations.push_back(std::move(a));
        continue;
      }
      int order = c.kind == CstKind::kWhen     ? 0
                  : c.kind == CstKind::kUnless ? 1
                  : c.kind == CstKind::kReason ? 2
                                               : 3;
      if (order < 3 && seen[order]) {
        Error("E0113", c.begin, c.begin + ClauseName(c.kind).size(),
              "duplicate `" + std::string(ClauseName(c.kind)) + "` clause in rule `" +
                  rule.id + "`");
        continue;
      }
      if (order < last_order) {
        Error("E0113", c.begin, c.begin + ClauseName(c.kind).size(),
              "`" + std::string(ClauseName(c.kind)) +
                  "` is out of order: a rule's clauses come as when, unless, reason, then "
                  "obligations and advice");
      }
      last_order = std::max(last_order, order);
      if (order < 3) seen[order] = true;
      switch (c.kind) {
        case CstKind::kWhen: when = LowerExpr(c.kids[0]); break;
        case CstKind::kUnless:
          unless = LowerExpr(c.kids[0]);
          unless_clause = &c;
          break;
        case CstKind::kReason: rule.reason = Decode(c.text, c.text_begin); break;
        case CstKind::kObligation:
        case CstKind::kAdvice: {
          Obligation o;
          o.name = std::string(c.text);
          o.advice = c.kind == CstKind::kAdvice;
          if (!c.kids.empty()) o.payload = LowerExpr(c.kids[0]);
          o.span = SpanOf(c);
          rule.obligations.push_back(std::move(o));
          break;
        }
        default: break;
      }
    }
    if (!when) {
      when = std::make_unique<Expr>();
      when->kind = ExprKind::kBool;
      when->bool_value = true;
      when->span = rule.span;
    }
    if (unless) {
      auto negated = std::make_unique<Expr>();
      negated->kind = ExprKind::kUnary;
      negated->unary_op = UnaryOp::kNot;
      negated->span = SpanOf(*unless_clause);
      negated->args.push_back(std::move(unless));
      auto both = std::make_unique<Expr>();
      both->kind = ExprKind::kAnd;
      both->span = SpanOf(*unless_clause);
      both->args.push_back(std::move(when));
      both->args.push_back(std::move(negated));
      when = std::move(both);
    }
    rule.condition = std::move(when);
    rule.num_locals = locals_;
    out_->rules.push_back(std::move(rule));
  }

  void LowerTest(const CstNode& n) {
    TestCase test;
    test.name = std::string(n.text2);
    test.package = package_;
    test.span = SpanOf(n);
    locals_ = 0;
    scope_.clear();
    bool has_expect = false;
    std::unordered_set<int> seen;
    for (uint32_t k : n.kids) {
      const CstNode& c = Node(k);
      if (c.kind == CstKind::kAnnotation) {
        Error("E0116", c.begin, c.end, "tests take no annotations");
        continue;
      }
      if (!seen.insert(static_cast<int>(c.kind)).second) {
        Error("E0114", c.begin, c.begin + ClauseName(c.kind).size(),
              "duplicate `" + std::string(ClauseName(c.kind)) + "` in test `" + test.name + "`");
        continue;
      }
      switch (c.kind) {
        case CstKind::kData: test.data_path = Decode(c.text, c.text_begin); break;
        case CstKind::kRequest:
          in_test_request_ = true;
          test.request = LowerExpr(c.kids[0]);
          in_test_request_ = false;
          break;
        case CstKind::kExpect:
          has_expect = true;
          test.expect = c.text == "allow"         ? TestExpect::kAllow
                        : c.text == "deny"        ? TestExpect::kDeny
                        : c.text == "error"       ? TestExpect::kError
                                                  : TestExpect::kFailClosed;
          break;
        case CstKind::kExpectReasons:
        case CstKind::kExpectObligations:
        case CstKind::kExpectErrors: {
          std::vector<std::string> names;
          for (uint32_t item : c.kids) {
            const CstNode& name = Node(item);
            std::string value = (name.flags & kQuoted) ? Decode(name.text, name.text_begin)
                                                       : std::string(name.text);
            // An unqualified rule id names a rule of the test's own package.
            if (c.kind != CstKind::kExpectObligations && value.find('.') == std::string::npos &&
                !package_.empty()) {
              value = package_ + "." + value;
            }
            names.push_back(std::move(value));
          }
          if (c.kind == CstKind::kExpectReasons) {
            test.expect_reasons = std::move(names);
          } else if (c.kind == CstKind::kExpectErrors) {
            test.expect_errors = std::move(names);
          } else {
            test.expect_obligations = std::move(names);
          }
          break;
        }
        default: break;
      }
    }
    if (!test.request) {
      Error("E0114", n.begin, n.text_begin + n.text2.size(),
            "test `" + test.name + "` has no `request { ... }`");
    }
    if (!has_expect) {
      Error("E0114", n.begin, n.text_begin + n.text2.size(),
            "test `" + test.name + "` has no `expect` clause (`allow`, `deny`, `error` or "
                "`fail_closed`)");
    }
    out_->tests.push_back(std::move(test));
  }

  ExprPtr NewExpr(ExprKind kind, const CstNode& n) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->span = SpanOf(n);
    return e;
  }

  // Literal integer text -> value; `negative` folds a leading minus so INT64_MIN is writable.
  bool ParseInt(const CstNode& n, bool negative, int64_t* value) {
    uint64_t v = 0;
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    for (char c : n.text) {
      uint64_t digit = static_cast<uint64_t>(c - '0');
      if (v > (limit - digit) / 10) {
        Error("E0106", n.begin, n.end,
              "integer literal out of range: integers are 64-bit signed (-9223372036854775808 "
              "to 9223372036854775807)");
        return false;
      }
      v = v * 10 + digit;
    }
    *value = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
    return true;
  }

  int64_t ParseDecimal(const CstNode& n) {
    size_t dot = n.text.find('.');
    std::string_view whole = n.text.substr(0, dot);
    std::string_view frac = n.text.substr(dot + 1);
    if (frac.size() > 4) {
      Error("E0107", n.begin, n.end,
            "decimal literal has more than 4 digits after the point");
      return 0;
    }
    const int64_t max = std::numeric_limits<int64_t>::max();
    int64_t v = 0;
    for (char c : whole) {
      if (v > (max - (c - '0')) / 10) {
        Error("E0107", n.begin, n.end, "decimal literal out of range");
        return 0;
      }
      v = v * 10 + (c - '0');
    }
    for (size_t i = 0; i < 4; ++i) {
      int d = i < frac.size() ? frac[i] - '0' : 0;
      if (v > (max - d) / 10) {
        Error("E0107", n.begin, n.end, "decimal literal out of range");
        return 0;
      }
      v = v * 10 + d;
    }
    return v;
  }

  std::optional<uint32_t> Lookup(std::string_view name) const {
    for (auto it = scope_.rbegin(); it != scope_.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    if (name == "subject") return kSubject;
    if (name == "action") return kAction;
    if (name == "resource") return kResource;
    if (name == "context") return kContext;
    return std::nullopt;
  }

  uint32_t Bind(const CstNode& n) {
    std::string_view name = n.text;
    if (name == "subject" || name == "action" || name == "resource" || name == "context") {
      Error("E0209", n.text_begin, n.text_begin + name.size(),
            "`" + std::string(name) + "` is a request variable and cannot be rebound");
    }
    uint32_t slot = kFirstLocalSlot + locals_++;
    scope_.emplace_back(name, slot);
    return slot;
  }

  ExprPtr LowerExpr(uint32_t index) {
    const CstNode& n = Node(index);
    switch (n.kind) {
      case CstKind::kInt: {
        auto e = NewExpr(ExprKind::kInt, n);
        ParseInt(n, false, &e->int_value);
        return e;
      }
      case CstKind::kDecimal: {
        auto e = NewExpr(ExprKind::kDecimal, n);
        e->int_value = ParseDecimal(n);
        e->text = std::string(n.text);
        return e;
      }
      case CstKind::kString: {
        auto e = NewExpr(ExprKind::kString, n);
        e->text = Decode(n.text, n.text_begin);
        return e;
      }
      case CstKind::kTrue:
      case CstKind::kFalse: {
        auto e = NewExpr(ExprKind::kBool, n);
        e->bool_value = n.kind == CstKind::kTrue;
        return e;
      }
      case CstKind::kEntity: {
        auto e = NewExpr(ExprKind::kEntity, n);
        e->type_name = std::string(n.text);
        e->text = Decode(n.text2, n.begin + n.text.size() + 3);
        return e;
      }
      case CstKind::kVar: {
        auto e = NewExpr(ExprKind::kVar, n);
        e->name = std::string(n.text);
        if (in_test_request_) {
          Error("E0210", n.begin, n.end,
                "a test request is a constant: variables such as `" + e->name +
                    "` are not allowed in it");
          e->slot = kUnresolvedSlot;  // not a request variable: slot 0 would mean `subject`
          return e;
        }
        if (auto slot = Lookup(n.text)) {
          e->slot = *slot;
        } else {
          e->slot = kUnresolvedSlot;
          std::vector<std::string_view> names = {"subject", "action", "resource", "context"};
          for (const auto& bound : scope_) names.push_back(bound.first);
          Error("E0201", n.begin, n.end,
                "unknown variable `" + e->name +
                    "` (the request variables are subject, action, resource and context)" +
                    DidYouMean(e->name, names));
        }
        return e;
      }
      case CstKind::kSet: {
        auto e = NewExpr(ExprKind::kSet, n);
        for (uint32_t k : n.kids) e->args.push_back(LowerExpr(k));
        return e;
      }
      case CstKind::kRecord: {
        auto e = NewExpr(ExprKind::kRecord, n);
        std::unordered_set<std::string> keys;
        for (uint32_t k : n.kids) {
          const CstNode& f = Node(k);
          std::string key =
              (f.flags & kQuoted) ? Decode(f.text, f.text_begin) : std::string(f.text);
          if (!keys.insert(key).second) {
            Error("E0206", f.text_begin, f.text_begin + f.text.size(),
                  "duplicate record key `" + key + "`");
          }
          e->keys.push_back(std::move(key));
          e->args.push_back(LowerExpr(f.kids[0]));
        }
        return e;
      }
      case CstKind::kParen: return LowerExpr(n.kids[0]);
      case CstKind::kGetAttr: {
        auto e = NewExpr(ExprKind::kGetAttr, n);
        e->name = std::string(n.text);
        e->args.push_back(LowerExpr(n.kids[0]));
        return e;
      }
      case CstKind::kIndex: {
        auto e = NewExpr(ExprKind::kGetAttr, n);
        e->name = Decode(n.text, n.text_begin);
        e->args.push_back(LowerExpr(n.kids[0]));
        return e;
      }
      case CstKind::kMethod: {
        auto e = NewExpr(ExprKind::kMethod, n);
        e->name = std::string(n.text);
        for (uint32_t k : n.kids) e->args.push_back(LowerExpr(k));
        const uint32_t name_end = n.text_begin + static_cast<uint32_t>(n.text.size());
        if (const MethodInfo* m = FindMethod(n.text)) {
          int given = static_cast<int>(n.kids.size()) - 1;
          if (given != m->arity) {
            Error("E0204", n.text_begin, name_end,
                  "method `" + e->name + "` takes " + std::to_string(m->arity) +
                      (m->arity == 1 ? " argument" : " arguments") + ", given " +
                      std::to_string(given));
          }
        } else if (FindFunction(n.text)) {
          Error("E0203", n.text_begin, name_end,
                "`" + e->name + "` is a function, not a method: write `" + e->name + "(...)`");
        } else {
          Error("E0203", n.text_begin, name_end,
                "unknown method `" + e->name + "`" + DidYouMean(e->name, MethodNames()));
        }
        return e;
      }
      case CstKind::kCall: {
        auto e = NewExpr(ExprKind::kCall, n);
        e->name = std::string(n.text);
        for (uint32_t k : n.kids) e->args.push_back(LowerExpr(k));
        const uint32_t name_end = n.text_begin + static_cast<uint32_t>(n.text.size());
        if (FindFunction(n.text)) {
          if (n.kids.size() != 1) {
            Error("E0204", n.text_begin, name_end,
                  "function `" + e->name + "` takes 1 argument, given " +
                      std::to_string(n.kids.size()));
          }
        } else if (FindMethod(n.text)) {
          Error("E0202", n.text_begin, name_end,
                "`" + e->name + "` is a method, not a function: write `value." + e->name +
                    "(...)`");
        } else {
          Error("E0202", n.text_begin, name_end,
                "unknown function `" + e->name +
                    "` (the functions are ip, decimal, datetime and duration)" +
                    DidYouMean(e->name, FunctionNames()));
        }
        return e;
      }
      case CstKind::kHas: {
        CheckChained(n);
        auto e = NewExpr(ExprKind::kHasAttr, n);
        e->name = (n.flags & kQuoted) ? Decode(n.text, n.text_begin) : std::string(n.text);
        e->args.push_back(LowerExpr(n.kids[0]));
        return e;
      }
      case CstKind::kLike: {
        CheckChained(n);
        auto e = NewExpr(ExprKind::kLike, n);
        e->text = Decode(n.text, n.text_begin, /*for_like=*/true);
        e->args.push_back(LowerExpr(n.kids[0]));
        return e;
      }
      case CstKind::kIs: {
        CheckChained(n);
        auto e = NewExpr(ExprKind::kIs, n);
        e->type_name = std::string(n.text);
        for (uint32_t k : n.kids) e->args.push_back(LowerExpr(k));
        return e;
      }
      case CstKind::kRelation: {
        CheckChained(n);
        auto e = NewExpr(ExprKind::kBinary, n);
        std::string_view op = n.text;
        e->binary_op = op == "==" ? BinaryOp::kEq
                       : op == "!=" ? BinaryOp::kNe
                       : op == "<"  ? BinaryOp::kLt
                       : op == "<=" ? BinaryOp::kLe
                       : op == ">"  ? BinaryOp::kGt
                       : op == ">=" ? BinaryOp::kGe
                                    : BinaryOp::kIn;
        e->args.push_back(LowerExpr(n.kids[0]));
        e->args.push_back(LowerExpr(n.kids[1]));
        return e;
      }
      case CstKind::kAnd:
      case CstKind::kOr: {
        auto e = NewExpr(n.kind == CstKind::kAnd ? ExprKind::kAnd : ExprKind::kOr, n);
        e->args.push_back(LowerExpr(n.kids[0]));
        e->args.push_back(LowerExpr(n.kids[1]));
        return e;
      }
      case CstKind::kArith: {
        auto e = NewExpr(ExprKind::kBinary, n);
        e->binary_op = n.text == "+" ? BinaryOp::kAdd
                       : n.text == "-" ? BinaryOp::kSub
                                       : BinaryOp::kMul;
        e->args.push_back(LowerExpr(n.kids[0]));
        e->args.push_back(LowerExpr(n.kids[1]));
        return e;
      }
      case CstKind::kUnary: {
        const CstNode& operand = Node(n.kids[0]);
        if (n.text == "-" && operand.kind == CstKind::kInt) {
          auto e = NewExpr(ExprKind::kInt, n);
          ParseInt(operand, true, &e->int_value);
          return e;
        }
        auto e = NewExpr(ExprKind::kUnary, n);
        e->unary_op = n.text == "!" ? UnaryOp::kNot : UnaryOp::kNeg;
        e->args.push_back(LowerExpr(n.kids[0]));
        return e;
      }
      case CstKind::kIf: {
        auto e = NewExpr(ExprKind::kIf, n);
        for (uint32_t k : n.kids) e->args.push_back(LowerExpr(k));
        return e;
      }
      case CstKind::kLet:
      case CstKind::kAny:
      case CstKind::kAll: {
        ExprKind kind = n.kind == CstKind::kLet   ? ExprKind::kLet
                        : n.kind == CstKind::kAny ? ExprKind::kAny
                                                  : ExprKind::kAll;
        auto e = NewExpr(kind, n);
        e->name = std::string(n.text);
        e->args.push_back(LowerExpr(n.kids[0]));  // the value / collection: outer scope
        if (in_test_request_) {
          Error("E0210", n.begin, n.end, "a test request is a constant");
        }
        e->slot = Bind(n);
        e->args.push_back(LowerExpr(n.kids[1]));
        scope_.pop_back();
        return e;
      }
      default: {
        auto e = NewExpr(ExprKind::kBool, n);
        return e;
      }
    }
  }

  // Relations are non-associative: `a == b == c` must be parenthesized.
  void CheckChained(const CstNode& n) {
    const CstNode& lhs = Node(n.kids[0]);
    if (IsRelationLevel(lhs.kind)) {
      Error("E0115", n.text_begin, n.text_begin + std::max<size_t>(n.text.size(), 1),
            "comparisons and `in`, `has`, `like`, `is` do not chain: add parentheses");
    }
  }

  const CstFile& cst_;
  std::string_view text_;
  DiagnosticSink& sink_;
  PolicySet* out_;
  std::string package_;
  bool fail_closed_ = false;
  bool in_test_request_ = false;
  uint32_t locals_ = 0;
  std::vector<std::pair<std::string_view, uint32_t>> scope_;
};

}  // namespace

void LowerFile(const CstFile& cst, std::string_view text, DiagnosticSink& sink, PolicySet* out) {
  Lowerer(cst, text, sink, out).Run();
}

}  // namespace arbiter::dsl
