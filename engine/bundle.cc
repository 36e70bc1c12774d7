#include "engine/bundle.h"

#include <cstring>

#include "common/encoding.h"
#include "common/sha256.h"
#include "common/utf8.h"
#include "engine/compiler.h"
#include "engine/json_reader.h"
#include "engine/value_json.h"

namespace arbiter::engine {
namespace {

class Writer {
 public:
  void U8(uint8_t v) { out.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out.append(s);
  }
  void Val(const Value& v) {
    U8(static_cast<uint8_t>(v.kind));
    switch (v.kind) {
      case Kind::kBool: U8(v.b); break;
      case Kind::kInt:
      case Kind::kDecimal:
      case Kind::kDatetime:
      case Kind::kDuration: U64(static_cast<uint64_t>(v.i)); break;
      case Kind::kString: Str(v.s->view()); break;
      case Kind::kEntity: Str(v.ent->type); Str(v.ent->id); break;
      case Kind::kIp:
        U8(v.ip->v6);
        U8(v.ip->prefix);
        out.append(reinterpret_cast<const char*>(v.ip->addr), 16);
        break;
      case Kind::kSet:
        U32(v.set->size);
        for (uint32_t i = 0; i < v.set->size; ++i) Val(v.set->items[i]);
        break;
      case Kind::kRecord:
        U32(v.rec->size);
        for (uint32_t i = 0; i < v.rec->size; ++i) {
          Str(v.rec->fields[i].key);
          Val(v.rec->fields[i].value);
        }
        break;
    }
  }
  std::string out;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool failed() const { return failed_; }
  bool done() const { return pos_ == in_.size(); }
  const std::string& why() const { return why_; }

  uint8_t U8() {
    if (!Need(1)) return 0;
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in_[pos_++])) << (8 * i);
    return v;
  }
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_++])) << (8 * i);
    return v;
  }
  // Every string of a bundle is text (names, paths, constants, patterns) that reaches
  // decisions, ledger records and the disassembly: one that is not UTF-8 is damage.
  std::string_view Str() {
    uint32_t n = U32();
    if (!Need(n)) return {};
    std::string_view s = in_.substr(pos_, n);
    if (!IsValidUtf8(s)) {
      Fail("a string that is not UTF-8");
      return {};
    }
    pos_ += n;
    return s;
  }
  // A count of items that each take at least `min_bytes`: bounded by what is left.
  uint32_t Count(size_t min_bytes) {
    uint32_t n = U32();
    if (!failed_ && static_cast<uint64_t>(n) * min_bytes > in_.size() - pos_) Fail("count too large");
    return failed_ ? 0 : n;
  }
  Value Val(Arena* arena, int depth) {
    if (depth > 64) {
      Fail("constant nested too deeply");
      return {};
    }
    uint8_t kind = U8();
    switch (static_cast<Kind>(kind)) {
      case Kind::kBool: {
        uint8_t b = U8();
        if (b > 1) Fail("bad bool");
        return Value::Bool(b == 1);
      }
      case Kind::kInt:
      case Kind::kDecimal:
      case Kind::kDatetime:
      case Kind::kDuration: return Value::Scalar(static_cast<Kind>(kind), static_cast<int64_t>(U64()));
      case Kind::kString: return Value::String(MakeString(arena, Str()));
      case Kind::kEntity: {
        std::string_view type = Str();
        std::string_view id = Str();
        return Value::Entity(MakeEntityRef(arena, type, id));
      }
      case Kind::kIp: {
        IpObj ip{};
        ip.v6 = U8() != 0;
        ip.prefix = U8();
        if (!Need(16)) return {};
        std::memcpy(ip.addr, in_.data() + pos_, 16);
        pos_ += 16;
        if (ip.prefix > (ip.v6 ? 128 : 32)) Fail("bad ip prefix");
        return Value::Ip(arena->New<IpObj>(ip));
      }
      case Kind::kSet: {
        uint32_t n = Count(2);
        std::vector<Value> items;
        for (uint32_t i = 0; i < n && !failed_; ++i) items.push_back(Val(arena, depth + 1));
        return MakeSet(arena, items.data(), static_cast<uint32_t>(items.size()));
      }
      case Kind::kRecord: {
        uint32_t n = Count(6);
        std::vector<std::string_view> keys;
        std::vector<Value> values;
        for (uint32_t i = 0; i < n && !failed_; ++i) {
          keys.push_back(arena->CopyString(Str()));
          values.push_back(Val(arena, depth + 1));
        }
        return MakeRecord(arena, keys.data(), values.data(), static_cast<uint32_t>(keys.size()));
      }
    }
    Fail("unknown value kind " + std::to_string(kind));
    return {};
  }
  void Fail(std::string why) {
    if (!failed_) {
      failed_ = true;
      why_ = std::move(why) + " at payload offset " + std::to_string(pos_);
    }
  }

 private:
  bool Need(size_t n) {
    if (failed_) return false;
    if (in_.size() - pos_ < n) {
      Fail("unexpected end of payload");
      return false;
    }
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool failed_ = false;
  std::string why_;
};

void WriteCode(Writer& w, const CodeRange& c) {
  w.U32(c.begin);
  w.U32(c.end);
}

}  // namespace

std::string SerializeProgram(const Program& p) {
  Writer w;
  w.U32(static_cast<uint32_t>(p.strings.size()));
  for (const auto& s : p.strings) w.Str(s);
  w.U32(static_cast<uint32_t>(p.constants.size()));
  for (const auto& v : p.constants) w.Val(v);
  w.U32(static_cast<uint32_t>(p.pattern_texts.size()));
  for (const auto& s : p.pattern_texts) w.Str(s);
  w.U32(static_cast<uint32_t>(p.shapes.size()));
  for (const auto& shape : p.shapes) {
    w.U32(static_cast<uint32_t>(shape.size()));
    for (uint32_t k : shape) w.U32(k);
  }
  w.U32(static_cast<uint32_t>(p.code.size()));
  for (uint32_t word : p.code) w.U32(word);
  w.U32(static_cast<uint32_t>(p.rules.size()));
  for (const RuleMeta& r : p.rules) {
    w.Str(r.qualified_id);
    w.Str(r.id);
    w.Str(r.package);
    w.U8(static_cast<uint8_t>(r.effect));
    w.U8(r.fail_closed);
    w.U8(r.reason.has_value());
    w.Str(r.reason.value_or(""));
    w.U32(static_cast<uint32_t>(r.annotations.size()));
    for (const auto& [k, v] : r.annotations) {
      w.Str(k);
      w.Str(v);
    }
    w.Str(r.file);
    w.U32(r.line);
    w.U32(r.column);
    w.U32(r.num_locals);
    WriteCode(w, r.code);
    w.U32(static_cast<uint32_t>(r.obligations.size()));
    for (const ObligationMeta& o : r.obligations) {
      w.Str(o.name);
      w.U8(o.advice);
      w.U8(o.has_payload);
      WriteCode(w, o.code);
      w.U8(o.constant.has_value());
      w.Str(o.constant.value_or(""));
    }
    w.U32(static_cast<uint32_t>(r.conjuncts.size()));
    for (const ConjunctMeta& c : r.conjuncts) {
      w.U32(c.line);
      w.Str(c.text);
    }
    const IndexKey& k = r.index_key;
    w.Str(k.action);
    w.Str(k.subject_type);
    w.Str(k.resource_type);
    w.U32(static_cast<uint32_t>(k.attr_var));
    w.Str(k.attr_name);
    w.U32(static_cast<uint32_t>(k.attr_const));
    w.U32(k.covered);
    w.U32(r.fast_entry);
  }
  w.U32(static_cast<uint32_t>(p.sources.size()));
  for (const SourceDigest& s : p.sources) {
    w.Str(s.path);
    w.Str(s.sha256);
  }

  Writer header;
  header.out.append(kBundleMagic);
  header.U32(kBundleVersion);
  header.U32(0);  // flags: none defined yet (signing will use one)
  header.U64(w.out.size());
  std::string bundle = std::move(header.out);
  bundle += w.out;
  Sha256Digest d = Sha256Of(bundle);
  bundle.append(reinterpret_cast<const char*>(d.data()), d.size());
  return bundle;
}

Result<std::shared_ptr<Program>> DeserializeProgram(std::string_view bytes) {
  if (bytes.size() < kBundleHeaderSize || bytes.substr(0, 8) != kBundleMagic) {
    return Status::Corruption("not an Arbiter bundle (bad magic)");
  }
  Reader header(bytes.substr(8, kBundleHeaderSize - 8));
  uint32_t version = header.U32();
  uint32_t flags = header.U32();
  uint64_t payload_size = header.U64();
  if (version > kBundleVersion) {
    return Status::Unsupported("bundle format version " + std::to_string(version) +
                               " is newer than this arbiter supports (" +
                               std::to_string(kBundleVersion) + ")");
  }
  if (version == 0) return Status::Corruption("bundle format version 0 is invalid");
  if (flags != 0) return Status::Unsupported("bundle uses unknown flags " + std::to_string(flags));
  if (bytes.size() < kBundleHeaderSize + kBundleDigestSize ||
      payload_size != bytes.size() - kBundleHeaderSize - kBundleDigestSize) {
    return Status::Corruption("bundle is truncated or has trailing bytes: header says " +
                              std::to_string(payload_size) + " payload bytes, file has " +
                              std::to_string(bytes.size()) + " bytes in all");
  }
  std::string_view body = bytes.substr(0, bytes.size() - kBundleDigestSize);
  Sha256Digest d = Sha256Of(body);
  if (std::memcmp(d.data(), bytes.data() + body.size(), kBundleDigestSize) != 0) {
    return Status::Corruption("bundle digest mismatch: the bundle is damaged");
  }
  auto p = std::make_shared<Program>();
  Reader r(body.substr(kBundleHeaderSize));
  uint32_t n = r.Count(4);
  for (uint32_t i = 0; i < n; ++i) p->strings.emplace_back(r.Str());
  n = r.Count(2);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) p->constants.push_back(r.Val(&p->arena, 0));
  n = r.Count(4);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    p->pattern_texts.emplace_back(r.Str());
    p->patterns.push_back(CompileLike(p->pattern_texts.back(), &p->arena));
  }
  n = r.Count(4);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    uint32_t k = r.Count(4);
    std::vector<uint32_t> shape;
    for (uint32_t j = 0; j < k; ++j) {
      uint32_t s = r.U32();
      if (s >= p->strings.size()) r.Fail("shape key out of range");
      shape.push_back(s);
    }
    p->shapes.push_back(std::move(shape));
  }
  n = r.Count(4);
  p->code.reserve(n);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) p->code.push_back(r.U32());
  n = r.Count(40);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    RuleMeta m;
    m.qualified_id = r.Str();
    m.id = r.Str();
    m.package = r.Str();
    uint8_t effect = r.U8();
    if (effect > 1) r.Fail("bad rule effect");
    m.effect = static_cast<RuleEffect>(effect);
    m.fail_closed = r.U8() != 0;
    bool has_reason = r.U8() != 0;
    std::string reason(r.Str());
    if (has_reason) m.reason = std::move(reason);
    uint32_t na = r.Count(8);
    for (uint32_t k = 0; k < na; ++k) {
      std::string key(r.Str());
      m.annotations.emplace_back(std::move(key), std::string(r.Str()));
    }
    m.file = r.Str();
    m.line = r.U32();
    m.column = r.U32();
    m.num_locals = r.U32();
    m.code.begin = r.U32();
    m.code.end = r.U32();
    uint32_t no = r.Count(16);
    for (uint32_t k = 0; k < no && !r.failed(); ++k) {
      ObligationMeta o;
      o.name = r.Str();
      o.advice = r.U8() != 0;
      o.has_payload = r.U8() != 0;
      o.code.begin = r.U32();
      o.code.end = r.U32();
      bool has_const = r.U8() != 0;
      std::string c(r.Str());
      // Decisions copy the constant into their JSON as it is: it must be JSON.
      if (has_const && !r.failed() && !ParseJson(c, "obligation").ok()) {
        r.Fail("obligation payload constant is not JSON");
      }
      if (has_const) o.constant = std::move(c);
      m.obligations.push_back(std::move(o));
    }
    uint32_t nc = r.Count(8);
    for (uint32_t k = 0; k < nc && !r.failed(); ++k) {
      ConjunctMeta c;
      c.line = r.U32();
      c.text = r.Str();
      m.conjuncts.push_back(std::move(c));
    }
    m.index_key.action = r.Str();
    m.index_key.subject_type = r.Str();
    m.index_key.resource_type = r.Str();
    m.index_key.attr_var = static_cast<int32_t>(r.U32());
    m.index_key.attr_name = r.Str();
    m.index_key.attr_const = static_cast<int32_t>(r.U32());
    m.index_key.covered = r.U32();
    m.fast_entry = r.U32();
    p->rules.push_back(std::move(m));
  }
  n = r.Count(8);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    SourceDigest s;
    s.path = r.Str();
    s.sha256 = r.Str();
    p->sources.push_back(std::move(s));
  }
  if (!r.failed() && !r.done()) r.Fail("unexpected bytes after the last section");
  if (r.failed()) return Status::Corruption("bundle payload is malformed: " + r.why());
  ARBITER_RETURN_IF_ERROR(VerifyProgram(p.get()));
  p->bundle.assign(bytes);
  ARBITER_RETURN_IF_ERROR(FinishProgram(p.get(), /*serialize=*/false));
  return p;
}

Status FinishProgram(Program* p, bool serialize) {
  p->string_views.assign(p->strings.begin(), p->strings.end());
  p->shape_views.clear();
  for (const auto& shape : p->shapes) {
    std::vector<std::string_view> keys;
    for (uint32_t k : shape) keys.push_back(p->strings[k]);
    p->shape_views.push_back(std::move(keys));
  }
  std::vector<IndexKey> keys;
  p->rule_infos.clear();
  p->rule_controls.clear();
  p->rule_by_id.clear();
  for (const RuleMeta& r : p->rules) {
    Status key = CheckIndexKey(r.index_key, p->constants);
    if (!key.ok()) {
      return Status::Corruption("rule " + r.qualified_id + ": index key: " + key.message());
    }
    keys.push_back(r.index_key);
    p->rule_infos.push_back(RuleInfo{r.qualified_id,
                                     r.effect == RuleEffect::kPermit ? "permit" : "forbid",
                                     r.annotations, r.reason, r.file, r.line});
    std::vector<std::string> controls;
    for (const auto& [key, value] : r.annotations) {
      if (key == "control") controls.push_back(value);
    }
    p->rule_controls.push_back(std::move(controls));
    p->rule_by_id.emplace(r.qualified_id, static_cast<uint32_t>(p->rule_controls.size() - 1));
  }
  p->index.Build(keys, p->constants);
  if (serialize) p->bundle = SerializeProgram(*p);
  p->digest = "sha256:" + HexEncode(AsBytes(std::string_view(p->bundle).substr(p->bundle.size() - kBundleDigestSize)));
  return Status::Ok();
}

}  // namespace arbiter::engine
