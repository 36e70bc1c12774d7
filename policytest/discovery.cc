#include "policytest/discovery.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

namespace arbiter::policytest {
namespace {

namespace fs = std::filesystem;

bool IsPolicyFile(const fs::path& path) { return path.extension() == ".arbiter"; }

std::string Normal(const fs::path& path) {
  std::string text = path.lexically_normal().generic_string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// The .arbiter files directly in `dir`, sorted.
std::vector<std::string> PolicyFilesIn(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && IsPolicyFile(it->path())) {
      files.push_back(Normal(it->path()));
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Pack MakePack(const std::string& dir) {
  Pack pack;
  pack.dir = dir;
  pack.files = PolicyFilesIn(dir);
  fs::path schema = fs::path(dir) / kSchemaFileName;
  std::error_code ec;
  if (fs::is_regular_file(schema, ec)) pack.schema_path = Normal(schema);
  return pack;
}

}  // namespace

Result<std::vector<Pack>> DiscoverPacks(const std::vector<std::string>& paths) {
  // Folder -> pack; a pack found through a folder argument runs every test, which wins over
  // a restriction to some files from a file argument.
  std::map<std::string, Pack> packs;
  for (const std::string& arg : paths) {
    std::error_code ec;
    fs::path path(arg);
    fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      return Status::InvalidArgument(arg + ": no such file or folder");
    }
    if (fs::is_directory(status)) {
      std::vector<std::string> dirs;
      if (!PolicyFilesIn(path).empty()) dirs.push_back(Normal(path));
      for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;
        if (it->is_directory(type_ec) && !PolicyFilesIn(it->path()).empty()) {
          dirs.push_back(Normal(it->path()));
        }
      }
      if (ec) return Status::InvalidArgument(arg + ": cannot read folder: " + ec.message());
      for (const std::string& dir : dirs) {
        Pack pack = MakePack(dir);
        packs[dir] = std::move(pack);
      }
      continue;
    }
    if (!IsPolicyFile(path)) {
      return Status::InvalidArgument(arg + ": not a policy file (expected a .arbiter file or a folder)");
    }
    std::string file = Normal(path);
    fs::path parent = fs::path(file).parent_path();
    std::string dir = parent.empty() ? "." : Normal(parent);
    auto it = packs.find(dir);
    if (it == packs.end()) {
      Pack pack = MakePack(dir);
      pack.test_files.emplace();
      it = packs.emplace(dir, std::move(pack)).first;
    }
    if (it->second.test_files) {
      // MakePack lists files as "dir/name"; use the same spelling so they compare equal.
      std::string listed = dir == "." ? Normal(fs::path(".") / fs::path(file).filename())
                                      : Normal(fs::path(dir) / fs::path(file).filename());
      it->second.test_files->insert(listed);
    }
  }
  std::vector<Pack> out;
  out.reserve(packs.size());
  for (auto& [dir, pack] : packs) out.push_back(std::move(pack));
  return out;
}

}  // namespace arbiter::policytest
