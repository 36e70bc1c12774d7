// The daemon's decision service in-process, for tests that drive its routes without a socket:
// the given policy files, an in-memory ledger, and the default API policy as `arbiter serve`
// uses it on loopback without an auth file (anyone may decide).
#pragma once

#include <catch2/catch.hpp>

#include <arbiter/ledger.h>

#include <array>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "daemon/auth_policy.h"
#include "daemon/metrics.h"
#include "daemon/policy_state.h"
#include "daemon/router.h"
#include "daemon/service.h"

namespace arbiter::testing {

struct InProcessService {
  std::unique_ptr<ledger::Ledger> ledger;
  daemon::Metrics metrics;
  std::unique_ptr<daemon::DecisionService> service;
  std::unique_ptr<daemon::ApiGuard> guard;
  daemon::Router router;

  // `key_name` names the ledger's (all-zero seed) signing key.
  InProcessService(const daemon::PolicyFiles& files, const std::string& key_name) {
    ledger::LedgerOptions options;
    std::array<uint8_t, 32> seed{};
    options.signing_key = std::make_shared<const ledger::SigningKey>(
        ledger::SigningKey::FromSeed(key_name, seed).value());
    ledger = ledger::Ledger::OpenWithStorage(ledger::NewMemoryStorage(), options).value();
    daemon::PolicyLoad load = daemon::LoadPolicyFiles(files);
    INFO(load.error.status.ToString() << load.error.formatted);
    REQUIRE(load.state);
    service = std::make_unique<daemon::DecisionService>(daemon::ServiceOptions{files, "", nullptr},
                                                        ledger.get(), &metrics);
    REQUIRE(service->Activate(std::move(load.state), "test").ok());
    daemon::ApiFacts facts;
    facts.loopback = true;
    auto created = daemon::ApiGuard::Create(
        (std::filesystem::path(ARBITER_SOURCE_DIR) / "stdlib-policies" / "system-api").string(),
        {}, facts);
    REQUIRE(created.ok());
    guard = std::move(created).value();
    service->AddRoutes(router, *guard);
  }

  daemon::HttpResponse Post(const std::string& target, const std::string& body,
                            const std::string& content_type = "application/json") {
    namespace http = boost::beast::http;
    daemon::HttpRequest req{http::verb::post, target, 11};
    req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    std::promise<daemon::HttpResponse> answered;
    auto future = answered.get_future();
    router.Route(req, [&answered](daemon::HttpResponse res) { answered.set_value(std::move(res)); });
    return future.get();
  }
};

}  // namespace arbiter::testing
