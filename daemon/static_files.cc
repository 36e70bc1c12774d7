#include "daemon/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/responses.h"

namespace arbiter::daemon {

namespace fs = std::filesystem;

std::string_view ContentTypeFor(std::string_view path) {
  auto ends = [&](std::string_view ext) { return path.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".woff2")) return "font/woff2";
  if (ends(".txt") || ends(".md") || ends(".arbiter")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

HttpResponse ServeStaticFile(const std::string& root, std::string_view relative) {
  auto not_found = [&] { return ErrorResponse(404, "not_found", "no such file"); };
  if (relative.empty() || relative.front() == '/' || relative.find('\\') != std::string_view::npos ||
      relative.find('\0') != std::string_view::npos) {
    return not_found();
  }
  fs::path rel(std::string{relative});
  for (const auto& part : rel) {
    if (part == ".." || part == ".") return not_found();
  }
  std::error_code ec;
  fs::path base = fs::canonical(root, ec);
  if (ec) return not_found();
  fs::path full = fs::canonical(base / rel, ec);
  if (ec || !fs::is_regular_file(full, ec)) return not_found();
  auto [end, _] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
  if (end != base.end()) return not_found();
  std::ifstream in(full, std::ios::binary);
  if (!in) return not_found();
  std::ostringstream data;
  data << in.rdbuf();
  HttpResponse res = TextResponse(200, std::move(data).str(), ContentTypeFor(full.string()));
  res.set(boost::beast::http::field::cache_control, "no-cache");
  return res;
}

}  // namespace arbiter::daemon
