// The schema grammar (Boost.Spirit X3) and its conversion to the Schema model. Like the
// policy grammar, actions build an index-linked node arena with spans; a second pass resolves
// names (built-in types, `type` aliases, entity types) and reports E04xx problems.
#include <algorithm>
#include <boost/spirit/home/x3.hpp>
#include <set>
#include <unordered_map>

#include "dsl/lower.h"
#include "dsl/schema.h"
#include "dsl/source_text.h"

namespace arbiter::dsl {
namespace {

namespace x3 = boost::spirit::x3;
namespace fusion = boost::fusion;
using Iter = const char*;
using Range = boost::iterator_range<Iter>;
constexpr uint32_t kNone = UINT32_MAX;

enum class SKind : uint8_t {
  kEntityDecl,  // a = names, b = parents, c = record type or kNone
  kActionDecl,  // a = names, b = applies-to entries
  kTypeDecl,    // text = name, c = type
  kApplies,     // text = subject|resource|context; a = names, or c = context type
  kName,        // text (raw string content when quoted)
  kNamedType,   // text
  kSetType,     // c = element
  kRecordType,  // a = fields
  kField,       // text = key; c = type; flags: 1 optional, 2 quoted
};

struct SNode {
  SKind kind;
  uint8_t flags = 0;
  uint32_t begin = 0, end = 0;
  std::string_view text;
  std::vector<uint32_t> a, b;
  uint32_t c = kNone;
};

struct SchemaDepthExceeded {
  Iter where;
};

struct SState {
  std::vector<SNode> nodes;
  const char* base;
  uint32_t nesting = 0;
  uint32_t Off(Iter p) const { return static_cast<uint32_t>(p - base); }
  uint32_t Add(SNode n) {
    nodes.push_back(std::move(n));
    return static_cast<uint32_t>(nodes.size() - 1);
  }
};
struct sstate_tag;
template <typename Ctx>
SState& St(Ctx const& ctx) {
  return x3::get<sstate_tag>(ctx);
}
std::string_view View(const Range& r) {
  return {r.begin(), static_cast<size_t>(r.end() - r.begin())};
}
SNode New(SKind kind, uint32_t begin, uint32_t end) {
  SNode n;
  n.kind = kind;
  n.begin = begin;
  n.end = end;
  return n;
}

auto const ident_char = x3::char_("a-zA-Z0-9_");
auto const ident_start = x3::char_("a-zA-Z_");
auto const skipper = x3::lit(' ') | '\t' | '\r' | '\n' |
                     (x3::lit("//") >> *(x3::char_ - '\n')) |
                     (x3::lit("/*") >> *(x3::char_ - "*/") >> "*/");
auto kw(char const* word) { return x3::lexeme[x3::lit(word) >> !ident_char]; }
template <typename P>
auto tok(P const& p) {
  return x3::rule<class stok_tag, Range>{"a token"} = x3::raw[p];
}
template <typename Tag, typename Attr = x3::unused_type, typename P>
auto named(char const* what, P const& p) {
  return x3::rule<Tag, Attr>{what} = p;
}

auto const word = tok(x3::lexeme[ident_start >> *ident_char]);
auto const type_path =
    named<class stype_path_tag, Range>("a type name", tok(x3::lexeme[word >> *("::" >> word)]));
x3::rule<class sstring_tag, Range> const string_lit = "a string";
auto const string_lit_def =
    x3::lexeme['"' >> tok(*((x3::lit('\\') >> x3::char_) | ~x3::char_("\"\\\n"))) >> '"'];

x3::rule<class stype_tag, uint32_t> const type = "a type";
x3::rule<class sfield_tag, uint32_t> const field = "an attribute";
x3::rule<class sname_tag, uint32_t> const name_item = "a name";
x3::rule<class sqname_tag, uint32_t> const type_name_item = "an entity type";
x3::rule<class sapplies_tag, uint32_t> const applies = "`subject`, `resource` or `context`";
x3::rule<class sdecl_tag, uint32_t> const decl = "a declaration";

template <SKind kKind, uint8_t kFlags>
struct MakeName {
  template <typename Ctx>
  void operator()(Ctx& ctx) const {
    SState& st = St(ctx);
    Range r = x3::_attr(ctx);
    uint32_t q = kFlags ? 1 : 0;
    SNode n = New(kKind, st.Off(r.begin()) - q, st.Off(r.end()) + q);
    n.text = View(r);
    n.flags = kFlags;
    x3::_val(ctx) = st.Add(std::move(n));
  }
};

auto const make_set = [](auto& ctx) {
  SState& st = St(ctx);
  Range kw_range = fusion::at_c<0>(x3::_attr(ctx));
  uint32_t element = fusion::at_c<1>(x3::_attr(ctx));
  SNode n = New(SKind::kSetType, st.Off(kw_range.begin()), st.Off(x3::_where(ctx).begin()));
  n.c = element;
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_record = [](auto& ctx) {
  SState& st = St(ctx);
  Range open = fusion::at_c<0>(x3::_attr(ctx));
  auto& fields = fusion::at_c<1>(x3::_attr(ctx));
  SNode n = New(SKind::kRecordType, st.Off(open.begin()), st.Off(x3::_where(ctx).begin()));
  if (fields) n.a = *fields;
  x3::_val(ctx) = st.Add(std::move(n));
};

template <uint8_t kQuotedFlag>
struct MakeField {
  template <typename Ctx>
  void operator()(Ctx& ctx) const {
    SState& st = St(ctx);
    Range key = fusion::at_c<0>(x3::_attr(ctx));
    auto& optional = fusion::at_c<1>(x3::_attr(ctx));
    uint32_t t = fusion::at_c<2>(x3::_attr(ctx));
    SNode n = New(SKind::kField, st.Off(key.begin()), st.Off(x3::_where(ctx).begin()));
    n.text = View(key);
    n.flags = static_cast<uint8_t>((optional ? 1 : 0) | kQuotedFlag);
    n.c = t;
    x3::_val(ctx) = st.Add(std::move(n));
  }
};

// Nesting guard for record/set types, as in the policy grammar.
auto const enter = [](auto& ctx) {
  SState& st = St(ctx);
  if (++st.nesting > kMaxNesting) throw SchemaDepthExceeded{x3::_where(ctx).begin()};
};
auto const leave = [](auto& ctx) { --St(ctx).nesting; };

auto const make_entity = [](auto& ctx) {
  SState& st = St(ctx);
  auto& a = x3::_attr(ctx);
  Range kw_range = fusion::at_c<0>(a);
  SNode n = New(SKind::kEntityDecl, st.Off(kw_range.begin()), st.Off(x3::_where(ctx).begin()));
  n.a = fusion::at_c<1>(a);
  if (auto& parents = fusion::at_c<2>(a)) n.b = *parents;
  if (auto& record = fusion::at_c<3>(a)) n.c = *record;
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_action = [](auto& ctx) {
  SState& st = St(ctx);
  auto& a = x3::_attr(ctx);
  Range kw_range = fusion::at_c<0>(a);
  SNode n = New(SKind::kActionDecl, st.Off(kw_range.begin()), st.Off(x3::_where(ctx).begin()));
  n.a = fusion::at_c<1>(a);
  if (auto& entries = fusion::at_c<2>(a)) n.b = *entries;
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_type_decl = [](auto& ctx) {
  SState& st = St(ctx);
  Range kw_range = fusion::at_c<0>(x3::_attr(ctx));
  Range alias = fusion::at_c<1>(x3::_attr(ctx));
  SNode n = New(SKind::kTypeDecl, st.Off(kw_range.begin()), st.Off(x3::_where(ctx).begin()));
  n.text = View(alias);
  n.c = fusion::at_c<2>(x3::_attr(ctx));
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_applies_list = [](auto& ctx) {
  SState& st = St(ctx);
  Range key = fusion::at_c<0>(x3::_attr(ctx));
  auto& names = fusion::at_c<1>(x3::_attr(ctx));
  SNode n = New(SKind::kApplies, st.Off(key.begin()), st.Off(x3::_where(ctx).begin()));
  n.text = View(key);
  if (names) n.a = *names;
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const make_applies_context = [](auto& ctx) {
  SState& st = St(ctx);
  Range key = fusion::at_c<0>(x3::_attr(ctx));
  SNode n = New(SKind::kApplies, st.Off(key.begin()), st.Off(x3::_where(ctx).begin()));
  n.text = View(key);
  n.c = fusion::at_c<1>(x3::_attr(ctx));
  x3::_val(ctx) = st.Add(std::move(n));
};

auto const pass = [](auto& ctx) { x3::_val(ctx) = x3::_attr(ctx); };

auto const colon = named<class scolon_tag>("`:`", x3::lit(':'));
auto const semicolon = named<class ssemicolon_tag>("`;`", x3::lit(';'));
auto const close_brace = named<class sclose_brace_tag>("`}` or `,`", x3::lit('}'));
auto const close_bracket = named<class sclose_bracket_tag>("`]` or `,`", x3::lit(']'));
auto const close_angle = named<class sclose_angle_tag>("`>`", x3::lit('>'));
auto const open_bracket = named<class sopen_bracket_tag>("`[`", x3::lit('['));
auto const open_brace = named<class sopen_brace_tag>("`{`", x3::lit('{'));
auto const open_angle = named<class sopen_angle_tag>("`<`", x3::lit('<'));
auto const equals = named<class sequals_tag>("`=`", x3::lit('='));

x3::rule<class srecord_tag, uint32_t> const record_type = "a record type";
auto const record_type_def =
    (tok(x3::lit('{')) >> -(field % ',') >> -x3::lit(',') > close_brace)[make_record];
auto const type_def =
    x3::eps[enter] >>
    ((tok(kw("Set")) > open_angle > type > close_angle)[make_set] | record_type[pass] |
     type_path[MakeName<SKind::kNamedType, 0>{}]) >>
    x3::eps[leave];
auto const field_def =
    (string_lit >> -tok(x3::lit('?')) >> colon > type)[MakeField<2>{}] |
    (word >> -tok(x3::lit('?')) > colon > type)[MakeField<0>{}];
auto const name_item_def =
    string_lit[MakeName<SKind::kName, 2>{}] | word[MakeName<SKind::kName, 0>{}];
auto const type_name_item_def = type_path[MakeName<SKind::kName, 0>{}];
x3::rule<class stype_list_tag, boost::optional<std::vector<uint32_t>>> const type_list =
    "a list of entity types";
auto const type_list_def = open_bracket > -(type_name_item % ',') > -x3::lit(',') > close_bracket;
x3::rule<class stype_names_tag, std::vector<uint32_t>> const type_names = "entity types";
auto const type_names_def = type_name_item % ',';
x3::rule<class saction_names_tag, std::vector<uint32_t>> const action_names = "action names";
auto const action_names_def = name_item % ',';
x3::rule<class sapplies_block_tag, std::vector<uint32_t>> const applies_block = "`appliesTo`";
auto const applies_block_def =
    kw("appliesTo") > open_brace > (applies % ',') > -x3::lit(',') > close_brace;
auto const applies_def =
    (tok(kw("subject") | kw("resource")) > colon > type_list)[make_applies_list] |
    (tok(kw("context")) > colon > type)[make_applies_context];
x3::rule<class sparents_tag, std::vector<uint32_t>> const parent_list = "entity types";
auto const parent_list_def =
    (open_bracket > type_names > -x3::lit(',') > close_bracket) | type_names;
auto const entity_decl = (tok(kw("entity")) > type_names >
                          -(kw("in") > parent_list) > -record_type > semicolon)[make_entity];
auto const action_decl =
    (tok(kw("action")) > action_names > -applies_block > semicolon)[make_action];
auto const type_decl =
    (tok(kw("type")) > named<class salias_tag, Range>("a type name", word) > equals > type >
     semicolon)[make_type_decl];
x3::rule<class sdecl_body_tag, uint32_t> const decl_body = "`entity`, `action` or `type`";
auto const decl_body_def = entity_decl | action_decl | type_decl;
auto const decl_def = decl_body;

BOOST_SPIRIT_DEFINE(string_lit, type, parent_list, type_list, type_names, action_names,
                    applies_block, field, name_item, type_name_item, applies, record_type,
                    decl_body, decl)

// --- Conversion to the model ---------------------------------------------------------------

class Converter {
 public:
  Converter(const std::vector<SNode>& nodes, DiagnosticSink& sink) : nodes_(nodes), sink_(sink) {}

  Schema Run(const std::vector<uint32_t>& decls) {
    Schema schema;
    // Pass 1: declared names, so declarations may refer to later ones.
    for (uint32_t d : decls) {
      const SNode& n = nodes_[d];
      if (n.kind == SKind::kEntityDecl) {
        for (uint32_t k : n.a) {
          const SNode& name = nodes_[k];
          std::string s(name.text);
          if (schema.entities.count(s) || aliases_.count(s)) {
            sink_.Error("E0407", name.begin, name.end, "`" + s + "` is declared twice");
            continue;
          }
          schema.entities[s].name = s;
          schema.entities[s].span = MakeSpan(sink_.file(), sink_.index(), name.begin, name.end);
        }
      } else if (n.kind == SKind::kTypeDecl) {
        std::string s(n.text);
        if (aliases_.count(s) || IsBuiltin(s)) {
          sink_.Error("E0407", n.begin, n.end, "type `" + s + "` is declared twice");
          continue;
        }
        aliases_[s] = n.c;
      }
    }
    for (const auto& [name, decl] : schema.entities) {
      if (aliases_.count(name)) {
        sink_.Error("E0407", decl.span.begin, decl.span.end,
                    "`" + name + "` is both an entity type and a `type`");
      }
    }
    entities_ = &schema.entities;
    // Pass 2: bodies.
    for (uint32_t d : decls) {
      const SNode& n = nodes_[d];
      if (n.kind == SKind::kEntityDecl) {
        std::vector<std::string> parents;
        for (uint32_t p : n.b) {
          const SNode& parent = nodes_[p];
          std::string s(parent.text);
          if (!schema.entities.count(s)) {
            sink_.Error("E0402", parent.begin, parent.end, "unknown entity type `" + s + "`");
          }
          parents.push_back(std::move(s));
        }
        std::map<std::string, SchemaAttribute> attributes;
        if (n.c != kNone) attributes = Fields(nodes_[n.c]);
        for (uint32_t k : n.a) {
          EntityTypeDecl& e = schema.entities[std::string(nodes_[k].text)];
          e.parents = parents;
          e.attributes = attributes;
        }
      } else if (n.kind == SKind::kActionDecl) {
        ActionDecl proto;
        for (uint32_t k : n.b) {
          const SNode& entry = nodes_[k];
          if (entry.text == "context") {
            proto.has_context = true;
            SchemaTypePtr t = Resolve(entry.c);
            if (t->base != BaseType::kRecord) {
              const SNode& tn = nodes_[entry.c];
              sink_.Error("E0404", tn.begin, tn.end, "an action's context must be a record type");
            } else {
              proto.context = t->fields;
            }
            continue;
          }
          auto& list = entry.text == "subject" ? proto.subjects : proto.resources;
          for (uint32_t t : entry.a) {
            const SNode& tn = nodes_[t];
            std::string s(tn.text);
            if (!schema.entities.count(s)) {
              sink_.Error("E0402", tn.begin, tn.end, "unknown entity type `" + s + "`");
            }
            list.push_back(std::move(s));
          }
        }
        for (uint32_t k : n.a) {
          const SNode& name = nodes_[k];
          std::string s = Decode(name);
          if (schema.actions.count(s)) {
            sink_.Error("E0407", name.begin, name.end, "action `" + s + "` is declared twice");
            continue;
          }
          ActionDecl a = proto;
          a.name = s;
          a.span = MakeSpan(sink_.file(), sink_.index(), name.begin, name.end);
          schema.actions[s] = std::move(a);
        }
      } else if (n.kind == SKind::kTypeDecl) {
        Resolve(n.c);  // reports unknown names even when the alias is unused
      }
    }
    return schema;
  }

 private:
  static bool IsBuiltin(std::string_view s) {
    return s == "String" || s == "Long" || s == "Bool" || s == "Boolean" || s == "Decimal" ||
           s == "Ip" || s == "ipaddr" || s == "Datetime" || s == "datetime" ||
           s == "Duration" || s == "duration" || s == "decimal";
  }

  std::string Decode(const SNode& name) {
    if (!(name.flags & 2)) return std::string(name.text);
    std::string out;
    size_t bad = 0;
    if (!DecodeString(name.text, false, &out, &bad)) {
      sink_.Error("E0105", name.begin, name.end, "invalid escape sequence in string");
    }
    return out;
  }

  std::map<std::string, SchemaAttribute> Fields(const SNode& record) {
    std::map<std::string, SchemaAttribute> fields;
    for (uint32_t f : record.a) {
      const SNode& field = nodes_[f];
      std::string key = Decode(field);
      if (fields.count(key)) {
        sink_.Error("E0407", field.begin, field.end, "attribute `" + key + "` is declared twice");
        continue;
      }
      SchemaAttribute attr;
      attr.type = Resolve(field.c);
      attr.required = !(field.flags & 1);
      attr.span = MakeSpan(sink_.file(), sink_.index(), field.begin, field.end);
      fields[key] = std::move(attr);
    }
    return fields;
  }

  SchemaTypePtr Resolve(uint32_t index) {
    auto t = std::make_shared<SchemaType>();
    const SNode& n = nodes_[index];
    switch (n.kind) {
      case SKind::kSetType:
        t->base = BaseType::kSet;
        t->element = Resolve(n.c);
        return t;
      case SKind::kRecordType:
        t->base = BaseType::kRecord;
        t->fields = Fields(n);
        return t;
      default: break;
    }
    std::string_view s = n.text;
    if (s == "String") t->base = BaseType::kString;
    else if (s == "Long") t->base = BaseType::kLong;
    else if (s == "Bool" || s == "Boolean") t->base = BaseType::kBool;
    else if (s == "Decimal" || s == "decimal") t->base = BaseType::kDecimal;
    else if (s == "Ip" || s == "ipaddr") t->base = BaseType::kIp;
    else if (s == "Datetime" || s == "datetime") t->base = BaseType::kDatetime;
    else if (s == "Duration" || s == "duration") t->base = BaseType::kDuration;
    else if (auto alias = aliases_.find(std::string(s)); alias != aliases_.end()) {
      if (resolving_.count(alias->first)) {
        sink_.Error("E0402", n.begin, n.end, "type `" + alias->first + "` refers to itself");
        return t;
      }
      resolving_.insert(alias->first);
      SchemaTypePtr resolved = Resolve(alias->second);
      resolving_.erase(alias->first);
      return resolved;
    } else if (entities_->count(std::string(s))) {
      t->base = BaseType::kEntity;
      t->entity = std::string(s);
    } else {
      sink_.Error("E0402", n.begin, n.end, "unknown type `" + std::string(s) + "`");
    }
    return t;
  }

  const std::vector<SNode>& nodes_;
  DiagnosticSink& sink_;
  std::unordered_map<std::string, uint32_t> aliases_;
  std::set<std::string> resolving_;
  const std::map<std::string, EntityTypeDecl>* entities_ = nullptr;
};

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

uint32_t NextSchemaDeclaration(std::string_view text, uint32_t from) {
  size_t pos = text.find('\n', from);
  while (pos != std::string_view::npos) {
    size_t first = pos + 1;
    while (first < text.size() && (text[first] == ' ' || text[first] == '\t')) ++first;
    for (std::string_view w : {"entity", "action", "type"}) {
      if (text.substr(first, w.size()) == w &&
          (first + w.size() >= text.size() || !IsWordChar(text[first + w.size()]))) {
        return static_cast<uint32_t>(first);
      }
    }
    pos = text.find('\n', first);
  }
  return static_cast<uint32_t>(text.size());
}

}  // namespace

Schema ParseSchema(FileId file, std::string_view text, std::vector<Diagnostic>* diagnostics) {
  LineIndex index(text);
  DiagnosticSink sink(file, index, diagnostics);
  if (text.size() > kMaxSourceBytes) {
    sink.Error("E0501", 0, 0, "schema file too large");
    return {};
  }
  std::vector<Comment> comments;
  if (!ScanLexical(text, sink, &comments)) return {};
  SState state;
  state.base = text.data();
  std::vector<uint32_t> decls;
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  auto const parser = x3::with<sstate_tag>(state)[decl];
  uint32_t pos = SkipTrivia(text, 0);
  while (pos < text.size() && !sink.full()) {
    Iter it = begin + pos;
    state.nesting = 0;
    uint32_t error_at = pos;
    std::string code = "E0401";
    std::string message;
    try {
      uint32_t result = 0;
      if (x3::phrase_parse(it, end, parser, skipper, result)) {
        decls.push_back(result);
        pos = SkipTrivia(text, static_cast<uint32_t>(it - begin));
        continue;
      }
      message = "expected `entity`, `action` or `type`, found " + DescribeTokenAt(text, pos);
    } catch (const x3::expectation_failure<Iter>& e) {
      error_at = SkipTrivia(text, static_cast<uint32_t>(e.where() - begin));
      std::string which = e.which();
      if (which.size() >= 3 && which.front() == '\'' && which.back() == '\'') {
        which = "`" + which.substr(1, which.size() - 2) + "`";
      }
      message = "expected " + which + ", found " + DescribeTokenAt(text, error_at);
    } catch (const SchemaDepthExceeded& e) {
      code = "E0502";
      error_at = SkipTrivia(text, static_cast<uint32_t>(e.where - begin));
      message = "types nested too deeply: more than " + std::to_string(kMaxNesting) + " levels";
    }
    sink.Error(code, error_at, error_at + 1, "schema: " + message);
    pos = NextSchemaDeclaration(text, error_at);
  }
  return Converter(state.nodes, sink).Run(decls);
}

}  // namespace arbiter::dsl
