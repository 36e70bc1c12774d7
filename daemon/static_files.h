// Serving the playground's static files from one folder. Only regular files below the folder
// are served: ".." segments, absolute paths and symlinks that leave the folder are 404.
#pragma once

#include <string>
#include <string_view>

#include "daemon/http_server.h"

namespace arbiter::daemon {

// The Content-Type for a file name by extension (html, js, css, json, svg, png, ...).
std::string_view ContentTypeFor(std::string_view path);

// Answers GET `relative` (e.g. "index.html", "js/app.js") from `root`.
HttpResponse ServeStaticFile(const std::string& root, std::string_view relative);

}  // namespace arbiter::daemon
