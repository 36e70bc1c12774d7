// Values to and from JSON, as spec/data-format.md describes: integers exact, numbers with a
// fraction are decimals, arrays are sets, objects are records, and the escapes
// {"__entity":{"type","id"}} and {"__extn":{"fn","arg"}}.
#pragma once

#include "common/json_string.h"

#include <string>
#include <string_view>

#include <arbiter/status.h>

#include "engine/arena.h"
#include "engine/json_reader.h"
#include "engine/value.h"

namespace arbiter::engine {

// Where a JSON document came from, for error positions.
struct JsonSource {
  std::string_view file;
  std::string_view text;
  std::string At(uint32_t offset) const { return JsonPosition(file, text, offset); }
};

Result<Value> JsonToValue(const JsonNode& node, Arena* arena, const JsonSource& src);
// {"type": T, "id": I} or {"__entity": {...}}; the entity is unresolved.
Result<const EntityObj*> JsonToEntityRef(const JsonNode& node, Arena* arena,
                                         const JsonSource& src);
const EntityObj* MakeEntityRef(Arena* arena, std::string_view type, std::string_view id);
const StrObj* MakeString(Arena* arena, std::string_view s);

using arbiter::AppendJsonString;  // common/json_string.h
// Records print with keys in sorted order; sets in their order.
void AppendValueJson(std::string* out, const Value& v);

}  // namespace arbiter::engine
