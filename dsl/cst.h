// The concrete syntax tree: what the X3 grammar (dsl/parser.cc) builds. It keeps every
// construct as written (parentheses, quoted keys, `unless`, clause order) with byte spans, so
// the lowering can give precise diagnostics and the formatter can reprint the file.
// Text fields are views into the source text, which must outlive the tree.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace arbiter::dsl {

enum class CstKind : uint8_t {
  // Declarations.
  kPackage,     // text = dotted name; kids = annotations
  kRule,        // text = "permit" | "forbid", text2 = id; kids = annotations, then clauses
  kTest,        // text2 = name; kids = test clauses
  kAnnotation,  // text = key, text2 = raw string content; flag kHasValue
  // Rule clauses.
  kWhen,        // kids[0] = condition
  kUnless,      // kids[0] = condition
  kReason,      // text = raw string content
  kObligation,  // text = name; kids[0] = record (optional)
  kAdvice,      // text = name; kids[0] = record (optional)
  // Test clauses.
  kData,               // text = raw string content
  kRequest,            // kids[0] = record
  kExpect,             // text = "allow" | "deny" | "error" | "fail_closed"
  kExpectReasons,      // kids = kName
  kExpectObligations,  // kids = kName
  kExpectErrors,       // kids = kName
  kName,               // text = a (dotted) name, or raw string content with flag kQuoted
  // Expressions.
  kInt,       // text = digits
  kDecimal,   // text = digits '.' digits
  kString,    // text = raw content between the quotes (escapes not yet decoded)
  kTrue,
  kFalse,
  kEntity,    // text = type path (A::B), text2 = raw id content
  kVar,       // text = name
  kSet,       // kids = elements
  kRecord,    // kids = kField
  kField,     // text = key (raw content when kQuoted); kids[0] = value
  kParen,     // kids[0]
  kGetAttr,   // kids[0].text
  kIndex,     // kids[0]["text"] (raw content)
  kMethod,    // kids[0].text(kids[1..])
  kCall,      // text(kids...)
  kHas,       // kids[0] has text (kQuoted when written as a string)
  kLike,      // kids[0] like "text" (raw content)
  kIs,        // kids[0] is text; kids[1] = `in` operand when present
  kRelation,  // kids[0] text kids[1]; text is == != < <= > >= in
  kAnd,       // kids[0] && kids[1]
  kOr,        // kids[0] || kids[1]
  kArith,     // kids[0] text kids[1]; text is + - *
  kUnary,     // text kids[0]; text is ! or -
  kIf,        // if kids[0] then kids[1] else kids[2]
  kLet,       // let text = kids[0] in kids[1]
  kAny,       // any text in kids[0] : kids[1]
  kAll,       // all text in kids[0] : kids[1]
};

inline constexpr uint8_t kHasValue = 1;  // kAnnotation: written with ("value")
inline constexpr uint8_t kQuoted = 2;    // kField, kHas, kName: key written as a string

struct CstNode {
  CstKind kind;
  uint8_t flags = 0;
  uint32_t begin = 0;  // byte offsets [begin, end) of the whole construct
  uint32_t end = 0;
  uint32_t depth = 1;  // height of the subtree; bounded by the parser
  uint32_t text_begin = 0;  // offset of `text` in the source (for precise diagnostics)
  std::string_view text;
  std::string_view text2;
  std::vector<uint32_t> kids;  // indices into CstFile::nodes
};

struct Comment {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool block = false;  // /* */ rather than //
};

struct CstFile {
  std::vector<CstNode> nodes;
  std::vector<uint32_t> decls;     // top-level declarations in source order
  std::vector<Comment> comments;   // every comment, in source order
};

}  // namespace arbiter::dsl
