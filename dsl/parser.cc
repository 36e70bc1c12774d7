// The X3 grammar of policy files. Every rule's attribute is the index of the CstNode it
// built (nodes live in CstFile::nodes); semantic actions build nodes bottom-up with spans
// taken from the raw[] ranges of the tokens. Two guards keep hostile input from exhausting
// the stack: nest[] bounds the recursion of the grammar and ParseState::Add bounds the height
// of the tree (left-assoc chains and postfix chains grow it without recursing).
#include "dsl/parser.h"

#include <algorithm>
#include <array>
#include <boost/spirit/home/x3.hpp>
#include <string>

namespace arbiter::dsl {

bool IsReservedWord(std::string_view word) {
  static constexpr std::array<std::string_view, 22> kReserved = {
      "advice", "all",    "any",    "else",    "false",  "forbid",     "has",    "if",
      "in",     "is",     "let",    "like",    "package", "permit",    "reason", "obligation",
      "test",   "then",   "true",   "unless",  "when",   "__reserved"};
  for (auto r : kReserved) {
    if (r == word) return true;
  }
  return false;
}

namespace {

namespace x3 = boost::spirit::x3;
namespace fusion = boost::fusion;
using Iter = const char*;
using Range = boost::iterator_range<Iter>;

struct NestingTooDeep {
  Iter where;
  bool tree;  // the tree grew too high (rather than the grammar recursing too deep)
};

struct ParseState {
  CstFile* file;
  const char* base;
  uint32_t nesting = 0;
  bool no_in = false;  // inside `let x = ...`: a bare `in` ends the value

  uint32_t Off(Iter p) const { return static_cast<uint32_t>(p - base); }
  static std::string_view View(const Range& r) {
    return {r.begin(), static_cast<size_t>(r.end() - r.begin())};
  }
  const CstNode& At(uint32_t i) const { return file->nodes[i]; }
  uint32_t Add(CstNode n) {
    uint32_t depth = 0;
    for (uint32_t k : n.kids) depth = std::max(depth, file->nodes[k].depth);
    n.depth = depth + 1;
    if (n.depth > kMaxTreeDepth) throw NestingTooDeep{base + n.begin, true};
    file->nodes.push_back(std::move(n));
    return static_cast<uint32_t>(file->nodes.size() - 1);
  }
};

struct state_tag;

template <typename Ctx>
ParseState& St(Ctx const& ctx) {
  return x3::get<state_tag>(ctx);
}

CstNode NewNode(CstKind kind, uint32_t begin, uint32_t end) {
  CstNode n;
  n.kind = kind;
  n.begin = begin;
  n.end = end;
  return n;
}

// --- Directives -----------------------------------------------------------------------------

// nest[p]: one level of expression nesting; beyond kMaxNesting throws NestingTooDeep.
template <typename Subject>
struct nest_directive : x3::unary_parser<Subject, nest_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, nest_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  constexpr nest_directive(Subject const& subject) : base_type(subject) {}

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const {
    ParseState& st = St(ctx);
    if (st.nesting >= kMaxNesting) throw NestingTooDeep{first, false};
    ++st.nesting;
    struct Restore {
      ParseState& s;
      ~Restore() { --s.nesting; }
    } restore{st};
    return this->subject.parse(first, last, ctx, rctx, attr);
  }
};

struct nest_gen {
  template <typename Subject>
  constexpr nest_directive<typename x3::extension::as_parser<Subject>::value_type> operator[](
      Subject const& subject) const {
    return {x3::as_parser(subject)};
  }
};
constexpr nest_gen nest{};

// in_mode<false>[p] parses p where a bare `in` ends an expression (the value of `let`);
// in_mode<true>[p] lifts that inside brackets.
template <bool kAllowIn, typename Subject>
struct in_mode_directive : x3::unary_parser<Subject, in_mode_directive<kAllowIn, Subject>> {
  using base_type = x3::unary_parser<Subject, in_mode_directive<kAllowIn, Subject>>;
  static bool const is_pass_through_unary = true;
  constexpr in_mode_directive(Subject const& subject) : base_type(subject) {}

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const {
    ParseState& st = St(ctx);
    struct Restore {
      ParseState& s;
      bool old;
      ~Restore() { s.no_in = old; }
    } restore{st, st.no_in};
    st.no_in = !kAllowIn;
    return this->subject.parse(first, last, ctx, rctx, attr);
  }
};

template <bool kAllowIn>
struct in_mode_gen {
  template <typename Subject>
  constexpr in_mode_directive<kAllowIn, typename x3::extension::as_parser<Subject>::value_type>
  operator[](Subject const& subject) const {
    return {x3::as_parser(subject)};
  }
};
constexpr in_mode_gen<true> allow_in{};
constexpr in_mode_gen<false> no_in{};

// --- Lexical pieces -------------------------------------------------------------------------

auto const ident_char = x3::char_("a-zA-Z0-9_");
auto const ident_start = x3::char_("a-zA-Z_");
auto const digit = x3::char_("0-9");

auto const line_comment = x3::lit("//") >> *(x3::char_ - '\n');
auto const block_comment = x3::lit("/*") >> *(x3::char_ - "*/") >> "*/";
auto const skipper = x3::lit(' ') | '\t' | '\r' | '\n' | line_comment | block_comment;

auto kw(char const* word) { return x3::lexeme[x3::lit(word) >> !ident_char]; }

// raw[p] as a rule whose attribute is a Range (a bare raw[] inside a sequence has no
// concrete attribute type in X3).
template <typename P>
auto tok(P const& p) {
  return x3::rule<class tok_tag, Range>{"a token"} = x3::raw[p];
}

// Any identifier, reserved or not (attribute names, record keys, annotation keys).
auto const word = tok(x3::lexeme[ident_start >> *ident_char]);

auto const not_reserved = [](auto& ctx) {
  x3::_val(ctx) = x3::_attr(ctx);
  x3::_pass(ctx) = !IsReservedWord(ParseState::View(x3::_attr(ctx)));
};
x3::rule<class name_tag, Range> const name = "a name";
auto const name_def = word[not_reserved];

x3::rule<class string_tag, Range> const string_lit = "a string";
auto const string_lit_def =
    x3::lexeme['"' >> tok(*((x3::lit('\\') >> x3::char_) | ~x3::char_("\"\\\n"))) >> '"'];

auto const dotted_name = tok(x3::lexeme[word >> *('.' >> word)]);
auto const type_path = tok(x3::lexeme[word >> *("::" >> word)]);

template <typename Tag, typename Attr = x3::unused_type, typename P>
auto named(char const* what, P const& p) {
  return x3::rule<Tag, Attr>{what} = p;
}

auto const kw_then = named<class kw_then_tag>("`then`", kw("then"));
auto const kw_else = named<class kw_else_tag>("`else`", kw("else"));
auto const kw_in = named<class kw_in_tag>("`in`", kw("in"));
auto const colon = named<class colon_tag>("`:`", x3::lit(':'));
auto const assign = named<class assign_tag>("`=`", x3::lit('='));
auto const close_paren = named<class close_paren_tag>("`)` or `,`", x3::lit(')'));
auto const close_bracket = named<class close_bracket_tag>("`]` or `,`", x3::lit(']'));
auto const close_brace = named<class close_brace_tag>("`}` or `,`", x3::lit('}'));
auto const open_brace = named<class open_brace_tag>("`{`", x3::lit('{'));
auto const semicolon = named<class semicolon_tag>("`;`", x3::lit(';'));
auto const rule_end = named<class rule_end_tag>(
    "a rule clause (`when`, `unless`, `reason`, `obligation`, `advice`) or `}`", x3::lit('}'));
auto const test_end = named<class test_end_tag>(
    "a test clause (`data`, `request`, `expect`, `reasons`, `obligations`, `errors`) or `}`",
    x3::lit('}'));
auto const entity_type = named<class entity_type_tag, Range>("an entity type", type_path);
auto const attribute_name =
    named<class attribute_name_tag, Range>("an attribute name", word);
auto const expected_outcome = named<class expected_outcome_tag, Range>(
    "`allow`, `deny`, `error` or `fail_closed`",
    tok(kw("allow") | kw("deny") | kw("error") | kw("fail_closed")));

// --- Rules ------------------------------------------------------------------------------------

x3::rule<class expr_tag, uint32_t> const expr = "an expression";
x3::rule<class or_tag, uint32_t> const or_expr = "an expression";
x3::rule<class and_tag, uint32_t> const and_expr = "an expression";
x3::rule<class rel_tag, uint32_t> const rel_expr = "an expression";
x3::rule<class add_tag, uint32_t> const add_expr = "an expression";
x3::rule<class mul_tag, uint32_t> const mul_expr = "an expression";
x3::rule<class unary_tag, uint32_t> const unary_expr = "an expression";
x3::rule<class postfix_tag, uint32_t> const postfix_expr = "an expression";
x3::rule<class primary_tag, uint32_t> const primary = "an expression";
x3::rule<class decimal_tag, uint32_t> const decimal_lit = "a decimal";
x3::rule<class int_tag, uint32_t> const int_lit = "an integer";
x3::rule<class string_expr_tag, uint32_t> const string_expr = "a string";
x3::rule<class bool_tag, uint32_t> const bool_lit = "`true` or `false`";
x3::rule<class if_tag, uint32_t> const if_expr = "an expression";
x3::rule<class let_tag, uint32_t> const let_expr = "an expression";
x3::rule<class quant_tag, uint32_t> const quant_expr = "an expression";
x3::rule<class entity_tag, uint32_t> const entity_lit = "an entity";
x3::rule<class call_tag, uint32_t> const call_expr = "a function call";
x3::rule<class var_tag, uint32_t> const var_expr = "a variable";
x3::rule<class paren_tag, uint32_t> const paren_expr = "an expression";
x3::rule<class set_tag, uint32_t> const set_expr = "a set";
x3::rule<class record_tag, uint32_t> const record_expr = "a record";
x3::rule<class field_tag, uint32_t> const field = "a record field";
x3::rule<class annotation_tag, uint32_t> const annotation = "an annotation";
x3::rule<class package_tag, uint32_t> const package_decl = "a package declaration";
x3::rule<class rule_decl_tag, uint32_t> const rule_decl = "a rule";
x3::rule<class clause_tag, uint32_t> const clause = "a rule clause";
x3::rule<class test_decl_tag, uint32_t> const test_decl = "a test";
x3::rule<class test_clause_tag, uint32_t> const test_clause = "a test clause";
x3::rule<class name_item_tag, uint32_t> const name_item = "a rule or obligation name";
x3::rule<class decl_tag, uint32_t> const decl = "a declaration";

// --- Actions ----------------------------------------------------------------------------------

auto const pass = [](auto& ctx) { x3::_val(ctx) = x3::_attr(ctx); };

template <CstKind kKind>
struct MakeToken {
  template <typename Ctx>
  void operator()(Ctx& ctx) const {
    ParseState& st = St(ctx);
    Range r = x3::_attr(ctx);
    CstNode n = NewNode(kKind, st.Off(r.begin()), st.Off(r.end()));
    n.text = ParseState::View(r);
    n.text_begin = n.begin;
    x3::_val(ctx) = st.Add(std::move(n));
  }
};

auto const make_string = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range r = x3::_attr(ctx);
  CstNode n = NewNode(CstKind::kString, st.Off(r.begin()) - 1, st.Off(r.end()) + 1);
  n.text = ParseState::View(r);
  n.text_begin = st.Off(r.begin());
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_bool = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range r = x3::_attr(ctx);
  std::string_view t = ParseState::View(r);
  CstNode n = NewNode(t == "true" ? CstKind::kTrue : CstKind::kFalse, st.Off(r.begin()),
                      st.Off(r.end()));
  n.text = t;
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_entity = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range type = fusion::at_c<0>(x3::_attr(ctx));
  Range id = fusion::at_c<1>(x3::_attr(ctx));
  CstNode n = NewNode(CstKind::kEntity, st.Off(type.begin()), st.Off(id.end()) + 1);
  n.text = ParseState::View(type);
  n.text_begin = n.begin;
  n.text2 = ParseState::View(id);
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_call = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range fn = fusion::at_c<0>(x3::_attr(ctx));
  auto& args = fusion::at_c<1>(x3::_attr(ctx));
  CstNode n = NewNode(CstKind::kCall, st.Off(fn.begin()), st.Off(x3::_where(ctx).begin()));
  n.text = ParseState::View(fn);
  n.text_begin = n.begin;
  if (args) n.kids = *args;
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_var = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range r = x3::_attr(ctx);
  CstNode n = NewNode(CstKind::kVar, st.Off(r.begin()), st.Off(r.end()));
  n.text = ParseState::View(r);
  n.text_begin = n.begin;
  x3::_val(ctx) = st.Add(std::move(n));
};

// ( expr ), [ elements ], { fields }: the opening token's range, then the contents.
template <CstKind kKind>
struct MakeBracketed {
  template <typename Ctx>
  void operator()(Ctx& ctx) const {
    ParseState& st = St(ctx);
    Range open = fusion::at_c<0>(x3::_attr(ctx));
    auto& contents = fusion::at_c<1>(x3::_attr(ctx));
    CstNode n = NewNode(kKind, st.Off(open.begin()), st.Off(x3::_where(ctx).begin()));
    if constexpr (kKind == CstKind::kParen) {
      n.kids.push_back(contents);
    } else {
      if (contents) n.kids = *contents;
    }
    x3::_val(ctx) = st.Add(std::move(n));
  }
};

template <uint8_t kFlags>
struct MakeField {
  template <typename Ctx>
  void operator()(Ctx& ctx) const {
    ParseState& st = St(ctx);
    Range key = fusion::at_c<0>(x3::_attr(ctx));
    uint32_t value = fusion::at_c<1>(x3::_attr(ctx));
    uint32_t begin = st.Off(key.begin()) - (kFlags & kQuoted ? 1 : 0);
    CstNode n = NewNode(CstKind::kField, begin, st.At(value).end);
    n.text = ParseState::View(key);
    n.text_begin = st.Off(key.begin());
    n.flags = kFlags;
    n.kids.push_back(value);
    x3::_val(ctx) = st.Add(std::move(n));
  }
};

auto const make_if = [](auto& ctx) {
  ParseState& st = St(ctx);
  auto& a = x3::_attr(ctx);
  Range kw_range = fusion::at_c<0>(a);
  uint32_t otherwise = fusion::at_c<3>(a);
  CstNode n = NewNode(CstKind::kIf, st.Off(kw_range.begin()), st.At(otherwise).end);
  n.kids = {fusion::at_c<1>(a), fusion::at_c<2>(a), otherwise};
  x3::_val(ctx) = st.Add(std::move(n));
};

// let NAME = value in body; any|all NAME in coll : body
auto const make_binder = [](auto& ctx) {
  ParseState& st = St(ctx);
  auto& a = x3::_attr(ctx);
  Range kw_range = fusion::at_c<0>(a);
  Range bound = fusion::at_c<1>(a);
  uint32_t body = fusion::at_c<3>(a);
  std::string_view k = ParseState::View(kw_range);
  CstKind kind = k == "let" ? CstKind::kLet : k == "any" ? CstKind::kAny : CstKind::kAll;
  CstNode n = NewNode(kind, st.Off(kw_range.begin()), st.At(body).end);
  n.text = ParseState::View(bound);
  n.text_begin = st.Off(bound.begin());
  n.kids = {fusion::at_c<2>(a), body};
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_method = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range method = fusion::at_c<0>(x3::_attr(ctx));
  auto& args = fusion::at_c<1>(x3::_attr(ctx));
  uint32_t receiver = x3::_val(ctx);
  CstNode n = NewNode(CstKind::kMethod, st.At(receiver).begin, st.Off(x3::_where(ctx).begin()));
  n.text = ParseState::View(method);
  n.text_begin = st.Off(method.begin());
  n.kids.push_back(receiver);
  if (args) n.kids.insert(n.kids.end(), args->begin(), args->end());
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_get_attr = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range attr = x3::_attr(ctx);
  uint32_t receiver = x3::_val(ctx);
  CstNode n = NewNode(CstKind::kGetAttr, st.At(receiver).begin, st.Off(attr.end()));
  n.text = ParseState::View(attr);
  n.text_begin = st.Off(attr.begin());
  n.kids.push_back(receiver);
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_index = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range key = x3::_attr(ctx);
  uint32_t receiver = x3::_val(ctx);
  CstNode n = NewNode(CstKind::kIndex, st.At(receiver).begin, st.Off(x3::_where(ctx).begin()));
  n.text = ParseState::View(key);
  n.text_begin = st.Off(key.begin());
  n.kids.push_back(receiver);
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_unary = [](auto& ctx) {
  ParseState& st = St(ctx);
  auto& ops = fusion::at_c<0>(x3::_attr(ctx));
  uint32_t operand = fusion::at_c<1>(x3::_attr(ctx));
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    CstNode n = NewNode(CstKind::kUnary, st.Off(it->begin()), st.At(operand).end);
    n.text = ParseState::View(*it);
    n.text_begin = n.begin;
    n.kids.push_back(operand);
    operand = st.Add(std::move(n));
  }
  x3::_val(ctx) = operand;
};

// lhs OP rhs where the attribute is (op range, rhs).
template <CstKind kKind>
struct MakeBinary {
  template <typename Ctx>
  void operator()(Ctx& ctx) const {
    ParseState& st = St(ctx);
    Range op = fusion::at_c<0>(x3::_attr(ctx));
    uint32_t rhs = fusion::at_c<1>(x3::_attr(ctx));
    uint32_t lhs = x3::_val(ctx);
    CstNode n = NewNode(kKind, st.At(lhs).begin, st.At(rhs).end);
    n.text = ParseState::View(op);
    n.text_begin = st.Off(op.begin());
    n.kids = {lhs, rhs};
    x3::_val(ctx) = st.Add(std::move(n));
  }
};

template <uint8_t kFlags>
struct MakeHas {
  template <typename Ctx>
  void operator()(Ctx& ctx) const {
    ParseState& st = St(ctx);
    Range attr = fusion::at_c<1>(x3::_attr(ctx));
    uint32_t lhs = x3::_val(ctx);
    CstNode n = NewNode(CstKind::kHas, st.At(lhs).begin,
                        st.Off(attr.end()) + (kFlags & kQuoted ? 1 : 0));
    n.text = ParseState::View(attr);
    n.text_begin = st.Off(attr.begin());
    n.flags = kFlags;
    n.kids.push_back(lhs);
    x3::_val(ctx) = st.Add(std::move(n));
  }
};

auto const make_like = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range pattern = fusion::at_c<1>(x3::_attr(ctx));
  uint32_t lhs = x3::_val(ctx);
  CstNode n = NewNode(CstKind::kLike, st.At(lhs).begin, st.Off(pattern.end()) + 1);
  n.text = ParseState::View(pattern);
  n.text_begin = st.Off(pattern.begin());
  n.kids.push_back(lhs);
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_is = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range type = fusion::at_c<1>(x3::_attr(ctx));
  auto& parent = fusion::at_c<2>(x3::_attr(ctx));
  uint32_t lhs = x3::_val(ctx);
  CstNode n = NewNode(CstKind::kIs, st.At(lhs).begin,
                      parent ? st.At(*parent).end : st.Off(type.end()));
  n.text = ParseState::View(type);
  n.text_begin = st.Off(type.begin());
  n.kids.push_back(lhs);
  if (parent) n.kids.push_back(*parent);
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const in_allowed = [](auto& ctx) { x3::_pass(ctx) = !St(ctx).no_in; };

auto const make_annotation = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range at_key = fusion::at_c<0>(x3::_attr(ctx));
  auto& value = fusion::at_c<1>(x3::_attr(ctx));
  CstNode n = NewNode(CstKind::kAnnotation, st.Off(at_key.begin()),
                      value ? st.Off(x3::_where(ctx).begin()) : st.Off(at_key.end()));
  n.text = ParseState::View(at_key).substr(1);
  n.text_begin = n.begin + 1;
  if (value) {
    n.text2 = ParseState::View(*value);
    n.flags = kHasValue;
  }
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_package = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range kw_range = fusion::at_c<0>(x3::_attr(ctx));
  Range pkg = fusion::at_c<1>(x3::_attr(ctx));
  CstNode n = NewNode(CstKind::kPackage, st.Off(kw_range.begin()), st.Off(x3::_where(ctx).begin()));
  n.text = ParseState::View(pkg);
  n.text_begin = st.Off(pkg.begin());
  x3::_val(ctx) = st.Add(std::move(n));
};

// permit|forbid|test NAME { clauses }
auto const make_block = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range kw_range = fusion::at_c<0>(x3::_attr(ctx));
  Range id = fusion::at_c<1>(x3::_attr(ctx));
  std::string_view k = ParseState::View(kw_range);
  CstNode n = NewNode(k == "test" ? CstKind::kTest : CstKind::kRule, st.Off(kw_range.begin()),
                      st.Off(x3::_where(ctx).begin()));
  n.text = k;
  n.text2 = ParseState::View(id);
  n.text_begin = st.Off(id.begin());
  n.kids = fusion::at_c<2>(x3::_attr(ctx));
  x3::_val(ctx) = st.Add(std::move(n));
};

// A clause: keyword range, then one node (expression, record) or a string range.
template <CstKind kKind>
struct MakeClause {
  template <typename Ctx>
  void operator()(Ctx& ctx) const {
    ParseState& st = St(ctx);
    Range kw_range = fusion::at_c<0>(x3::_attr(ctx));
    auto& payload = fusion::at_c<1>(x3::_attr(ctx));
    CstNode n = NewNode(kKind, st.Off(kw_range.begin()), st.Off(x3::_where(ctx).begin()));
    using Payload = std::decay_t<decltype(payload)>;
    if constexpr (std::is_same_v<Payload, uint32_t>) {
      n.kids.push_back(payload);
    } else {
      n.text = ParseState::View(payload);
      n.text_begin = st.Off(payload.begin());
    }
    x3::_val(ctx) = st.Add(std::move(n));
  }
};

auto const make_obligation = [](auto& ctx) {
  ParseState& st = St(ctx);
  Range kw_range = fusion::at_c<0>(x3::_attr(ctx));
  Range obligation_name = fusion::at_c<1>(x3::_attr(ctx));
  auto& payload = fusion::at_c<2>(x3::_attr(ctx));
  CstKind kind =
      ParseState::View(kw_range) == "advice" ? CstKind::kAdvice : CstKind::kObligation;
  CstNode n = NewNode(kind, st.Off(kw_range.begin()), st.Off(x3::_where(ctx).begin()));
  n.text = ParseState::View(obligation_name);
  n.text_begin = st.Off(obligation_name.begin());
  if (payload) n.kids.push_back(*payload);
  x3::_val(ctx) = st.Add(std::move(n));
};

template <CstKind kKind>
struct MakeNameList {
  template <typename Ctx>
  void operator()(Ctx& ctx) const {
    ParseState& st = St(ctx);
    Range kw_range = fusion::at_c<0>(x3::_attr(ctx));
    auto& items = fusion::at_c<1>(x3::_attr(ctx));
    CstNode n = NewNode(kKind, st.Off(kw_range.begin()), st.Off(x3::_where(ctx).begin()));
    if (items) n.kids = *items;
    x3::_val(ctx) = st.Add(std::move(n));
  }
};

template <uint8_t kFlags>
struct MakeName {
  template <typename Ctx>
  void operator()(Ctx& ctx) const {
    ParseState& st = St(ctx);
    Range r = x3::_attr(ctx);
    uint32_t quote = kFlags & kQuoted ? 1 : 0;
    CstNode n = NewNode(CstKind::kName, st.Off(r.begin()) - quote, st.Off(r.end()) + quote);
    n.text = ParseState::View(r);
    n.text_begin = st.Off(r.begin());
    n.flags = kFlags;
    x3::_val(ctx) = st.Add(std::move(n));
  }
};

// Annotations become the first kids of the declaration they precede.
auto const make_decl = [](auto& ctx) {
  ParseState& st = St(ctx);
  auto& annotations = fusion::at_c<0>(x3::_attr(ctx));
  uint32_t d = fusion::at_c<1>(x3::_attr(ctx));
  if (!annotations.empty()) {
    CstNode& node = st.file->nodes[d];
    node.begin = st.At(annotations.front()).begin;
    node.kids.insert(node.kids.begin(), annotations.begin(), annotations.end());
  }
  x3::_val(ctx) = d;
};

// --- Grammar ----------------------------------------------------------------------------------

auto const expr_def = nest[or_expr];
auto const or_expr_def = and_expr[pass] >> *((tok(x3::lit("||")) > and_expr)[MakeBinary<CstKind::kOr>{}]);
auto const and_expr_def =
    rel_expr[pass] >> *((tok(x3::lit("&&")) > rel_expr)[MakeBinary<CstKind::kAnd>{}]);
auto const relop = tok(x3::lit("==") | "!=" | "<=" | ">=" | '<' | '>');
auto const rel_expr_def =
    add_expr[pass] >>
    *((relop > add_expr)[MakeBinary<CstKind::kRelation>{}] |
      (x3::eps[in_allowed] >> tok(kw("in")) > add_expr)[MakeBinary<CstKind::kRelation>{}] |
      (tok(kw("has")) >> string_lit)[MakeHas<kQuoted>{}] |
      (tok(kw("has")) > attribute_name)[MakeHas<0>{}] |
      (tok(kw("like")) > string_lit)[make_like] |
      (tok(kw("is")) > entity_type > -(x3::eps[in_allowed] >> kw("in") > add_expr))[make_is]);
auto const add_expr_def =
    mul_expr[pass] >>
    *((tok(x3::lit('+') | x3::lit('-')) > mul_expr)[MakeBinary<CstKind::kArith>{}]);
auto const mul_expr_def =
    unary_expr[pass] >> *((tok(x3::lit('*')) > unary_expr)[MakeBinary<CstKind::kArith>{}]);
auto const unary_expr_def =
    (*tok(x3::lit('!') | x3::lit('-')) >> postfix_expr)[make_unary];
auto const postfix_expr_def =
    primary[pass] >>
    *((x3::lit('.') >> word >> '(' > allow_in[-(expr % ',')] > close_paren)[make_method] |
      (x3::lit('.') > attribute_name)[make_get_attr] |
      (x3::lit('[') > string_lit > ']')[make_index]);

auto const primary_def = decimal_lit | int_lit | string_expr | bool_lit | if_expr | let_expr |
                         quant_expr | entity_lit | call_expr | var_expr | paren_expr | set_expr |
                         record_expr;
auto const decimal_lit_def =
    tok(x3::lexeme[+digit >> '.' >> +digit >> !ident_char])[MakeToken<CstKind::kDecimal>{}];
auto const int_lit_def = tok(x3::lexeme[+digit >> !ident_char])[MakeToken<CstKind::kInt>{}];
auto const string_expr_def = string_lit[make_string];
auto const bool_lit_def = tok(kw("true") | kw("false"))[make_bool];
auto const if_expr_def = (tok(kw("if")) > allow_in[expr] > kw_then > allow_in[expr] >
                          kw_else > expr)[make_if];
auto const let_expr_def =
    (tok(kw("let")) > name > assign > no_in[expr] > kw_in > expr)[make_binder];
auto const quant_expr_def = (tok(kw("any") | kw("all")) > name > kw_in >
                             allow_in[postfix_expr] > colon > expr)[make_binder];
auto const entity_lit_def = x3::lexeme[type_path >> "::" >> string_lit][make_entity];
auto const call_expr_def =
    (name >> '(' > allow_in[-(expr % ',')] > close_paren)[make_call];
auto const var_expr_def = name[make_var];
auto const paren_expr_def =
    (tok(x3::lit('(')) > allow_in[expr] > close_paren)[MakeBracketed<CstKind::kParen>{}];
auto const set_expr_def = (tok(x3::lit('[')) >> allow_in[-(expr % ',')] >> -x3::lit(',') >
                           close_bracket)[MakeBracketed<CstKind::kSet>{}];
auto const record_expr_def = (tok(x3::lit('{')) >> allow_in[-(field % ',')] >>
                              -x3::lit(',') > close_brace)[MakeBracketed<CstKind::kRecord>{}];
auto const field_def = (string_lit >> ':' > expr)[MakeField<kQuoted>{}] |
                       (word > colon > expr)[MakeField<0>{}];

auto const annotation_def =
    (tok(x3::lexeme['@' >> word]) >> -('(' > string_lit > close_paren))[make_annotation];
auto const package_decl_def =
    (tok(kw("package")) > named<class package_name_tag, Range>("a package name", dotted_name) >
     semicolon)[make_package];
auto const rule_decl_def = (tok(kw("permit") | kw("forbid")) > name > open_brace >
                            *clause > rule_end)[make_block];
auto const clause_def =
    (tok(kw("when")) > expr)[MakeClause<CstKind::kWhen>{}] |
    (tok(kw("unless")) > expr)[MakeClause<CstKind::kUnless>{}] |
    (tok(kw("reason")) > string_lit)[MakeClause<CstKind::kReason>{}] |
    (tok(kw("obligation") | kw("advice")) > named<class obligation_name_tag, Range>(
                                                    "an obligation name", word) >
     -record_expr)[make_obligation];
auto const test_decl_def =
    (tok(kw("test")) > name > open_brace > *test_clause > test_end)[make_block];
auto const name_item_def = string_lit[MakeName<kQuoted>{}] | dotted_name[MakeName<0>{}];
auto const test_clause_def =
    (tok(kw("data")) > string_lit)[MakeClause<CstKind::kData>{}] |
    (tok(kw("request")) > record_expr)[MakeClause<CstKind::kRequest>{}] |
    (tok(kw("expect")) > expected_outcome)[MakeClause<CstKind::kExpect>{}] |
    (tok(kw("reasons")) > '[' > -(name_item % ',') > -x3::lit(',') >
     close_bracket)[MakeNameList<CstKind::kExpectReasons>{}] |
    (tok(kw("obligations")) > '[' > -(name_item % ',') > -x3::lit(',') >
     close_bracket)[MakeNameList<CstKind::kExpectObligations>{}] |
    (tok(kw("errors")) > '[' > -(name_item % ',') > -x3::lit(',') >
     close_bracket)[MakeNameList<CstKind::kExpectErrors>{}];
x3::rule<class decl_body_tag, uint32_t> const decl_body = "a declaration";
auto const decl_body_def = package_decl | rule_decl | test_decl;
auto const decl_def = (*annotation >> decl_body)[make_decl];

BOOST_SPIRIT_DEFINE(name, string_lit, expr, or_expr, and_expr, rel_expr, add_expr, mul_expr,
                    unary_expr, postfix_expr, primary, decimal_lit, int_lit, string_expr,
                    bool_lit, if_expr, let_expr, quant_expr, entity_lit, call_expr, var_expr,
                    paren_expr, set_expr, record_expr, field, annotation, package_decl,
                    rule_decl, clause, test_decl, test_clause, name_item, decl_body, decl)

// "'}'" -> "`}`"; named rules already read well.
std::string Expected(const std::string& which) {
  if (which.size() >= 3 && (which.front() == '\'' || which.front() == '"') &&
      which.back() == which.front()) {
    return "`" + which.substr(1, which.size() - 2) + "`";
  }
  return which;
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

uint32_t TokenEnd(std::string_view text, uint32_t at) {
  if (at >= text.size()) return at;
  uint32_t end = at;
  if (IsWordChar(text[at])) {
    while (end < text.size() && IsWordChar(text[end])) ++end;
    return end;
  }
  return at + 1;
}

// Where to resume after a broken declaration: the next line, after `from`'s line, whose first
// token could start a declaration (`@`, permit, forbid, test, package) and that is not inside
// a block comment.
uint32_t NextDeclarationStart(std::string_view text, uint32_t from,
                              const std::vector<Comment>& comments) {
  size_t pos = text.find('\n', from);
  while (pos != std::string_view::npos) {
    size_t line = pos + 1;
    size_t first = line;
    while (first < text.size() && (text[first] == ' ' || text[first] == '\t')) ++first;
    auto inside_comment = [&](size_t at) {
      auto it = std::upper_bound(comments.begin(), comments.end(), at,
                                 [](size_t v, const Comment& c) { return v < c.begin; });
      return it != comments.begin() && std::prev(it)->block && at < std::prev(it)->end;
    };
    auto starts_with_word = [&](std::string_view w) {
      return text.substr(first, w.size()) == w &&
             (first + w.size() >= text.size() || !IsWordChar(text[first + w.size()]));
    };
    if (first < text.size() && !inside_comment(first) &&
        (text[first] == '@' || starts_with_word("permit") || starts_with_word("forbid") ||
         starts_with_word("test") || starts_with_word("package"))) {
      return static_cast<uint32_t>(first);
    }
    pos = text.find('\n', line);
  }
  return static_cast<uint32_t>(text.size());
}

}  // namespace

void ParsePolicyText(std::string_view text, CstFile* file, DiagnosticSink& sink) {
  ParseState state{file, text.data()};
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  auto const parser = x3::with<state_tag>(state)[decl];
  uint32_t pos = SkipTrivia(text, 0);
  while (pos < text.size() && !sink.full()) {
    Iter it = begin + pos;
    state.nesting = 0;
    state.no_in = false;
    uint32_t error_at = pos;
    std::string code = "E0110";
    std::string message;
    try {
      uint32_t result = 0;
      if (x3::phrase_parse(it, end, parser, skipper, result)) {
        file->decls.push_back(result);
        pos = SkipTrivia(text, static_cast<uint32_t>(it - begin));
        continue;
      }
      message = "expected a declaration (`permit`, `forbid`, `test` or `package`), found " +
                DescribeTokenAt(text, error_at);
    } catch (const x3::expectation_failure<Iter>& e) {
      error_at = SkipTrivia(text, static_cast<uint32_t>(e.where() - begin));
      message = "expected " + Expected(e.which()) + ", found " + DescribeTokenAt(text, error_at);
    } catch (const NestingTooDeep& e) {
      code = "E0502";
      error_at = SkipTrivia(text, static_cast<uint32_t>(e.where - begin));
      message = e.tree ? "expression too deep: more than " + std::to_string(kMaxTreeDepth) +
                             " levels of operators"
                       : "expressions nested too deeply: more than " +
                             std::to_string(kMaxNesting) + " levels";
    }
    sink.Error(code, error_at, TokenEnd(text, error_at), std::move(message));
    pos = NextDeclarationStart(text, error_at, file->comments);
  }
}

}  // namespace arbiter::dsl
