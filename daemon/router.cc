#include "daemon/router.h"

#include <fmt/format.h>

#include <memory>

#include "daemon/blocking_pool.h"
#include "daemon/responses.h"

namespace arbiter::daemon {

namespace http = boost::beast::http;

std::string_view TargetPath(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::optional<std::string> QueryParam(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return std::string(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return std::nullopt;
}

void Router::Add(http::verb method, std::string path, Handler handler) {
  exact_[std::move(path)].push_back({method, std::move(handler)});
}

void Router::AddPrefix(http::verb method, std::string prefix, Handler handler) {
  for (auto& [p, entries] : prefixes_) {
    if (p == prefix) {
      entries.push_back({method, std::move(handler)});
      return;
    }
  }
  prefixes_.push_back({std::move(prefix), {{method, std::move(handler)}}});
}

Handler Router::OnPool(Handler handler) const {
  if (blocking_ == nullptr) return handler;
  auto shared = std::make_shared<const Handler>(std::move(handler));
  return [pool = blocking_, shared](HttpRequest& req, Reply reply) {
    pool->Run(shared, req, std::move(reply));
  };
}

void Router::AddBlocking(http::verb method, std::string path, Handler handler) {
  Add(method, std::move(path), OnPool(std::move(handler)));
}

void Router::AddPrefixBlocking(http::verb method, std::string prefix, Handler handler) {
  AddPrefix(method, std::move(prefix), OnPool(std::move(handler)));
}

void Router::Dispatch(const std::vector<Entry>& entries, HttpRequest& req, Reply reply) const {
  for (const auto& entry : entries) {
    if (entry.method == req.method()) {
      return entry.handler(req, std::move(reply));
    }
  }
  std::string allow;
  for (const auto& entry : entries) {
    if (!allow.empty()) allow += ", ";
    allow += std::string(Sv(http::to_string(entry.method)));
  }
  HttpResponse res = ErrorResponse(
      405, "method_not_allowed",
      fmt::format("{} does not accept {}; allowed: {}", TargetPath(Sv(req.target())),
                  std::string(Sv(req.method_string())), allow));
  res.set(http::field::allow, allow);
  reply(std::move(res));
}

void Router::Route(HttpRequest& req, Reply reply) const {
  std::string_view path = TargetPath(Sv(req.target()));
  if (auto it = exact_.find(path); it != exact_.end()) {
    return Dispatch(it->second, req, std::move(reply));
  }
  for (const auto& [prefix, entries] : prefixes_) {
    if (path.starts_with(prefix) && path.size() > prefix.size()) {
      return Dispatch(entries, req, std::move(reply));
    }
  }
  reply(ErrorResponse(404, "not_found", fmt::format("no endpoint at {}", path)));
}

}  // namespace arbiter::daemon
