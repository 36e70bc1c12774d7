#include "daemon/auth_policy.h"

#include <arbiter/decision.h>
#include <arbiter/request.h>
#include <fmt/format.h>

#include <filesystem>

#include "common/json_string.h"
#include "daemon/blocking_pool.h"
#include "daemon/log.h"
#include "daemon/responses.h"

namespace arbiter::daemon {

namespace http = boost::beast::http;
namespace fs = std::filesystem;

bool WantsExplain(std::string_view target) {
  if (target.find('?') == std::string_view::npos) return false;
  auto v = QueryParam(target, "explain");
  return v && (*v == "true" || *v == "1" || v->empty());
}

namespace {

// The API policy request (spec/http-api.md).
std::string ApiRequestJson(const Principal& principal, http::verb method, std::string_view route,
                           bool explain, const ApiFacts& facts) {
  std::string out = R"({"subject":{"type":"Principal","id":)";
  AppendJsonString(&out, principal.name);
  out += R"(},"action":{"name":)";
  AppendJsonString(&out, std::string_view(Sv(http::to_string(method))));
  out += R"(},"resource":{"type":"Route","id":)";
  AppendJsonString(&out, route);
  out += R"(},"context":{"roles":[)";
  for (size_t i = 0; i < principal.roles.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(&out, principal.roles[i]);
  }
  auto flag = [&](std::string_view name, bool value) {
    out += fmt::format(R"(,"{}":{})", name, value ? "true" : "false");
  };
  out += ']';
  flag("authenticated", principal.authenticated);
  flag("auth_file", facts.auth_file);
  flag("loopback", facts.loopback);
  flag("open_decisions", facts.open_decisions);
  flag("explain", explain);
  out += "}}";
  return out;
}

HttpResponse Unauthorized(std::string_view message, bool invalid_token) {
  HttpResponse res = ErrorResponse(401, "unauthorized", message);
  res.set(http::field::www_authenticate, invalid_token
                                             ? R"(Bearer realm="arbiter", error="invalid_token")"
                                             : R"(Bearer realm="arbiter")");
  return res;
}

}  // namespace

ApiGuard::ApiGuard(std::vector<PrincipalEntry> principals, ApiFacts facts,
                   std::shared_ptr<PolicyState> policy)
    : authenticator_(std::move(principals)), facts_(facts), policy_(std::move(policy)) {
  size_t slots = authenticator_.principals().size() * kMaxRoutes * 2;
  cache_ = std::make_unique<std::atomic<uint8_t>[]>(slots);
  for (size_t i = 0; i < slots; ++i) cache_[i].store(0, std::memory_order_relaxed);
}

Result<std::unique_ptr<ApiGuard>> ApiGuard::Create(const std::string& policy_dir,
                                                   std::vector<PrincipalEntry> principals,
                                                   ApiFacts facts) {
  PolicyFiles files;
  files.policy_paths = {policy_dir};
  if (fs::is_regular_file(fs::path(policy_dir) / "schema.arbiterschema")) {
    files.schema_paths = {(fs::path(policy_dir) / "schema.arbiterschema").string()};
  }
  if (fs::is_regular_file(fs::path(policy_dir) / "entities.json")) {
    files.data_paths = {(fs::path(policy_dir) / "entities.json").string()};
  }
  PolicyLoad load = LoadPolicyFiles(files);
  if (!load.state) {
    std::string detail = load.error.formatted.empty() ? "" : "\n" + load.error.formatted;
    return Status(load.error.status.code(),
                  fmt::format("cannot load the API policy '{}': {}{}", policy_dir,
                              load.error.status.message(), detail));
  }
  return std::unique_ptr<ApiGuard>(
      new ApiGuard(std::move(principals), facts, std::move(load.state)));
}

bool ApiGuard::Allows(const Principal& principal, http::verb method, std::string_view route,
                      bool explain) const {
  std::string text = ApiRequestJson(principal, method, route, explain, facts_);
  auto request = Request::FromJson(text, "API policy request");
  if (!request.ok()) {
    LogError("API policy request not usable, denying: {}", request.status().ToString());
    return false;
  }
  Decision decision;
  Status st = policy_->engine.Decide(*request, policy_->entities, DecideOptions{}, &decision);
  if (!st.ok()) {
    LogError("API policy could not decide, denying: {}", st.ToString());
    return false;
  }
  return decision.allow;
}

Handler ApiGuard::Wrap(http::verb method, std::string route, GuardedHandler handler) {
  size_t slot = routes_ < kMaxRoutes ? routes_++ : kMaxRoutes;
  return [this, method, route = std::move(route), slot, handler = std::move(handler)](
             HttpRequest& req, Reply reply) {
    Authenticator::Outcome who = authenticator_.Authenticate(req);
    if (who.principal == nullptr) return reply(Unauthorized(who.problem, true));
    const Principal& principal = *who.principal;
    bool explain = WantsExplain(Sv(req.target()));
    bool allow;
    if (slot < kMaxRoutes) {
      std::atomic<uint8_t>& cached =
          cache_[(principal.index * kMaxRoutes + slot) * 2 + (explain ? 1 : 0)];
      uint8_t known = cached.load(std::memory_order_relaxed);
      if (known == 0) {
        // Racing threads compute the same answer: the policy sees nothing else.
        known = Allows(principal, method, route, explain) ? 1 : 2;
        cached.store(known, std::memory_order_relaxed);
      }
      allow = known == 1;
    } else {
      allow = Allows(principal, method, route, explain);
    }
    if (allow) return handler(req, std::move(reply), principal);
    if (!principal.authenticated) {
      return reply(Unauthorized(
          fmt::format("{} {} needs credentials (Authorization: Bearer <token>)",
                      std::string(Sv(req.method_string())), route),
          false));
    }
    reply(ErrorResponse(403, "forbidden",
                        fmt::format("principal '{}' may not {} {}", principal.name,
                                    std::string(Sv(req.method_string())), route)));
  };
}

void ApiGuard::Add(Router& router, http::verb method, std::string route, GuardedHandler handler) {
  router.Add(method, route, Wrap(method, route, std::move(handler)));
}

void ApiGuard::AddPrefix(Router& router, http::verb method, std::string prefix,
                         GuardedHandler handler) {
  router.AddPrefix(method, prefix, Wrap(method, prefix, std::move(handler)));
}

namespace {

// `handler`, run on `pool` (inline when there is none) after the guard has let the call in.
GuardedHandler OnPool(BlockingPool* pool, GuardedHandler handler) {
  if (pool == nullptr) return handler;
  auto shared = std::make_shared<const GuardedHandler>(std::move(handler));
  return [pool, shared](HttpRequest& req, Reply reply, const Principal& principal) {
    // The principal is copied: the job outlives this call.
    auto job = std::make_shared<const Handler>(
        [shared, principal](HttpRequest& queued, Reply answer) {
          (*shared)(queued, std::move(answer), principal);
        });
    pool->Run(job, req, std::move(reply));
  };
}

}  // namespace

void ApiGuard::AddBlocking(Router& router, http::verb method, std::string route,
                           GuardedHandler handler) {
  Add(router, method, std::move(route), OnPool(router.blocking_pool(), std::move(handler)));
}

void ApiGuard::AddPrefixBlocking(Router& router, http::verb method, std::string prefix,
                                 GuardedHandler handler) {
  AddPrefix(router, method, std::move(prefix),
            OnPool(router.blocking_pool(), std::move(handler)));
}

}  // namespace arbiter::daemon
