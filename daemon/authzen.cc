#include "daemon/authzen.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "common/json_string.h"
#include "engine/request_parts.h"

namespace arbiter::daemon {

using engine::JsonNode;

namespace {

// "a number", "an object", "null": what a message says a value is.
std::string_view Kind(const JsonNode& node) {
  switch (node.type) {
    case JsonNode::kNull: return "null";
    case JsonNode::kBool: return "a boolean";
    case JsonNode::kNumber: return "a number";
    case JsonNode::kString: return "a string";
    case JsonNode::kArray: return "an array";
    case JsonNode::kObject: return "an object";
  }
  return "a value";
}

// The JSON path of `member` (and `field` of it) in the item at `index`, or at the top level.
std::string Path(std::optional<size_t> index, std::string_view member,
                 std::string_view field = {}) {
  std::string path = index ? fmt::format("evaluations[{}].{}", *index, member)
                           : std::string(member);
  if (!field.empty()) {
    path += '.';
    path += field;
  }
  return path;
}

// The members named `names` of an object, found in one pass over its keys (the hot path
// reads every request through here). Returns whether the object holds any other member.
template <size_t N>
bool FindMembers(const JsonNode& node, const std::array<std::string_view, N>& names,
                 std::array<const JsonNode*, N>* found) {
  found->fill(nullptr);
  bool others = false;
  for (size_t k = 0; k < node.keys.size(); ++k) {
    std::string_view key = node.keys[k];
    size_t i = 0;
    while (i < N && key != names[i]) ++i;
    if (i < N) {
      (*found)[i] = &node.items[k];
    } else {
      others = true;
    }
  }
  return others;
}

// Checks subject/resource ({"type","id"}) or action ({"name"}) found in the item
// (`from_item`) or the defaults: present, an object, its required members non-empty strings,
// its properties (when given) an object. *others: whether it holds members AuthZEN does not
// define.
bool CheckEntity(const JsonNode* node, bool from_item, std::optional<size_t> index,
                 std::string_view name, bool action, bool* others, std::string* error) {
  std::optional<size_t> at = from_item ? index : std::nullopt;
  if (node == nullptr) {
    *error = Path(std::nullopt, name) + " is required";
    return false;
  }
  if (node->type != JsonNode::kObject) {
    *error = fmt::format("{} must be an object, not {}", Path(at, name), Kind(*node));
    return false;
  }
  // Required members first, then "properties".
  static constexpr std::array<std::string_view, 3> kEntity = {"type", "id", "properties"};
  static constexpr std::array<std::string_view, 2> kAction = {"name", "properties"};
  std::array<const JsonNode*, 3> found{};
  if (action) {
    std::array<const JsonNode*, 2> members;
    *others = FindMembers(*node, kAction, &members);
    found = {members[0], nullptr, members[1]};
  } else {
    *others = FindMembers(*node, kEntity, &found);
  }
  const JsonNode* props = found[2];
  size_t required = action ? 1 : 2;
  for (size_t i = 0; i < required; ++i) {
    std::string_view field = action ? kAction[i] : kEntity[i];
    const JsonNode* value = found[i];
    if (value == nullptr) {
      *error = Path(at, name, field) + " is required";
      return false;
    }
    if (value->type != JsonNode::kString) {
      *error = fmt::format("{} must be a string, not {}", Path(at, name, field), Kind(*value));
      return false;
    }
    if (value->text.empty()) {
      *error = Path(at, name, field) + " must not be empty";
      return false;
    }
  }
  if (props != nullptr && props->type != JsonNode::kObject) {
    *error = fmt::format("{} must be an object, not {}", Path(at, name, "properties"),
                         Kind(*props));
    return false;
  }
  return true;
}

// JSON text of a node as read: strings re-escaped, numbers with their text as sent.
void AppendNode(const JsonNode& node, std::string* out) {
  switch (node.type) {
    case JsonNode::kNull: *out += "null"; return;
    case JsonNode::kBool: *out += node.boolean ? "true" : "false"; return;
    case JsonNode::kNumber: *out += node.text; return;
    case JsonNode::kString: AppendJsonString(out, node.text); return;
    case JsonNode::kArray:
      out->push_back('[');
      for (size_t i = 0; i < node.items.size(); ++i) {
        if (i) out->push_back(',');
        AppendNode(node.items[i], out);
      }
      out->push_back(']');
      return;
    case JsonNode::kObject:
      out->push_back('{');
      for (size_t i = 0; i < node.items.size(); ++i) {
        if (i) out->push_back(',');
        AppendJsonString(out, node.keys[i]);
        out->push_back(':');
        AppendNode(node.items[i], out);
      }
      out->push_back('}');
      return;
  }
}

// {"type":..,"id":..,"properties":..} of an entity (or {"name":..} of the action) as read.
void AppendEntity(const JsonNode& node, std::initializer_list<std::string_view> fields,
                  std::string* out) {
  out->push_back('{');
  bool first = true;
  for (std::string_view field : fields) {
    const JsonNode* value = node.Get(field);
    if (value == nullptr) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, field);
    out->push_back(':');
    AppendNode(*value, out);
  }
  out->push_back('}');
}

}  // namespace

bool ReadEvaluation(const JsonNode& item, const JsonNode* defaults, std::optional<size_t> index,
                    EvaluationRequest* out, std::string* error) {
  if (item.type != JsonNode::kObject) {
    *error = index ? fmt::format("evaluations[{}] must be an object, not {}", *index, Kind(item))
                   : fmt::format("the request must be a JSON object, not {}", Kind(item));
    return false;
  }
  static constexpr std::array<std::string_view, 4> kParts = {"subject", "action", "resource",
                                                              "context"};
  std::array<const JsonNode*, 4> parts;
  bool others = FindMembers(item, kParts, &parts);
  std::array<bool, 4> in_item;
  for (size_t i = 0; i < parts.size(); ++i) {
    in_item[i] = parts[i] != nullptr;
    if (!in_item[i] && defaults != nullptr) parts[i] = defaults->Get(kParts[i]);
  }
  out->subject = parts[0];
  out->action = parts[1];
  out->resource = parts[2];
  out->context = parts[3];
  bool subject_others = false, action_others = false, resource_others = false;
  if (!CheckEntity(out->subject, in_item[0], index, "subject", false, &subject_others, error) ||
      !CheckEntity(out->action, in_item[1], index, "action", true, &action_others, error) ||
      !CheckEntity(out->resource, in_item[2], index, "resource", false, &resource_others,
                   error)) {
    return false;
  }
  if (out->context != nullptr && out->context->type != JsonNode::kObject) {
    *error = fmt::format("{} must be an object, not {}",
                         Path(in_item[3] ? index : std::nullopt, "context"),
                         Kind(*out->context));
    return false;
  }
  out->exact = defaults == nullptr && !others && !subject_others && !action_others &&
               !resource_others;
  return true;
}

void AppendEvaluationJson(const EvaluationRequest& request, std::string* out) {
  *out += "{\"subject\":";
  AppendEntity(*request.subject, {"type", "id", "properties"}, out);
  *out += ",\"action\":";
  AppendEntity(*request.action, {"name", "properties"}, out);
  *out += ",\"resource\":";
  AppendEntity(*request.resource, {"type", "id", "properties"}, out);
  if (request.context != nullptr) {
    *out += ",\"context\":";
    AppendNode(*request.context, out);
  }
  out->push_back('}');
}

bool ReadEvaluationRequest(std::string_view body, const JsonNode& item, const JsonNode* defaults,
                           std::optional<size_t> index, Request* request,
                           std::string_view* text, std::string* buffer, std::string* error) {
  EvaluationRequest read;
  if (!ReadEvaluation(item, defaults, index, &read, error)) return false;
  auto made = engine::RequestFromJsonParts(engine::JsonSource{"body", body}, *read.subject,
                                           *read.action, *read.resource, read.context);
  if (!made.ok()) {
    *error = made.status().message();
    return false;
  }
  *request = std::move(made).value();
  if (read.exact) {
    *text = body;
  } else {
    buffer->clear();
    AppendEvaluationJson(read, buffer);
    *text = *buffer;
  }
  return true;
}

std::optional<EvaluationsPlan> PlanEvaluations(const JsonNode& body, std::string* error) {
  if (body.type != JsonNode::kObject) {
    *error = fmt::format("the request must be a JSON object, not {}", Kind(body));
    return std::nullopt;
  }
  EvaluationsPlan plan;
  if (const JsonNode* options = body.Get("options")) {
    if (options->type != JsonNode::kObject) {
      *error = fmt::format("options must be an object, not {}", Kind(*options));
      return std::nullopt;
    }
    if (const JsonNode* sem = options->Get("evaluations_semantic")) {
      bool is_string = sem->type == JsonNode::kString;
      if (is_string && sem->text == "execute_all") {
        plan.semantic = EvaluationsSemantic::kExecuteAll;
      } else if (is_string && sem->text == "deny_on_first_deny") {
        plan.semantic = EvaluationsSemantic::kDenyOnFirstDeny;
      } else if (is_string && sem->text == "permit_on_first_permit") {
        plan.semantic = EvaluationsSemantic::kPermitOnFirstPermit;
      } else {
        std::string what;
        if (is_string) {
          AppendJsonString(&what, sem->text);
        } else {
          what = Kind(*sem);
        }
        *error = fmt::format(
            "options.evaluations_semantic must be execute_all, deny_on_first_deny or "
            "permit_on_first_permit, not {}",
            what);
        return std::nullopt;
      }
    }
  }
  const JsonNode* evaluations = body.Get("evaluations");
  if (evaluations == nullptr ||
      (evaluations->type == JsonNode::kArray && evaluations->items.empty())) {
    plan.single = true;
    return plan;
  }
  if (evaluations->type != JsonNode::kArray) {
    *error = fmt::format("evaluations must be an array, not {}", Kind(*evaluations));
    return std::nullopt;
  }
  plan.items.reserve(evaluations->items.size());
  for (const JsonNode& item : evaluations->items) plan.items.push_back(&item);
  return plan;
}

bool StopsAfter(EvaluationsSemantic semantic, bool allowed) {
  switch (semantic) {
    case EvaluationsSemantic::kExecuteAll:
      return false;
    case EvaluationsSemantic::kDenyOnFirstDeny:
      return !allowed;
    case EvaluationsSemantic::kPermitOnFirstPermit:
      return allowed;
  }
  return false;
}

std::optional<std::string> ParsePublicUrl(std::string_view url, std::string* error) {
  auto bad = [&](std::string_view why) {
    *error = fmt::format("--public-url '{}': {}", url, why);
    return std::nullopt;
  };
  for (char c : url) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return bad("must not contain spaces or control characters");
    }
  }
  size_t colon = url.find("://");
  if (colon == std::string_view::npos) {
    return bad("must be an absolute http or https URL, e.g. https://pdp.example.com[:PORT][/PATH]");
  }
  std::string scheme(url.substr(0, colon));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https") {
    return bad(fmt::format("the scheme must be http or https, not '{}'", url.substr(0, colon)));
  }
  if (url.find('?') != std::string_view::npos) {
    return bad("must not have a query ('?'): AuthZEN's policy_decision_point has none");
  }
  if (url.find('#') != std::string_view::npos) {
    return bad("must not have a fragment ('#'): AuthZEN's policy_decision_point has none");
  }
  std::string_view rest = url.substr(colon + 3);
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(authority.size());
  if (authority.find('@') != std::string_view::npos) {
    return bad("must not hold credentials (user@host)");
  }
  // host, [v6 address] or either with :port
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed '[' in its host");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("has text after its bracketed host");
      port = after.substr(1);
      if (port.empty()) return bad("has an empty port");
    }
  } else if (size_t c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
    if (port.empty()) return bad("has an empty port");
  }
  if (host.empty() || host == "[]") return bad("has no host");
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(port)) > 65535) {
      return bad(fmt::format("has a bad port '{}'", port));
    }
  }
  while (path.ends_with('/')) path.remove_suffix(1);
  return scheme + "://" + std::string(authority) + std::string(path);
}

std::string JoinUrl(std::string_view base, std::string_view path) {
  while (base.ends_with('/')) base.remove_suffix(1);
  while (path.starts_with('/')) path.remove_prefix(1);
  std::string out(base);
  out += '/';
  out += path;
  return out;
}

std::string AuthZenMetadataJson(std::string_view base_url) {
  std::string base(base_url);
  while (base.ends_with('/')) base.pop_back();
  std::string out = "{\"policy_decision_point\":";
  AppendJsonString(&out, base);
  out += ",\"access_evaluation_endpoint\":";
  AppendJsonString(&out, JoinUrl(base, "/access/v1/evaluation"));
  out += ",\"access_evaluations_endpoint\":";
  AppendJsonString(&out, JoinUrl(base, "/access/v1/evaluations"));
  out += '}';
  return out;
}

}  // namespace arbiter::daemon
