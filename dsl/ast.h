// The checked AST: what the front end (dsl/) hands to the compiler and the reference
// evaluator (engine/). Spans point into the SourceSet that produced the tree.
//
// Contract: a PolicySet returned by the front end without error diagnostics is
//  - resolved: every kVar has a slot (request variable or local), every kCall/kMethod names a
//    known function with the right arity;
//  - desugared: `unless B` is folded into the condition as `cond && !B`; a rule without `when`
//    has the condition literal `true`;
//  - unique: qualified rule ids are unique across the set.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace arbiter::dsl {

using FileId = uint32_t;

// A place in the source: byte offsets [begin, end) in file `file`, and the 1-based line and
// column (in bytes) of `begin`.
struct Span {
  FileId file = 0;
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t line = 0;
  uint32_t column = 0;
};

struct SourceFile {
  std::string path;  // as given by the user, or a label such as "<playground>"
  std::string text;
};

// Owns the text every Span refers to.
struct SourceSet {
  std::vector<SourceFile> files;
  std::optional<FileId> schema;  // the schema's entry in `files`, when one was loaded
};

enum class ExprKind : uint8_t {
  kBool,      // bool_value
  kInt,       // int_value
  kString,    // text
  kDecimal,   // int_value holds the value scaled by 10^4 (Cedar's decimal), text the literal
  kEntity,    // entity literal Type::"id": type_name, text = id
  kVar,       // a request variable or a local: name, slot
  kSet,       // [args...]
  kRecord,    // {keys[i]: args[i]}
  kGetAttr,   // args[0].name  (also args[0]["name"])
  kHasAttr,   // args[0] has name
  kUnary,     // unary_op args[0]
  kBinary,    // args[0] binary_op args[1]
  kAnd,       // args[0] && args[1], short-circuit
  kOr,        // args[0] || args[1], short-circuit
  kLike,      // args[0] like pattern; text = the glob ('*' any run, '\*' a literal star)
  kIs,        // args[0] is type_name; with args[1], `args[0] is type_name in args[1]`
  kIf,        // if args[0] then args[1] else args[2]
  kLet,       // let name (slot) = args[0] in args[1]
  kAny,       // any name (slot) in args[0] : args[1]
  kAll,       // all name (slot) in args[0] : args[1]
  kCall,      // function name(args...): ip, decimal, datetime, duration
  kMethod,    // args[0].name(args[1..]): contains, containsAll, containsAny, isEmpty, size, ...
};

enum class UnaryOp : uint8_t { kNot, kNeg };

enum class BinaryOp : uint8_t {
  kEq, kNe, kLt, kLe, kGt, kGe,  // comparisons (ordering on int, decimal, datetime, duration, string)
  kAdd, kSub, kMul,              // checked 64-bit integer arithmetic
  kIn,                           // hierarchy membership / set membership
};

// The four request variables have fixed slots; locals (let, any, all) take slots from
// kFirstLocalSlot on, numbered per rule (Rule::num_locals).
enum RequestSlot : uint32_t { kSubject = 0, kAction = 1, kResource = 2, kContext = 3 };
inline constexpr uint32_t kFirstLocalSlot = 4;

struct Expr {
  ExprKind kind = ExprKind::kBool;
  Span span;

  bool bool_value = false;
  int64_t int_value = 0;
  std::string text;       // string literal, entity id, like pattern, decimal literal text
  std::string name;       // attribute, variable, function or method name; bound name
  std::string type_name;  // entity type for kEntity and kIs (may contain "::" namespaces)
  uint32_t slot = 0;      // kVar, kLet, kAny, kAll
  UnaryOp unary_op = UnaryOp::kNot;
  BinaryOp binary_op = BinaryOp::kEq;

  std::vector<std::unique_ptr<Expr>> args;
  std::vector<std::string> keys;  // kRecord: keys[i] names args[i]
};
using ExprPtr = std::unique_ptr<Expr>;

enum class Effect : uint8_t { kPermit, kForbid };

struct Annotation {
  std::string key;    // @control("...") -> key "control"
  std::string value;
  Span span;
};

// A structured payload returned with a decision when the rule determined it.
// `advice` payloads are informational; obligations must be enforced by the caller.
struct Obligation {
  std::string name;
  bool advice = false;
  ExprPtr payload;  // a kRecord expression, or null for no payload
  Span span;
};

struct Rule {
  Effect effect = Effect::kPermit;
  std::string id;            // as written: high_risk_needs_approval
  std::string package;       // ai.model_deployment ("" when the file declares none)
  std::string qualified_id;  // package + "." + id, or id when there is no package
  std::vector<Annotation> annotations;
  ExprPtr condition;         // never null
  std::optional<std::string> reason;
  std::vector<Obligation> obligations;
  uint32_t num_locals = 0;   // locals use slots kFirstLocalSlot .. kFirstLocalSlot+num_locals-1
  bool fail_closed = false;  // from the package: an erroring forbid denies
  Span span;                 // the whole rule
};

// What a test's `expect` clause asks for (spec/testing.md): a decision, an evaluation error
// (at least one rule erred; the decision is not compared), or a fail-closed deny (a deny
// that only erroring forbid rules of a `@fail_closed` package produced).
enum class TestExpect : uint8_t { kAllow, kDeny, kError, kFailClosed };

// A policy unit test written next to the policies (`test NAME { ... }`), run by `arbiter test`.
struct TestCase {
  std::string name;
  std::string package;
  std::optional<std::string> data_path;  // entity data JSON, relative to the test's file
  ExprPtr request;                       // a constant kRecord: subject, action, resource, context
  TestExpect expect = TestExpect::kDeny;
  std::optional<std::vector<std::string>> expect_reasons;      // qualified rule ids, any order
  std::optional<std::vector<std::string>> expect_obligations;  // obligation names, any order
  std::optional<std::vector<std::string>> expect_errors;  // qualified ids of erring rules, any order
  Span span;
};

struct PolicySet {
  std::shared_ptr<const SourceSet> sources;
  std::vector<Rule> rules;  // in source order: files in the order given, rules as written
  std::vector<TestCase> tests;
};

}  // namespace arbiter::dsl
