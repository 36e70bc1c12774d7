// The canonical layout (spec/language.md, "Layout"). The formatter prints the concrete tree,
// so parentheses, quoting and clause order stay as written; only whitespace, line breaks and
// the spacing of records and sets are decided here, from the tree and the line width alone,
// which is what makes `fmt` idempotent.
//
// Comments: every comment is printed exactly once, in source order. A comment that ends a
// source line stays at the end of the printed line of the construct it follows; any other
// comment is printed on its own line before the construct that follows it (a comment inside
// an expression moves above that expression's line).
#include <algorithm>

#include "dsl/frontend.h"
#include "dsl/parser.h"
#include "dsl/source_text.h"

namespace arbiter::dsl {
namespace {

constexpr size_t kWidth = 100;

class Formatter {
 public:
  Formatter(std::string_view text, const CstFile& cst) : text_(text), cst_(cst) {}

  std::string Run() {
    const CstNode* previous = nullptr;
    uint32_t previous_end = 0;
    for (uint32_t d : cst_.decls) {
      const CstNode& decl = Node(d);
      // Comments before the declaration, keeping (collapsed) blank lines between groups.
      while (HasComment() && Comment().begin < decl.begin) {
        const auto& c = Comment();
        if (!out_.empty() && (previous != nullptr || BlankLineBetween(previous_end, c.begin))) {
          out_ += "\n";
        }
        EmitCommentLine(0);
        previous_end = c.end;
        previous = nullptr;
      }
      if (!out_.empty() && (previous != nullptr || BlankLineBetween(previous_end, decl.begin))) {
        out_ += "\n";
      }
      EmitDecl(decl);
      previous = &decl;
      previous_end = decl.end;
    }
    while (HasComment()) {
      if (!out_.empty() && (previous != nullptr || BlankLineBetween(previous_end, Comment().begin))) {
        out_ += "\n";
      }
      previous = nullptr;
      previous_end = Comment().end;
      EmitCommentLine(0);
    }
    return out_;
  }

 private:
  const CstNode& Node(uint32_t i) const { return cst_.nodes[i]; }
  bool HasComment() const { return next_comment_ < cst_.comments.size(); }
  const dsl::Comment& Comment() const { return cst_.comments[next_comment_]; }
  std::string_view CommentText(const dsl::Comment& c) const {
    std::string_view s = text_.substr(c.begin, c.end - c.begin);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
      s.remove_suffix(1);
    }
    return s;
  }

  bool BlankLineBetween(uint32_t from, uint32_t to) const {
    int newlines = 0;
    for (uint32_t i = from; i < to && i < text_.size(); ++i) {
      if (text_[i] == '\n' && ++newlines >= 2) return true;
    }
    return false;
  }

  void Indent(int indent) { out_.append(static_cast<size_t>(indent), ' '); }

  void EmitCommentLine(int indent) {
    Indent(indent);
    out_ += CommentText(Comment());
    out_ += "\n";
    ++next_comment_;
  }

  // Own-line comments for everything that starts before `offset`.
  void EmitLeading(uint32_t offset, int indent) {
    while (HasComment() && Comment().begin < offset) EmitCommentLine(indent);
  }

  // Ends the current line: comments that follow `source_end` on the same source line stay
  // on it.
  void EndLine(uint32_t source_end) {
    while (HasComment() && Comment().begin >= source_end &&
           text_.substr(source_end, Comment().begin - source_end).find('\n') ==
               std::string_view::npos) {
      out_ += " ";
      out_ += CommentText(Comment());
      source_end = Comment().end;
      ++next_comment_;
    }
    out_ += "\n";
  }

  void EmitLine(int indent, const std::string& content, uint32_t begin, uint32_t end) {
    EmitLeading(end, indent);
    (void)begin;
    Indent(indent);
    out_ += content;
    EndLine(end);
  }

  void EmitAnnotations(const CstNode& decl) {
    for (uint32_t k : decl.kids) {
      const CstNode& a = Node(k);
      if (a.kind != CstKind::kAnnotation) continue;
      std::string line = "@" + std::string(a.text);
      if (a.flags & kHasValue) line += "(\"" + std::string(a.text2) + "\")";
      EmitLine(0, line, a.begin, a.end);
    }
  }

  void EmitDecl(const CstNode& decl) {
    EmitAnnotations(decl);
    switch (decl.kind) {
      case CstKind::kPackage:
        EmitLine(0, "package " + std::string(decl.text) + ";", decl.begin, decl.end);
        return;
      case CstKind::kRule:
      case CstKind::kTest: {
        std::string head = decl.kind == CstKind::kRule ? std::string(decl.text) : "test";
        head += " " + std::string(decl.text2) + " {";
        uint32_t head_end = decl.text_begin + static_cast<uint32_t>(decl.text2.size());
        // The `{` follows the name; comments up to it belong to the head line.
        uint32_t brace = static_cast<uint32_t>(text_.find('{', head_end)) + 1;
        EmitLine(0, head, decl.begin, brace);
        for (uint32_t k : decl.kids) {
          const CstNode& c = Node(k);
          if (c.kind != CstKind::kAnnotation) EmitClause(c);
        }
        EmitLeading(decl.end - 1, 2);
        EmitLine(0, "}", decl.end - 1, decl.end);
        return;
      }
      default: return;
    }
  }

  void EmitClause(const CstNode& c) {
    switch (c.kind) {
      case CstKind::kWhen:
      case CstKind::kUnless:
        EmitCondition(c.kind == CstKind::kWhen ? "when " : "unless ", c);
        return;
      case CstKind::kReason:
        EmitLine(2, "reason \"" + std::string(c.text) + "\"", c.begin, c.end);
        return;
      case CstKind::kData:
        EmitLine(2, "data \"" + std::string(c.text) + "\"", c.begin, c.end);
        return;
      case CstKind::kExpect:
        EmitLine(2, "expect " + std::string(c.text), c.begin, c.end);
        return;
      case CstKind::kObligation:
      case CstKind::kAdvice: {
        std::string head = c.kind == CstKind::kObligation ? "obligation " : "advice ";
        head += std::string(c.text);
        if (!c.kids.empty()) {
          head += " ";
          head += Fmt(c.kids[0], 2, 2 + head.size());
        }
        EmitLine(2, head, c.begin, c.end);
        return;
      }
      case CstKind::kRequest:
        EmitLine(2, "request " + Fmt(c.kids[0], 2, 10), c.begin, c.end);
        return;
      case CstKind::kExpectReasons:
      case CstKind::kExpectObligations:
      case CstKind::kExpectErrors: {
        std::string line = c.kind == CstKind::kExpectReasons   ? "reasons ["
                           : c.kind == CstKind::kExpectErrors ? "errors ["
                                                              : "obligations [";
        std::string items;
        for (size_t i = 0; i < c.kids.size(); ++i) {
          if (i) items += ", ";
          items += Flat(c.kids[i]);
        }
        if (2 + line.size() + items.size() + 1 <= kWidth || c.kids.empty()) {
          EmitLine(2, line + items + "]", c.begin, c.end);
          return;
        }
        for (size_t i = 0; i < c.kids.size(); ++i) {
          line += "\n    " + Flat(c.kids[i]) + (i + 1 < c.kids.size() ? "," : "");
        }
        EmitLine(2, line + "\n  ]", c.begin, c.end);
        return;
      }
      default: return;
    }
  }

  // Operands of the chain of `op` (kAnd or kOr) at the top of `n`, left to right.
  void Chain(uint32_t n, CstKind op, std::vector<uint32_t>* operands) const {
    const CstNode& node = Node(n);
    if (node.kind == op) {
      Chain(node.kids[0], op, operands);
      Chain(node.kids[1], op, operands);
    } else {
      operands->push_back(n);
    }
  }

  bool CommentWithin(uint32_t begin, uint32_t end) const {
    return HasComment() && Comment().begin >= begin && Comment().begin < end;
  }

  // `when EXPR`: on one line when it fits and holds no comment; otherwise one operand of the
  // top-level && (or ||) chain per line, continuation lines indented by 4 and led by the
  // operator.
  void EmitCondition(const std::string& keyword, const CstNode& clause) {
    EmitLeading(clause.begin, 2);
    uint32_t expr = clause.kids[0];
    std::string flat = keyword + Flat(expr);
    const CstNode& top = Node(expr);
    bool chain = top.kind == CstKind::kAnd || top.kind == CstKind::kOr;
    if (!chain || (2 + flat.size() <= kWidth && !CommentWithin(clause.begin, clause.end))) {
      EmitLine(2, flat, clause.begin, clause.end);
      return;
    }
    std::vector<uint32_t> operands;
    Chain(expr, top.kind, &operands);
    const char* op = top.kind == CstKind::kAnd ? "&& " : "|| ";
    for (size_t i = 0; i < operands.size(); ++i) {
      const CstNode& operand = Node(operands[i]);
      if (i == 0) {
        EmitLine(2, keyword + Flat(operands[i]), clause.begin, operand.end);
      } else {
        EmitOperand(op, operands[i]);
      }
    }
  }

  // A continuation line `&& operand`. A parenthesized chain that does not fit breaks the same
  // way, one level deeper.
  void EmitOperand(const std::string& op, uint32_t n) {
    const CstNode& operand = Node(n);
    std::string flat = op + Flat(n);
    const CstNode* inner = operand.kind == CstKind::kParen ? &Node(operand.kids[0]) : nullptr;
    if (4 + flat.size() <= kWidth || inner == nullptr ||
        (inner->kind != CstKind::kAnd && inner->kind != CstKind::kOr)) {
      EmitLine(4, flat, operand.begin, operand.end);
      return;
    }
    std::vector<uint32_t> parts;
    Chain(operand.kids[0], inner->kind, &parts);
    const char* inner_op = inner->kind == CstKind::kAnd ? "&& " : "|| ";
    for (size_t i = 0; i < parts.size(); ++i) {
      const CstNode& part = Node(parts[i]);
      bool last = i + 1 == parts.size();
      uint32_t end = last ? operand.end : part.end;
      if (i == 0) {
        EmitLine(4, op + "(" + Flat(parts[i]) + (last ? ")" : ""), operand.begin, end);
      } else {
        EmitLine(6, inner_op + Flat(parts[i]) + (last ? ")" : ""), part.begin, end);
      }
    }
  }

  // Records and sets break over lines when they do not fit from column `column`.
  std::string Fmt(uint32_t n, int indent, size_t column) {
    const CstNode& node = Node(n);
    std::string flat = Flat(n);
    if (column + flat.size() <= kWidth || node.kids.empty() ||
        (node.kind != CstKind::kRecord && node.kind != CstKind::kSet)) {
      return flat;
    }
    const bool record = node.kind == CstKind::kRecord;
    std::string out = record ? "{\n" : "[\n";
    const int inner = indent + 2;
    for (size_t i = 0; i < node.kids.size(); ++i) {
      out.append(static_cast<size_t>(inner), ' ');
      if (record) {
        const CstNode& field = Node(node.kids[i]);
        std::string key = Key(field);
        out += key + ": ";
        out += Fmt(field.kids[0], inner, static_cast<size_t>(inner) + key.size() + 2);
      } else {
        out += Fmt(node.kids[i], inner, static_cast<size_t>(inner));
      }
      out += i + 1 < node.kids.size() ? ",\n" : "\n";
    }
    out.append(static_cast<size_t>(indent), ' ');
    out += record ? "}" : "]";
    return out;
  }

  std::string Key(const CstNode& field) const {
    return (field.flags & kQuoted) ? "\"" + std::string(field.text) + "\""
                                   : std::string(field.text);
  }

  std::string Flat(uint32_t n) const {
    const CstNode& node = Node(n);
    auto kid = [&](size_t i) { return Flat(node.kids[i]); };
    switch (node.kind) {
      case CstKind::kInt:
      case CstKind::kDecimal:
      case CstKind::kVar:
      case CstKind::kTrue:
      case CstKind::kFalse:
        return std::string(node.text);
      case CstKind::kString: return "\"" + std::string(node.text) + "\"";
      case CstKind::kName:
        return (node.flags & kQuoted) ? "\"" + std::string(node.text) + "\""
                                      : std::string(node.text);
      case CstKind::kEntity:
        return std::string(node.text) + "::\"" + std::string(node.text2) + "\"";
      case CstKind::kSet: {
        std::string out = "[";
        for (size_t i = 0; i < node.kids.size(); ++i) {
          if (i) out += ", ";
          out += kid(i);
        }
        return out + "]";
      }
      case CstKind::kRecord: {
        if (node.kids.empty()) return "{}";
        std::string out = "{ ";
        for (size_t i = 0; i < node.kids.size(); ++i) {
          if (i) out += ", ";
          const CstNode& field = Node(node.kids[i]);
          out += Key(field) + ": " + Flat(field.kids[0]);
        }
        return out + " }";
      }
      case CstKind::kParen: return "(" + kid(0) + ")";
      case CstKind::kGetAttr: return kid(0) + "." + std::string(node.text);
      case CstKind::kIndex: return kid(0) + "[\"" + std::string(node.text) + "\"]";
      case CstKind::kMethod: {
        std::string out = kid(0) + "." + std::string(node.text) + "(";
        for (size_t i = 1; i < node.kids.size(); ++i) {
          if (i > 1) out += ", ";
          out += kid(i);
        }
        return out + ")";
      }
      case CstKind::kCall: {
        std::string out = std::string(node.text) + "(";
        for (size_t i = 0; i < node.kids.size(); ++i) {
          if (i) out += ", ";
          out += kid(i);
        }
        return out + ")";
      }
      case CstKind::kHas:
        return kid(0) + " has " +
               ((node.flags & kQuoted) ? "\"" + std::string(node.text) + "\""
                                       : std::string(node.text));
      case CstKind::kLike: return kid(0) + " like \"" + std::string(node.text) + "\"";
      case CstKind::kIs: {
        std::string out = kid(0) + " is " + std::string(node.text);
        if (node.kids.size() > 1) out += " in " + kid(1);
        return out;
      }
      case CstKind::kRelation:
      case CstKind::kAnd:
      case CstKind::kOr:
      case CstKind::kArith:
        return kid(0) + " " + std::string(node.text) + " " + kid(1);
      case CstKind::kUnary: {
        std::string operand = kid(0);
        // `- -x` must not become the `--` of nothing; `!` chains are fine.
        bool space = node.text == "-" && !operand.empty() && operand[0] == '-';
        return std::string(node.text) + (space ? " " : "") + operand;
      }
      case CstKind::kIf: return "if " + kid(0) + " then " + kid(1) + " else " + kid(2);
      case CstKind::kLet:
        return "let " + std::string(node.text) + " = " + kid(0) + " in " + kid(1);
      case CstKind::kAny:
      case CstKind::kAll:
        return std::string(node.kind == CstKind::kAny ? "any " : "all ") +
               std::string(node.text) + " in " + kid(0) + " : " + kid(1);
      default: return std::string(node.text);
    }
  }

  std::string_view text_;
  const CstFile& cst_;
  size_t next_comment_ = 0;
  std::string out_;
};

}  // namespace

Result<std::string> FormatSource(std::string_view text, std::string_view path) {
  std::vector<Diagnostic> diagnostics;
  LineIndex index(text);
  DiagnosticSink sink(0, index, &diagnostics);
  CstFile cst;
  if (text.size() > kMaxSourceBytes) {
    sink.Error("E0501", 0, 0, "file too large");
  } else if (ScanLexical(text, sink, &cst.comments)) {
    ParsePolicyText(text, &cst, sink);
  }
  if (!diagnostics.empty()) {
    SourceSet sources;
    sources.files.push_back({std::string(path), std::string(text)});
    std::string message;
    for (const Diagnostic& d : diagnostics) {
      if (!message.empty()) message += "\n";
      message += FormatDiagnostic(d, sources);
    }
    return Status::InvalidArgument(message);
  }
  return Formatter(text, cst).Run();
}

}  // namespace arbiter::dsl
