#include "engine/value_json.h"

#include <charconv>
#include <vector>

#include "engine/builtins.h"
#include "engine/extensions.h"

namespace arbiter::engine {

const StrObj* MakeString(Arena* arena, std::string_view s) {
  std::string_view copy = arena->CopyString(s);
  return arena->New<StrObj>(StrObj{copy.data(), static_cast<uint32_t>(copy.size())});
}

const EntityObj* MakeEntityRef(Arena* arena, std::string_view type, std::string_view id) {
  std::string_view t = arena->CopyString(type), i = arena->CopyString(id);
  return arena->New<EntityObj>(EntityObj{t, i, EntityHash(t, i), nullptr, nullptr, false});
}

namespace {
Status Bad(const JsonSource& src, uint32_t offset, std::string what) {
  return Status::InvalidArgument(src.At(offset) + ": " + what);
}
}  // namespace

Result<const EntityObj*> JsonToEntityRef(const JsonNode& node, Arena* arena,
                                         const JsonSource& src) {
  const JsonNode* n = &node;
  if (n->type == JsonNode::kObject) {
    if (const JsonNode* inner = n->Get("__entity")) n = inner;
  }
  if (n->type != JsonNode::kObject) {
    return Bad(src, n->offset, "expected an entity reference {\"type\": ..., \"id\": ...}, got " +
                                   std::string(n->TypeName()));
  }
  const JsonNode* type = n->Get("type");
  const JsonNode* id = n->Get("id");
  if (!type || type->type != JsonNode::kString || type->text.empty()) {
    return Bad(src, n->offset, "entity reference needs a non-empty string \"type\"");
  }
  if (!id || id->type != JsonNode::kString) {
    return Bad(src, n->offset, "entity reference needs a string \"id\"");
  }
  for (const std::string& key : n->keys) {
    if (key != "type" && key != "id") {
      return Bad(src, n->offset, "unexpected key \"" + key + "\" in entity reference");
    }
  }
  return MakeEntityRef(arena, type->text, id->text);
}

Result<Value> JsonToValue(const JsonNode& node, Arena* arena, const JsonSource& src) {
  switch (node.type) {
    case JsonNode::kNull:
      return Bad(src, node.offset, "null is not a value (leave the attribute out instead)");
    case JsonNode::kBool: return Value::Bool(node.boolean);
    case JsonNode::kString: return Value::String(MakeString(arena, node.text));
    case JsonNode::kNumber: {
      const std::string& t = node.text;
      if (t.find_first_of("eE") != std::string::npos) {
        return Bad(src, node.offset, "numbers with an exponent are not supported: " + t);
      }
      if (t.find('.') != std::string::npos) {
        auto d = ParseDecimal(t);
        if (!d) {
          return Bad(src, node.offset,
                     "decimal " + t + " has more than 4 fraction digits or is out of range");
        }
        return Value::Decimal(*d);
      }
      int64_t v;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec != std::errc() || p != t.data() + t.size()) {
        return Bad(src, node.offset, "integer " + t + " is out of the 64-bit range");
      }
      return Value::Int(v);
    }
    case JsonNode::kArray: {
      std::vector<Value> items;
      items.reserve(node.items.size());
      for (const JsonNode& item : node.items) {
        ARBITER_ASSIGN_OR_RETURN(Value v, JsonToValue(item, arena, src));
        items.push_back(v);
      }
      return MakeSet(arena, items.data(), static_cast<uint32_t>(items.size()));
    }
    case JsonNode::kObject: {
      if (node.keys.size() == 1 && node.keys[0] == "__entity") {
        ARBITER_ASSIGN_OR_RETURN(const EntityObj* e, JsonToEntityRef(node, arena, src));
        return Value::Entity(e);
      }
      if (node.keys.size() == 1 && node.keys[0] == "__extn") {
        const JsonNode& x = node.items[0];
        const JsonNode* fn = x.type == JsonNode::kObject ? x.Get("fn") : nullptr;
        const JsonNode* arg = x.type == JsonNode::kObject ? x.Get("arg") : nullptr;
        if (!fn || fn->type != JsonNode::kString || !arg || arg->type != JsonNode::kString) {
          return Bad(src, x.offset, "__extn needs string \"fn\" and \"arg\"");
        }
        auto f = FnByName(fn->text);
        if (!f) return Bad(src, fn->offset, "unknown extension function \"" + fn->text + "\"");
        EvalError err;
        EvalContext ctx{&EmptyStore(), arena, &err};
        Value out;
        if (!OpCallFn(ctx, *f, Value::String(MakeString(arena, arg->text)), &out)) {
          return Bad(src, arg->offset, err.message);
        }
        return out;
      }
      std::vector<std::string_view> keys;
      std::vector<Value> values;
      for (size_t i = 0; i < node.keys.size(); ++i) {
        keys.push_back(arena->CopyString(node.keys[i]));
        ARBITER_ASSIGN_OR_RETURN(Value v, JsonToValue(node.items[i], arena, src));
        values.push_back(v);
      }
      return MakeRecord(arena, keys.data(), values.data(), static_cast<uint32_t>(keys.size()));
    }
  }
  return Bad(src, node.offset, "unsupported JSON value");
}

namespace {
void AppendExtn(std::string* out, std::string_view fn, const std::string& arg) {
  *out += "{\"__extn\":{\"fn\":\"";
  *out += fn;
  *out += "\",\"arg\":";
  AppendJsonString(out, arg);
  *out += "}}";
}
}  // namespace

void AppendValueJson(std::string* out, const Value& v) {
  switch (v.kind) {
    case Kind::kBool: *out += v.b ? "true" : "false"; return;
    case Kind::kInt: *out += std::to_string(v.i); return;
    case Kind::kString: AppendJsonString(out, v.s->view()); return;
    case Kind::kDecimal: *out += FormatDecimal(v.i); return;
    case Kind::kIp: AppendExtn(out, "ip", FormatIp(*v.ip)); return;
    case Kind::kDatetime: AppendExtn(out, "datetime", FormatDatetime(v.i)); return;
    case Kind::kDuration: AppendExtn(out, "duration", FormatDuration(v.i)); return;
    case Kind::kEntity:
      *out += "{\"__entity\":{\"type\":";
      AppendJsonString(out, v.ent->type);
      *out += ",\"id\":";
      AppendJsonString(out, v.ent->id);
      *out += "}}";
      return;
    case Kind::kSet:
      out->push_back('[');
      for (uint32_t i = 0; i < v.set->size; ++i) {
        if (i) out->push_back(',');
        AppendValueJson(out, v.set->items[i]);
      }
      out->push_back(']');
      return;
    case Kind::kRecord:
      out->push_back('{');
      for (uint32_t i = 0; i < v.rec->size; ++i) {
        if (i) out->push_back(',');
        AppendJsonString(out, v.rec->fields[i].key);
        out->push_back(':');
        AppendValueJson(out, v.rec->fields[i].value);
      }
      out->push_back('}');
      return;
  }
}

}  // namespace arbiter::engine
