// A Request from the members of a JSON document the one reader (engine/json_reader.h) has
// already read, for callers that read the document's shape themselves: the daemon's AuthZEN
// endpoints, which take subject, action, resource and context from a body or from a batch's
// items and defaults, and ignore members AuthZEN does not define.
#pragma once

#include <arbiter/request.h>
#include <arbiter/status.h>

#include "engine/json_reader.h"
#include "engine/value_json.h"

namespace arbiter::engine {

// `subject` and `resource`: objects with a non-empty string "type", a string "id" and an
// optional object "properties"; `action`: an object with a non-empty string "name" and an
// optional "properties"; `context` (null: none, {}) an object. Their other members are not
// looked at. Values are read as spec/data-format.md says (integers exact, fractions as
// decimals, no exponents, no null); errors are InvalidArgument naming their position in `src`.
// The nodes must be parts of `src`'s tree.
Result<Request> RequestFromJsonParts(const JsonSource& src, const JsonNode& subject,
                                     const JsonNode& action, const JsonNode& resource,
                                     const JsonNode* context);

}  // namespace arbiter::engine
