#include <arbiter/request.h>

#include "engine/builtins.h"
#include "engine/json_reader.h"
#include "engine/request_impl.h"
#include "engine/request_parts.h"
#include "engine/value_json.h"

namespace arbiter {

namespace engine {

// The one way to make a Request from a RequestImpl (a friend of Request).
struct RequestAccess {
  static Request Wrap(std::shared_ptr<const RequestImpl> impl) {
    Request r;
    r.impl_ = std::move(impl);
    return r;
  }
};

}  // namespace engine

namespace {

using engine::EntityObj;
using engine::JsonNode;
using engine::JsonSource;

Status Bad(const JsonSource& src, uint32_t offset, const std::string& what) {
  return Status::InvalidArgument(src.At(offset) + ": " + what);
}

Status CheckKeys(const JsonNode& node, const JsonSource& src,
                 std::initializer_list<std::string_view> allowed, std::string_view what) {
  for (size_t k = 0; k < node.keys.size(); ++k) {
    bool ok = false;
    for (auto a : allowed) ok = ok || node.keys[k] == a;
    if (!ok) {
      return Bad(src, node.key_offsets[k],
                 "unexpected key \"" + node.keys[k] + "\" in " + std::string(what));
    }
  }
  return Status::Ok();
}

Result<const engine::RecObj*> Properties(const JsonNode& node, engine::Arena* arena,
                                         const JsonSource& src) {
  const JsonNode* props = node.Get("properties");
  if (!props) return static_cast<const engine::RecObj*>(nullptr);
  if (props->type != JsonNode::kObject) return Bad(src, props->offset, "\"properties\" must be an object");
  ARBITER_ASSIGN_OR_RETURN(engine::Value v, engine::JsonToValue(*props, arena, src));
  if (v.kind != engine::Kind::kRecord) return Bad(src, props->offset, "\"properties\" must be a plain object");
  return v.rec;
}

Result<const EntityObj*> TypedEntity(const JsonNode* node, std::string_view what,
                                     engine::Arena* arena, const JsonSource& src,
                                     uint32_t parent_offset, bool strict) {
  if (!node) return Bad(src, parent_offset, "request has no \"" + std::string(what) + "\"");
  if (node->type != JsonNode::kObject) {
    return Bad(src, node->offset, "\"" + std::string(what) + "\" must be an object {\"type\", \"id\"}");
  }
  if (strict) ARBITER_RETURN_IF_ERROR(CheckKeys(*node, src, {"type", "id", "properties"}, what));
  const JsonNode* type = node->Get("type");
  const JsonNode* id = node->Get("id");
  if (!type || type->type != JsonNode::kString || type->text.empty()) {
    return Bad(src, node->offset, "\"" + std::string(what) + "\" needs a non-empty string \"type\"");
  }
  if (!id || id->type != JsonNode::kString) {
    return Bad(src, node->offset, "\"" + std::string(what) + "\" needs a string \"id\"");
  }
  auto* e = const_cast<EntityObj*>(engine::MakeEntityRef(arena, type->text, id->text));
  ARBITER_ASSIGN_OR_RETURN(e->properties, Properties(*node, arena, src));
  return static_cast<const EntityObj*>(e);
}

void FinishHashes(engine::RequestImpl* r) {
  r->subject_type_hash = engine::HashBytes(r->subject->type);
  r->resource_type_hash = engine::HashBytes(r->resource->type);
  r->action_hash = engine::HashBytes(r->action->id);
}

// The request from its four members. `strict`: a key these objects do not define is an error
// (request files, the library); otherwise it is not looked at (the daemon's AuthZEN reading).
Result<Request> Build(const JsonSource& src, const JsonNode* subject, const JsonNode* action,
                      const JsonNode* resource, const JsonNode* context, uint32_t root_offset,
                      bool strict) {
  auto impl = std::make_shared<engine::RequestImpl>();
  engine::Arena* arena = &impl->arena;
  ARBITER_ASSIGN_OR_RETURN(impl->subject, TypedEntity(subject, "subject", arena, src, root_offset, strict));
  ARBITER_ASSIGN_OR_RETURN(impl->resource, TypedEntity(resource, "resource", arena, src, root_offset, strict));
  if (!action) return Bad(src, root_offset, "request has no \"action\"");
  if (action->type != JsonNode::kObject) return Bad(src, action->offset, "\"action\" must be an object {\"name\"}");
  if (strict) ARBITER_RETURN_IF_ERROR(CheckKeys(*action, src, {"name", "properties"}, "action"));
  const JsonNode* name = action->Get("name");
  if (!name || name->type != JsonNode::kString || name->text.empty()) {
    return Bad(src, action->offset, "\"action\" needs a non-empty string \"name\"");
  }
  auto* a = const_cast<EntityObj*>(engine::MakeEntityRef(arena, engine::kActionType, name->text));
  ARBITER_ASSIGN_OR_RETURN(a->properties, Properties(*action, arena, src));
  impl->action = a;
  if (context) {
    if (context->type != JsonNode::kObject) return Bad(src, context->offset, "\"context\" must be an object");
    ARBITER_ASSIGN_OR_RETURN(impl->context, engine::JsonToValue(*context, arena, src));
    if (impl->context.kind != engine::Kind::kRecord) {
      return Bad(src, context->offset, "\"context\" must be a plain object");
    }
  } else {
    impl->context = engine::MakeRecord(arena, nullptr, nullptr, 0);
  }
  FinishHashes(impl.get());
  return engine::RequestAccess::Wrap(std::move(impl));
}

}  // namespace

namespace engine {

Result<Request> RequestFromJsonParts(const JsonSource& src, const JsonNode& subject,
                                     const JsonNode& action, const JsonNode& resource,
                                     const JsonNode* context) {
  return Build(src, &subject, &action, &resource, context, subject.offset, /*strict=*/false);
}

}  // namespace engine

Result<Request> Request::FromJson(std::string_view json, std::string_view file) {
  JsonSource src{file, json};
  ARBITER_ASSIGN_OR_RETURN(JsonNode root, engine::ParseJson(json, file));
  if (root.type != JsonNode::kObject) return Bad(src, root.offset, "a request must be a JSON object");
  ARBITER_RETURN_IF_ERROR(CheckKeys(root, src, {"subject", "action", "resource", "context"}, "request"));
  return Build(src, root.Get("subject"), root.Get("action"), root.Get("resource"),
               root.Get("context"), root.offset, /*strict=*/true);
}

EntityRef::View Request::subject() const { return {impl_->subject->type, impl_->subject->id}; }
EntityRef::View Request::resource() const { return {impl_->resource->type, impl_->resource->id}; }
std::string_view Request::action() const { return impl_->action->id; }

Result<Request> Request::Make(const EntityRef& subject, std::string_view action,
                              const EntityRef& resource, std::string_view context_json) {
  auto impl = std::make_shared<engine::RequestImpl>();
  engine::Arena* arena = &impl->arena;
  if (subject.type.empty() || resource.type.empty() || action.empty()) {
    return Status::InvalidArgument("request needs subject and resource types and an action name");
  }
  impl->subject = engine::MakeEntityRef(arena, subject.type, subject.id);
  impl->resource = engine::MakeEntityRef(arena, resource.type, resource.id);
  impl->action = engine::MakeEntityRef(arena, engine::kActionType, action);
  if (context_json.empty()) {
    impl->context = engine::MakeRecord(arena, nullptr, nullptr, 0);
  } else {
    JsonSource src{"<context>", context_json};
    ARBITER_ASSIGN_OR_RETURN(JsonNode root, engine::ParseJson(context_json, "<context>"));
    if (root.type != JsonNode::kObject) return Bad(src, root.offset, "context must be a JSON object");
    ARBITER_ASSIGN_OR_RETURN(impl->context, engine::JsonToValue(root, arena, src));
    if (impl->context.kind != engine::Kind::kRecord) return Bad(src, root.offset, "context must be a plain object");
  }
  FinishHashes(impl.get());
  Request r;
  r.impl_ = std::move(impl);
  return r;
}

}  // namespace arbiter
