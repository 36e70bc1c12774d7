#include "engine/source_names.h"

#include <filesystem>
#include <optional>

namespace arbiter::engine {
namespace {

namespace fs = std::filesystem;

fs::path Absolute(const std::string& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(fs::path(path), ec);
  return (ec ? fs::path(path) : absolute).lexically_normal();
}

// The longest run of leading path components `a` and `b` share.
fs::path CommonFolder(const fs::path& a, const fs::path& b) {
  fs::path out;
  auto ia = a.begin();
  auto ib = b.begin();
  for (; ia != a.end() && ib != b.end() && *ia == *ib; ++ia, ++ib) out /= *ia;
  return out;
}

}  // namespace

std::vector<std::string> SourceNames(const dsl::SourceSet& sources) {
  std::vector<std::string> names(sources.files.size());
  std::vector<fs::path> absolute(sources.files.size());
  std::optional<fs::path> common;
  for (size_t i = 0; i < sources.files.size(); ++i) {
    if (sources.schema && *sources.schema == i) continue;
    absolute[i] = Absolute(sources.files[i].path);
    fs::path folder = absolute[i].parent_path();
    common = common ? CommonFolder(*common, folder) : folder;
  }
  for (size_t i = 0; i < sources.files.size(); ++i) {
    if (sources.schema && *sources.schema == i) {
      names[i] = fs::path(sources.files[i].path).filename().generic_string();
    } else {
      names[i] = absolute[i].lexically_relative(*common).generic_string();
    }
    if (names[i].empty()) names[i] = sources.files[i].path;
  }
  return names;
}

}  // namespace arbiter::engine
