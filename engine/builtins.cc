#include "engine/builtins.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "common/limits.h"
#include "engine/extensions.h"
#include "engine/text_search.h"

namespace arbiter::engine {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kTypeError: return "type_error";
    case ErrorKind::kMissingAttribute: return "missing_attribute";
    case ErrorKind::kOverflow: return "overflow";
    case ErrorKind::kNoSuchEntity: return "no_such_entity";
    case ErrorKind::kExtension: return "extension_error";
    case ErrorKind::kBudget: return "budget_exceeded";
  }
  return "?";
}

std::string_view FnName(Fn fn) { return dsl::FunctionInfoOf(fn).name; }

std::optional<Fn> FnByName(std::string_view name) {
  const dsl::FunctionInfo* f = dsl::FindFunction(name);
  return f ? std::optional<Fn>(f->id) : std::nullopt;
}

std::string_view MethodName(Method m) { return dsl::MethodInfoOf(m).name; }
int MethodArity(Method m) { return dsl::MethodInfoOf(m).arity; }
std::optional<Method> MethodByName(std::string_view name) {
  const dsl::MethodInfo* m = dsl::FindMethod(name);
  return m ? std::optional<Method>(m->id) : std::nullopt;
}

bool Fail(const EvalContext& ctx, ErrorKind kind, std::string message) {
  ctx.error->kind = kind;
  ctx.error->message = std::move(message);
  return false;
}

Budget MakeBudget(const EvalBudget& requested) {
  uint64_t steps = requested.steps ? requested.steps : kDefaultLimits.eval_steps;
  uint64_t bytes = requested.bytes ? requested.bytes : kDefaultLimits.eval_bytes;
  return Budget{steps, bytes, steps, bytes};
}

bool BudgetExceeded(const EvalContext& ctx, bool bytes) {
  Budget& b = *ctx.budget;
  b.steps = 0;
  b.bytes = 0;
  return Fail(ctx, ErrorKind::kBudget,
              bytes ? "evaluation budget exceeded: the decision built more than " +
                          std::to_string(b.byte_limit) + " bytes of values (eval_bytes)"
                    : "evaluation budget exceeded: the decision took more than " +
                          std::to_string(b.step_limit) + " steps (eval_steps)");
}

bool ChargeEqualSlow(const EvalContext& ctx, const Value& a, const Value& b) {
  uint64_t steps = 0;
  switch (a.kind) {
    case Kind::kString:
      if (a.s != b.s && a.s->size == b.s->size) steps = a.s->size / 16;
      break;
    case Kind::kSet:  // a small set is scanned per element, a larger one indexed once
      if (a.set != b.set && a.set->size == b.set->size) {
        steps = a.set->size <= kScanSetSize ? uint64_t{a.set->size} * b.set->size
                                            : uint64_t{a.set->size} + b.set->size;
      }
      break;
    case Kind::kRecord:
      if (a.rec != b.rec && a.rec->size == b.rec->size) steps = a.rec->size;
      break;
    default: break;
  }
  return ChargeSteps(ctx, steps);
}

namespace {

bool TypeError(const EvalContext& ctx, std::string_view what, std::string_view expected,
               const Value& got) {
  std::string m = "type error: ";
  m += what;
  m += " expects ";
  m += expected;
  m += ", got ";
  m += KindName(got.kind);
  return Fail(ctx, ErrorKind::kTypeError, std::move(m));
}

void AppendQuoted(std::string* out, std::string_view s) {
  *out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') *out += '\\';
    if (c == '\n') {
      *out += "\\n";
      continue;
    }
    *out += c;
  }
  *out += '"';
}

}  // namespace

std::string ValueToDisplay(const Value& v) {
  std::string out;
  switch (v.kind) {
    case Kind::kBool: return v.b ? "true" : "false";
    case Kind::kInt: return std::to_string(v.i);
    case Kind::kString: AppendQuoted(&out, v.s->view()); return out;
    case Kind::kEntity: return EntityToString(*v.ent);
    case Kind::kIp: return "ip(\"" + FormatIp(*v.ip) + "\")";
    case Kind::kDecimal: return "decimal(\"" + FormatDecimal(v.i) + "\")";
    case Kind::kDatetime: return "datetime(\"" + FormatDatetime(v.i) + "\")";
    case Kind::kDuration: return "duration(\"" + FormatDuration(v.i) + "\")";
    case Kind::kSet:
      out = "[";
      for (uint32_t i = 0; i < v.set->size; ++i) {
        if (i) out += ", ";
        out += ValueToDisplay(v.set->items[i]);
      }
      return out + "]";
    case Kind::kRecord:
      out = "{";
      for (uint32_t i = 0; i < v.rec->size; ++i) {
        if (i) out += ", ";
        AppendQuoted(&out, v.rec->fields[i].key);
        out += ": " + ValueToDisplay(v.rec->fields[i].value);
      }
      return out + "}";
  }
  return out;
}

const EntityData* ResolveEntity(const EvalContext& ctx, const EntityObj& e) {
  return ctx.store->Find(e);
}

bool OpGetAttr(const EvalContext& ctx, const Value& obj, std::string_view name, Value* out) {
  if (obj.kind == Kind::kRecord) {
    if (const Value* v = obj.rec->Find(name)) {
      *out = *v;
      return true;
    }
    return Fail(ctx, ErrorKind::kMissingAttribute,
                "record has no attribute `" + std::string(name) + "`");
  }
  if (obj.kind == Kind::kEntity) {
    const EntityObj& e = *obj.ent;
    if (e.properties) {
      if (const Value* v = e.properties->Find(name)) {
        *out = *v;
        return true;
      }
    }
    const EntityData* d = ResolveEntity(ctx, e);
    if (d) {
      if (const Value* v = d->attrs->Find(name)) {
        *out = *v;
        return true;
      }
    } else if (!e.properties) {
      return Fail(ctx, ErrorKind::kNoSuchEntity,
                  "entity " + EntityToString(e) + " does not exist (reading `" +
                      std::string(name) + "`)");
    }
    return Fail(ctx, ErrorKind::kMissingAttribute,
                "entity " + EntityToString(e) + " has no attribute `" + std::string(name) + "`");
  }
  return TypeError(ctx, "attribute access `." + std::string(name) + "`", "an entity or record",
                   obj);
}

bool OpHasAttr(const EvalContext& ctx, const Value& obj, std::string_view name, Value* out) {
  if (obj.kind == Kind::kRecord) {
    *out = Value::Bool(obj.rec->Find(name) != nullptr);
    return true;
  }
  if (obj.kind == Kind::kEntity) {
    const EntityObj& e = *obj.ent;
    bool has = e.properties && e.properties->Find(name);
    if (!has) {
      const EntityData* d = ResolveEntity(ctx, e);
      has = d && d->attrs->Find(name);
    }
    *out = Value::Bool(has);
    return true;
  }
  return TypeError(ctx, "`has`", "an entity or record", obj);
}

bool OpCompare(const EvalContext& ctx, CmpOp op, const Value& a, const Value& b, Value* out) {
  static constexpr std::string_view kOps[] = {"<", "<=", ">", ">="};
  int c;
  if (a.kind != b.kind) {
    return Fail(ctx, ErrorKind::kTypeError,
                "type error: `" + std::string(kOps[static_cast<int>(op)]) +
                    "` compares values of one kind, got " + std::string(KindName(a.kind)) +
                    " and " + std::string(KindName(b.kind)));
  }
  switch (a.kind) {
    case Kind::kInt:
    case Kind::kDecimal:
    case Kind::kDatetime:
    case Kind::kDuration: c = a.i < b.i ? -1 : a.i > b.i ? 1 : 0; break;
    case Kind::kString:
      if (!ChargeSteps(ctx, TextSteps(std::min(a.s->size, b.s->size)))) return false;
      c = a.s->view().compare(b.s->view());
      break;
    default:
      return TypeError(ctx, "`" + std::string(kOps[static_cast<int>(op)]) + "`",
                       "int, decimal, datetime, duration or string", a);
  }
  bool r = false;
  switch (op) {
    case CmpOp::kLt: r = c < 0; break;
    case CmpOp::kLe: r = c <= 0; break;
    case CmpOp::kGt: r = c > 0; break;
    case CmpOp::kGe: r = c >= 0; break;
  }
  *out = Value::Bool(r);
  return true;
}

bool OpArith(const EvalContext& ctx, ArithOp op, const Value& a, const Value& b, Value* out) {
  static constexpr std::string_view kOps[] = {"+", "-", "*"};
  if (a.kind != Kind::kInt || b.kind != Kind::kInt) {
    std::string what = "`" + std::string(kOps[static_cast<int>(op)]) + "`";
    return TypeError(ctx, what, "int", a.kind != Kind::kInt ? a : b);
  }
  int64_t r = 0;
  bool overflow = false;
  switch (op) {
    case ArithOp::kAdd: overflow = __builtin_add_overflow(a.i, b.i, &r); break;
    case ArithOp::kSub: overflow = __builtin_sub_overflow(a.i, b.i, &r); break;
    case ArithOp::kMul: overflow = __builtin_mul_overflow(a.i, b.i, &r); break;
  }
  if (overflow) {
    return Fail(ctx, ErrorKind::kOverflow,
                "integer overflow: " + std::to_string(a.i) + " " + std::string(kOps[static_cast<int>(op)]) +
                    " " + std::to_string(b.i));
  }
  *out = Value::Int(r);
  return true;
}

bool OpNeg(const EvalContext& ctx, const Value& a, Value* out) {
  if (a.kind != Kind::kInt) return TypeError(ctx, "unary `-`", "int", a);
  if (a.i == INT64_MIN) {
    return Fail(ctx, ErrorKind::kOverflow, "integer overflow: -(" + std::to_string(a.i) + ")");
  }
  *out = Value::Int(-a.i);
  return true;
}

bool OpNot(const EvalContext& ctx, const Value& a, Value* out) {
  if (a.kind != Kind::kBool) return TypeError(ctx, "`!`", "bool", a);
  *out = Value::Bool(!a.b);
  return true;
}

bool CheckBool(const EvalContext& ctx, const Value& v) {
  if (v.kind == Kind::kBool) return true;
  return Fail(ctx, ErrorKind::kTypeError,
              "type error: expected bool, got " + std::string(KindName(v.kind)));
}

bool CheckSet(const EvalContext& ctx, const Value& v) {
  if (v.kind == Kind::kSet) return true;
  return TypeError(ctx, "`any`/`all`", "a set", v);
}

bool EntityIn(const EvalContext& ctx, const EntityObj& a, const EntityObj& b) {
  if (EntityEqual(a, b)) return true;
  const EntityData* da = ResolveEntity(ctx, a);
  return da && da->num_ancestors != 0 && ctx.store->HasAncestor(*da, b);
}

bool OpIn(const EvalContext& ctx, const Value& a, const Value& b, Value* out) {
  if (b.kind == Kind::kSet) {
    if (!ChargeSteps(ctx, b.set->size)) return false;
    bool r = false;
    for (uint32_t i = 0; i < b.set->size && !r; ++i) {
      const Value& e = b.set->items[i];
      if (a.kind == Kind::kEntity && e.kind == Kind::kEntity) {
        r = EntityIn(ctx, *a.ent, *e.ent);
      } else {
        r = Equal(a, e);
      }
    }
    *out = Value::Bool(r);
    return true;
  }
  if (b.kind != Kind::kEntity) return TypeError(ctx, "`in`", "an entity or a set", b);
  if (a.kind != Kind::kEntity) return TypeError(ctx, "`in` with an entity on the right", "an entity", a);
  *out = Value::Bool(EntityIn(ctx, *a.ent, *b.ent));
  return true;
}

bool OpIs(const EvalContext& ctx, const Value& a, std::string_view type, Value* out) {
  if (a.kind != Kind::kEntity) return TypeError(ctx, "`is`", "an entity", a);
  *out = Value::Bool(TextEq(a.ent->type, type));
  return true;
}

LikePattern CompileLike(std::string_view glob, Arena* arena) {
  int16_t* tokens = arena->AllocateArray<int16_t>(glob.size() + 1);
  uint32_t n = 0;
  for (size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] == '\\' && i + 1 < glob.size() && glob[i + 1] == '*') {
      tokens[n++] = '*';
      ++i;
    } else if (glob[i] == '*') {
      tokens[n++] = -1;
    } else {
      tokens[n++] = static_cast<unsigned char>(glob[i]);
    }
  }
  // The bytes of each star-free piece, and each piece's KMP borders, for LikeMatch.
  char* bytes = arena->AllocateArray<char>(n + 1);
  uint32_t* borders = arena->AllocateArray<uint32_t>(n + 1);
  for (uint32_t i = 0; i < n; ++i) bytes[i] = tokens[i] < 0 ? '\0' : static_cast<char>(tokens[i]);
  for (uint32_t begin = 0; begin < n;) {
    uint32_t end = begin;
    while (end < n && tokens[end] >= 0) ++end;
    ComputeBorders(std::string_view(bytes + begin, end - begin), borders + begin);
    begin = end + 1;
  }
  return LikePattern{n, tokens, bytes, borders};
}

bool LikeMatch(const LikePattern& p, std::string_view s) {
  // Pattern P0*P1*...*Pk: s must start with P0 and end with Pk, and P1..Pk-1 must occur in
  // order, without overlap, in between. Taking each piece's leftmost occurrence is optimal,
  // so one left-to-right pass decides: O(|s| + |p|), never a backtracking search.
  std::string_view pattern(p.bytes, p.size);
  uint32_t first_end = 0;
  while (first_end < p.size && p.tokens[first_end] >= 0) ++first_end;
  std::string_view first = pattern.substr(0, first_end);
  if (first_end == p.size) return s == first;
  uint32_t last_begin = p.size;
  while (p.tokens[last_begin - 1] >= 0) --last_begin;  // stops at the last star
  std::string_view last = pattern.substr(last_begin);
  if (s.size() < first.size() + last.size() || !s.starts_with(first) || !s.ends_with(last)) {
    return false;
  }
  std::string_view middle = s.substr(0, s.size() - last.size());
  size_t pos = first.size();
  for (uint32_t begin = first_end + 1; begin < last_begin;) {
    uint32_t end = begin;
    while (p.tokens[end] >= 0) ++end;  // a star ends every middle piece
    if (end > begin) {
      std::string_view piece = pattern.substr(begin, end - begin);
      size_t at = FindLinear(middle, pos, piece, p.borders + begin);
      if (at == std::string_view::npos) return false;
      pos = at + piece.size();
    }
    begin = end + 1;
  }
  return true;
}

bool OpLike(const EvalContext& ctx, const Value& a, const LikePattern& p, Value* out) {
  if (a.kind != Kind::kString) return TypeError(ctx, "`like`", "string", a);
  if (!ChargeSteps(ctx, TextSteps(a.s->size))) return false;
  *out = Value::Bool(LikeMatch(p, a.s->view()));
  return true;
}

bool OpCallFn(const EvalContext& ctx, Fn fn, const Value& arg, Value* out) {
  if (arg.kind != Kind::kString) return TypeError(ctx, std::string(FnName(fn)) + "()", "string", arg);
  std::string_view text = arg.s->view();
  if (!ChargeSteps(ctx, TextSteps(text.size()))) return false;
  auto bad = [&] {
    return Fail(ctx, ErrorKind::kExtension,
                "invalid " + std::string(FnName(fn)) + " literal \"" + std::string(text) + "\"");
  };
  switch (fn) {
    case Fn::kIp: {
      auto ip = ParseIp(text);
      if (!ip) return bad();
      if (!ChargeBuild(ctx, 0, sizeof(IpObj))) return false;
      *out = Value::Ip(ctx.arena->New<IpObj>(*ip));
      return true;
    }
    case Fn::kDecimal: {
      auto d = ParseDecimal(text);
      if (!d) return bad();
      *out = Value::Decimal(*d);
      return true;
    }
    case Fn::kDatetime: {
      auto d = ParseDatetime(text);
      if (!d) return bad();
      *out = Value::Datetime(*d);
      return true;
    }
    case Fn::kDuration: {
      auto d = ParseDuration(text);
      if (!d) return bad();
      *out = Value::Duration(*d);
      return true;
    }
  }
  return bad();
}

bool SetContains(const SetObj& set, const Value& v) {
  for (uint32_t i = 0; i < set.size; ++i)
    if (Equal(set.items[i], v)) return true;
  return false;
}

namespace {

// `s.contains(needle)` for strings, in time linear in both: a long needle is searched with
// KMP, its border table taken from (and charged to) the decision's arena.
bool StringContains(const EvalContext& ctx, std::string_view s, std::string_view needle,
                    Value* out) {
  if (!ChargeSteps(ctx, TextSteps(s.size() + needle.size()))) return false;
  constexpr size_t kShortNeedle = 16;  // the library search is at most 16 x |s| for these
  if (needle.size() <= kShortNeedle || needle.size() > s.size()) {
    *out = Value::Bool(s.find(needle) != std::string_view::npos);
    return true;
  }
  if (!ChargeBuild(ctx, 0, needle.size() * sizeof(uint32_t))) return false;
  uint32_t* borders = ctx.arena->AllocateArray<uint32_t>(needle.size());
  ComputeBorders(needle, borders);
  *out = Value::Bool(FindLinear(s, 0, needle, borders) != std::string_view::npos);
  return true;
}

// Whether all (or any) elements of `of` are in `set`, stopping at the first miss (or hit):
// one scan per element while `set` is small, else one index of `set`, O(|set| + |of|).
bool ContainsAllOrAny(const SetObj& set, const SetObj& of, bool all) {
  if (set.size <= kScanSetSize) {
    for (uint32_t i = 0; i < of.size; ++i)
      if (SetContains(set, of.items[i]) != all) return !all;
    return all;
  }
  ValueIndex index(set.items, set.size);
  for (uint32_t i = 0; i < set.size; ++i) index.Add(i);
  for (uint32_t i = 0; i < of.size; ++i)
    if ((index.Find(of.items[i]) >= 0) != all) return !all;
  return all;
}
}  // namespace

bool SetContainsAll(const SetObj& set, const SetObj& of) {
  return ContainsAllOrAny(set, of, true);
}
bool SetContainsAny(const SetObj& set, const SetObj& of) {
  return ContainsAllOrAny(set, of, false);
}

namespace {
size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}
}  // namespace

bool OpCallMethod(const EvalContext& ctx, Method m, const Value& recv, const Value* args,
                  uint32_t argc, Value* out) {
  // Built only when an error is reported: this runs on every method call.
  auto what = [m] { return "." + std::string(MethodName(m)) + "()"; };
  if (argc != static_cast<uint32_t>(MethodArity(m))) {
    return Fail(ctx, ErrorKind::kTypeError,
                "type error: " + what() + " takes " + std::to_string(MethodArity(m)) + " arguments");
  }
  auto need = [&](const Value& v, Kind k, std::string_view name) {
    return v.kind == k || TypeError(ctx, what(), name, v);
  };
  auto overflow = [&] { return Fail(ctx, ErrorKind::kOverflow, "overflow in " + what()); };
  switch (m) {
    case Method::kContains:
      if (recv.kind == Kind::kString) {
        if (!need(args[0], Kind::kString, "a string argument")) return false;
        return StringContains(ctx, recv.s->view(), args[0].s->view(), out);
      }
      if (!need(recv, Kind::kSet, "a set or string")) return false;
      if (!ChargeSteps(ctx, recv.set->size)) return false;
      *out = Value::Bool(SetContains(*recv.set, args[0]));
      return true;
    case Method::kContainsAll:
    case Method::kContainsAny: {
      if (!need(recv, Kind::kSet, "a set") || !need(args[0], Kind::kSet, "a set argument")) {
        return false;
      }
      // Linear in both sets (an index of the receiver once it is large).
      if (!ChargeSteps(ctx, uint64_t{recv.set->size} + args[0].set->size)) return false;
      *out = Value::Bool(m == Method::kContainsAll ? SetContainsAll(*recv.set, *args[0].set)
                                                   : SetContainsAny(*recv.set, *args[0].set));
      return true;
    }
    case Method::kIsEmpty:
    case Method::kSize: {
      int64_t n;
      if (recv.kind == Kind::kSet) n = recv.set->size;
      else if (recv.kind == Kind::kRecord) n = recv.rec->size;
      else if (recv.kind == Kind::kString && m == Method::kIsEmpty) n = recv.s->size;
      else if (recv.kind == Kind::kString) {
        if (!ChargeSteps(ctx, TextSteps(recv.s->size))) return false;
        n = static_cast<int64_t>(Utf8Length(recv.s->view()));
      }
      else return TypeError(ctx, what(), "a set, record or string", recv);
      *out = m == Method::kSize ? Value::Int(n) : Value::Bool(n == 0);
      return true;
    }
    case Method::kStartsWith:
    case Method::kEndsWith: {
      if (!need(recv, Kind::kString, "a string") ||
          !need(args[0], Kind::kString, "a string argument")) {
        return false;
      }
      std::string_view s = recv.s->view(), p = args[0].s->view();
      if (!ChargeSteps(ctx, TextSteps(std::min(s.size(), p.size())))) return false;
      *out = Value::Bool(m == Method::kStartsWith ? s.starts_with(p) : s.ends_with(p));
      return true;
    }
    case Method::kIsIpv4:
    case Method::kIsIpv6:
    case Method::kIsLoopback:
    case Method::kIsMulticast:
      if (!need(recv, Kind::kIp, "an ip")) return false;
      *out = Value::Bool(m == Method::kIsIpv4   ? !recv.ip->v6
                         : m == Method::kIsIpv6 ? recv.ip->v6
                         : m == Method::kIsLoopback ? IpIsLoopback(*recv.ip)
                                                    : IpIsMulticast(*recv.ip));
      return true;
    case Method::kIsInRange:
      if (!need(recv, Kind::kIp, "an ip") || !need(args[0], Kind::kIp, "an ip argument")) {
        return false;
      }
      *out = Value::Bool(IpInRange(*recv.ip, *args[0].ip));
      return true;
    case Method::kOffset: {
      if (!need(recv, Kind::kDatetime, "a datetime") ||
          !need(args[0], Kind::kDuration, "a duration argument")) {
        return false;
      }
      int64_t r;
      if (__builtin_add_overflow(recv.i, args[0].i, &r)) return overflow();
      *out = Value::Datetime(r);
      return true;
    }
    case Method::kDurationSince: {
      if (!need(recv, Kind::kDatetime, "a datetime") ||
          !need(args[0], Kind::kDatetime, "a datetime argument")) {
        return false;
      }
      int64_t r;
      if (__builtin_sub_overflow(recv.i, args[0].i, &r)) return overflow();
      *out = Value::Duration(r);
      return true;
    }
    case Method::kToDate:
    case Method::kToTime: {
      if (!need(recv, Kind::kDatetime, "a datetime")) return false;
      int64_t rem = recv.i % 86400000;
      if (rem < 0) rem += 86400000;
      *out = m == Method::kToDate ? Value::Datetime(recv.i - rem) : Value::Duration(rem);
      return true;
    }
    case Method::kToDays:
    case Method::kToHours:
    case Method::kToMinutes:
    case Method::kToSeconds:
    case Method::kToMilliseconds: {
      if (!need(recv, Kind::kDuration, "a duration")) return false;
      static constexpr int64_t kDiv[] = {86400000, 3600000, 60000, 1000, 1};
      *out = Value::Int(recv.i / kDiv[static_cast<int>(m) - static_cast<int>(Method::kToDays)]);
      return true;
    }
    case Method::kLessThan:
    case Method::kLessThanOrEqual:
    case Method::kGreaterThan:
    case Method::kGreaterThanOrEqual: {
      if (!need(recv, Kind::kDecimal, "a decimal") ||
          !need(args[0], Kind::kDecimal, "a decimal argument")) {
        return false;
      }
      int64_t a = recv.i, b = args[0].i;
      *out = Value::Bool(m == Method::kLessThan          ? a < b
                         : m == Method::kLessThanOrEqual ? a <= b
                         : m == Method::kGreaterThan     ? a > b
                                                         : a >= b);
      return true;
    }
  }
  return TypeError(ctx, what(), "?", recv);
}

Value MakeSet(Arena* arena, const Value* items, uint32_t n) {
  Value* out = arena->AllocateArray<Value>(n);
  uint32_t k = 0;
  if (n <= kScanSetSize) {
    for (uint32_t i = 0; i < n; ++i) {
      bool dup = false;
      for (uint32_t j = 0; j < k && !dup; ++j) dup = Equal(out[j], items[i]);
      if (!dup) out[k++] = items[i];
    }
  } else {
    ValueIndex index(out, n);  // O(n) expected; a scan per element would be quadratic
    for (uint32_t i = 0; i < n; ++i) {
      out[k] = items[i];
      if (index.AddIfAbsent(k)) ++k;
    }
  }
  return Value::Set(arena->New<SetObj>(SetObj{k, out}));
}

Value MakeRecord(Arena* arena, const std::string_view* keys, const Value* values, uint32_t n) {
  Field* fields = arena->AllocateArray<Field>(n);
  uint32_t k = 0;
  if (n <= kScanSetSize) {
    // The few fields of a literal or a request object: insertion sort, no allocation.
    for (uint32_t i = 0; i < n; ++i) {
      // A repeated key keeps the last value.
      uint32_t pos = 0;
      while (pos < k && fields[pos].key < keys[i]) ++pos;
      if (pos < k && fields[pos].key == keys[i]) {
        fields[pos].value = values[i];
        continue;
      }
      for (uint32_t j = k; j > pos; --j) fields[j] = fields[j - 1];
      fields[pos] = Field{keys[i], values[i]};
      ++k;
    }
    return Value::Record(arena->New<RecObj>(RecObj{k, fields}));
  }
  // O(n log n): a stable sort keeps repeated keys in order, so the last value is kept.
  for (uint32_t i = 0; i < n; ++i) fields[i] = Field{keys[i], values[i]};
  auto by_key = [](const Field& a, const Field& b) { return a.key < b.key; };
  if (!std::is_sorted(fields, fields + n, by_key)) std::stable_sort(fields, fields + n, by_key);
  for (uint32_t i = 0; i < n; ++i) {
    if (k > 0 && fields[k - 1].key == fields[i].key) {
      fields[k - 1].value = fields[i].value;
    } else {
      fields[k++] = fields[i];
    }
  }
  return Value::Record(arena->New<RecObj>(RecObj{k, fields}));
}

}  // namespace arbiter::engine
