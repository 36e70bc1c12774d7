// Merging schema files: the schemas of policy packs loaded together (`arbiter serve`,
// `check` and `eval` with several --schema files).
#pragma once

#include <arbiter/status.h>

#include <string>
#include <vector>

namespace arbiter::dsl {

// Several schema files merged into one schema text, for packs loaded together. Each file must
// be a valid schema on its own. An entity type declared in several files gets the union of
// their parents and attributes; an attribute, or an action, declared in several files must be
// declared the same way in each (same type and optionality; same subject types, resource types
// and context), otherwise the merge fails with InvalidArgument naming both declarations.
Result<std::string> MergeSchemaFiles(const std::vector<std::string>& paths);

}  // namespace arbiter::dsl
