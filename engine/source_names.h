// The names a bundle gives its source files (spec/bytecode.md, "Source names"), so that a
// bundle depends only on what was compiled, never on where it was compiled from.
#pragma once

#include <string>
#include <vector>

#include "dsl/ast.h"

namespace arbiter::engine {

// One name per file of `sources`, same order. A policy file is named by its path relative to
// the deepest folder that holds every policy file of the set ("roles.arbiter" for a pack
// compiled from its folder, "access-rbac/roles.arbiter" for several packs loaded from their
// parent), with `/` separators; the schema by its file name ("schema.arbiterschema", or the
// label "<schema>" of merged schemas). Labels that are not paths ("<playground>") stay as
// they are.
std::vector<std::string> SourceNames(const dsl::SourceSet& sources);

}  // namespace arbiter::engine
