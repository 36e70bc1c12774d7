// Building responses: JSON bodies, the one error shape every endpoint uses
// ({"error":{"status":N,"code":"...","message":"..."}}), and plain text.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "daemon/http_server.h"

namespace arbiter::daemon {

HttpResponse JsonResponse(unsigned status, const nlohmann::json& body);
HttpResponse ErrorResponse(unsigned status, std::string_view code, std::string_view message);
HttpResponse TextResponse(unsigned status, std::string body,
                          std::string_view content_type = "text/plain; charset=utf-8");

}  // namespace arbiter::daemon
