// Finding policy packs for `arbiter test` (spec/testing.md, "Packs"): a pack is a folder that
// directly holds .arbiter files; it is compiled on its own, with its schema when it has one.
#pragma once

#include <arbiter/status.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace arbiter::policytest {

inline constexpr const char* kSchemaFileName = "schema.arbiterschema";

struct Pack {
  std::string dir;                         // the folder, lexically normal ("a/b", not "a/b/")
  std::vector<std::string> files;          // every .arbiter file directly in dir, sorted
  std::optional<std::string> schema_path;  // dir/schema.arbiterschema when it exists
  // Set when the pack was named by file arguments: run only the tests written in these files
  // (paths as in `files`). Unset: run every test of the pack.
  std::optional<std::set<std::string>> test_files;
};

// Folders mean every pack at or below them; a file means its folder's pack, restricted to the
// tests in that file. Packs come back sorted by folder, each once. A path that does not exist,
// or a file that is not a .arbiter file, is InvalidArgument naming the path.
Result<std::vector<Pack>> DiscoverPacks(const std::vector<std::string>& paths);

}  // namespace arbiter::policytest
