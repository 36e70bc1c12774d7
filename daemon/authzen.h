// AuthZEN Authorization API 1.0 request handling that needs no engine state: the one reading
// of an evaluation request that /access/v1/evaluation, every item of /access/v1/evaluations
// and /v1/decide share (shape checks naming the JSON path, members AuthZEN does not define
// ignored), the batch's plan (defaults, items, the three evaluations_semantic options), and
// the metadata document with its public base URL.
#pragma once

#include <arbiter/request.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json_reader.h"

namespace arbiter::daemon {

// One evaluation request as read: the members AuthZEN defines, as nodes of the body's tree
// (engine/json_reader.h). Members it does not define are not here: AuthZEN 1.0 says receivers
// MUST ignore unknown members, so they are neither read nor recorded.
struct EvaluationRequest {
  const engine::JsonNode* subject = nullptr;   // {"type","id","properties"?}
  const engine::JsonNode* action = nullptr;    // {"name","properties"?}
  const engine::JsonNode* resource = nullptr;  // {"type","id","properties"?}
  const engine::JsonNode* context = nullptr;   // an object, or null: none
  // The body is exactly this request: one object holding these members and nothing else,
  // each holding only the members AuthZEN defines. Its text is then the request as read.
  bool exact = false;
};

// Reads one evaluation request from `item`: the body itself (`index` empty, `defaults` null)
// or the item at `index` of a batch's evaluations array, whose members subject, action,
// resource and context, when the item leaves them out, come from `defaults` (the batch body).
// Checks the members AuthZEN requires: subject, action and resource are objects; subject.type,
// subject.id, action.name, resource.type and resource.id non-empty strings; properties and
// context objects. False with *error naming the member at fault by its JSON path
// ("subject.id must be a string, not a number", "evaluations[2].resource is required" when the
// item gave it, "resource is required" when neither gave it). Allocates only for an error.
bool ReadEvaluation(const engine::JsonNode& item, const engine::JsonNode* defaults,
                    std::optional<size_t> index, EvaluationRequest* out, std::string* error);

// Appends the request as read as JSON text (what the ledger records of it): the four members
// with their known members, values exactly as sent (numbers keep their text).
void AppendEvaluationJson(const EvaluationRequest& request, std::string* out);

// The one reading of an evaluation request in `body` (whose tree holds `item` and
// `defaults`): ReadEvaluation, then the engine's request, whose values follow
// spec/data-format.md (an error names its position: "body:LINE:COL: ..."). *text is the
// request as read, for the record: `body` itself when it is exact, else *buffer. False with
// *error (the message of a 400) when the request cannot be decided.
bool ReadEvaluationRequest(std::string_view body, const engine::JsonNode& item,
                           const engine::JsonNode* defaults, std::optional<size_t> index,
                           Request* request, std::string_view* text, std::string* buffer,
                           std::string* error);

enum class EvaluationsSemantic { kExecuteAll, kDenyOnFirstDeny, kPermitOnFirstPermit };

struct EvaluationsPlan {
  // The items of the evaluations array, in request order (nodes of the body's tree; each is
  // read with ReadEvaluation, the body as defaults). `single`: the body had no evaluations
  // member, or an empty array, and is answered as one evaluation (AuthZEN 1.0, "The Access
  // Evaluations API Request").
  std::vector<const engine::JsonNode*> items;
  bool single = false;
  EvaluationsSemantic semantic = EvaluationsSemantic::kExecuteAll;
};

// Reads an /access/v1/evaluations body. nullopt with *error set when the body itself is
// unusable (not an object, evaluations not an array, options not an object, an unknown
// semantic). Members of the body and of options that AuthZEN does not define are ignored.
std::optional<EvaluationsPlan> PlanEvaluations(const engine::JsonNode& body, std::string* error);

// Whether to stop after an item with this decision under `semantic`.
bool StopsAfter(EvaluationsSemantic semantic, bool allowed);

// A public base URL (`arbiter serve --public-url`): http or https, a host (and port), an
// optional path, no credentials, query or fragment, no spaces or control characters. Returns
// it with the scheme in lower case and without trailing slashes; nullopt with *error saying
// what is wrong.
std::optional<std::string> ParsePublicUrl(std::string_view url, std::string* error);

// `base` + "/" + `path` with exactly one slash between them.
std::string JoinUrl(std::string_view base, std::string_view path);

// The metadata document of /.well-known/authzen-configuration (AuthZEN 1.0, "Policy Decision
// Point Metadata") for a base URL: policy_decision_point and the two evaluation endpoints
// below it. The search endpoints are not offered, so they are left out.
std::string AuthZenMetadataJson(std::string_view base_url);

}  // namespace arbiter::daemon
