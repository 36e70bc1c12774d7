// Which principal may call which endpoint, decided by Arbiter itself: an API policy pack
// (stdlib-policies/system-api/ unless --api-policy names another) is compiled once at start,
// and every guarded route asks it about (principal, method, route). The request the pack sees
// is spec/http-api.md's "API policy request"; it holds nothing else, so its answer for one
// (principal, method, route, explain) never changes while the daemon runs and is cached.
//
// A denied caller without credentials gets 401 with `WWW-Authenticate: Bearer`; a denied
// authenticated principal gets 403; credentials that match no principal get 401.
#pragma once

#include <arbiter/status.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/auth.h"
#include "daemon/policy_state.h"
#include "daemon/router.h"

namespace arbiter::daemon {

// How the daemon was started, as the API policy's context sees it.
struct ApiFacts {
  bool auth_file = false;       // --auth-file was given
  bool loopback = false;        // the listening address is a loopback address
  bool open_decisions = false;  // --open-decisions
};

// The handler of a guarded route, told who called.
using GuardedHandler = std::function<void(HttpRequest&, Reply, const Principal&)>;

// `?explain`, `?explain=true` or `?explain=1` on the target: the one definition the guard and
// the decide endpoint share.
bool WantsExplain(std::string_view target);

class ApiGuard {
 public:
  // Compiles the pack in `policy_dir`: its *.arbiter files, with its schema.arbiterschema and
  // entities.json when present.
  static Result<std::unique_ptr<ApiGuard>> Create(const std::string& policy_dir,
                                                  std::vector<PrincipalEntry> principals,
                                                  ApiFacts facts);

  // Adds the route to `router`; `handler` runs only for callers the policy allows.
  void Add(Router& router, boost::beast::http::verb method, std::string route,
           GuardedHandler handler);
  void AddPrefix(Router& router, boost::beast::http::verb method, std::string prefix,
                 GuardedHandler handler);
  // As Add and AddPrefix for handlers that may block (a compile, a synchronous ledger wait, a
  // storage read): the caller is authenticated and authorised on the I/O thread, and only an
  // allowed request is queued on the router's BlockingPool, so anonymous floods cannot fill
  // the pool's queue ahead of the principals who may use it.
  void AddBlocking(Router& router, boost::beast::http::verb method, std::string route,
                   GuardedHandler handler);
  void AddPrefixBlocking(Router& router, boost::beast::http::verb method, std::string prefix,
                         GuardedHandler handler);

  // The policy's answer, asked afresh (the guard caches it). An evaluation error denies.
  bool Allows(const Principal& principal, boost::beast::http::verb method,
              std::string_view route, bool explain) const;

  const Authenticator& authenticator() const { return authenticator_; }

 private:
  ApiGuard(std::vector<PrincipalEntry> principals, ApiFacts facts, std::shared_ptr<PolicyState>);
  Handler Wrap(boost::beast::http::verb method, std::string route, GuardedHandler handler);

  // Cached answers per (principal, route slot, explain): 0 unknown, 1 allow, 2 deny. Routes
  // past kMaxRoutes are decided on every call.
  static constexpr size_t kMaxRoutes = 64;
  Authenticator authenticator_;
  ApiFacts facts_;
  std::shared_ptr<PolicyState> policy_;
  std::unique_ptr<std::atomic<uint8_t>[]> cache_;
  size_t routes_ = 0;
};

}  // namespace arbiter::daemon
