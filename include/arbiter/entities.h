// Entity data: typed entities with attributes and parents, loaded from JSON
// (spec/data-format.md). Immutable once loaded; copies share the data and may be used from
// any number of threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <arbiter/status.h>

namespace arbiter {

namespace engine {
class StoreImpl;
}

class EntityStore {
 public:
  // An empty store.
  EntityStore();

  // Parses entity JSON. Errors (bad JSON, wrong shape, a duplicate entity, a parent that does
  // not exist, a cycle of parents) are InvalidArgument with "FILE:LINE:COL: ..." using `file`
  // as the label.
  static Result<EntityStore> FromJson(std::string_view json, std::string_view file = "<entities>");
  // Reads and parses a file; a missing file is NotFound.
  static Result<EntityStore> FromFile(const std::string& path);

  size_t size() const;

  // For the engine's use.
  const engine::StoreImpl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const engine::StoreImpl> impl_;
};

}  // namespace arbiter
