#include "daemon/responses.h"

namespace arbiter::daemon {

namespace http = boost::beast::http;

HttpResponse JsonResponse(unsigned status, const nlohmann::json& body) {
  HttpResponse res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  // Replace rather than throw on invalid UTF-8 that might come from stored data.
  res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
}

HttpResponse ErrorResponse(unsigned status, std::string_view code, std::string_view message) {
  return JsonResponse(status, {{"error",
                                {{"status", status},
                                 {"code", std::string(code)},
                                 {"message", std::string(message)}}}});
}

HttpResponse TextResponse(unsigned status, std::string body, std::string_view content_type) {
  HttpResponse res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, boost::beast::string_view(content_type.data(), content_type.size()));
  res.body() = std::move(body);
  return res;
}

}  // namespace arbiter::daemon
