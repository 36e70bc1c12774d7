// A decision request: subject, action, resource and context, in the shape of an AuthZEN 1.0
// evaluation request (spec/data-format.md). Immutable once made; safe to share across threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <arbiter/status.h>

namespace arbiter {

namespace engine {
struct RequestImpl;
struct RequestAccess;  // engine/request.cc: requests from JSON already read (request_parts.h)
}

struct EntityRef {
  std::string type;
  std::string id;
  struct View {
    std::string_view type;
    std::string_view id;
  };
};

class Request {
 public:
  // {"subject":{"type","id","properties"?},"action":{"name","properties"?},
  //  "resource":{"type","id","properties"?},"context":{...}?}. Errors are InvalidArgument with
  // "FILE:LINE:COL: ..." using `file` as the label.
  static Result<Request> FromJson(std::string_view json, std::string_view file = "<request>");
  // A typed request; `context_json` is a JSON object (or empty for {}).
  static Result<Request> Make(const EntityRef& subject, std::string_view action,
                              const EntityRef& resource, std::string_view context_json = "");

  // The parts as parsed: views into this request, valid while it (or a copy) lives.
  EntityRef::View subject() const;
  EntityRef::View resource() const;
  std::string_view action() const;

  // For the engine's use.
  const engine::RequestImpl& impl() const { return *impl_; }

 private:
  friend struct engine::RequestAccess;
  std::shared_ptr<const engine::RequestImpl> impl_;
};

}  // namespace arbiter
