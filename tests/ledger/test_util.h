// Helpers shared by the ledger tests.
#pragma once

#include <catch2/catch.hpp>

#include <arbiter/ledger.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace arbiter::ledger::testing {

inline SigningKey TestKey(const std::string& name = "test.example/ledger") {
  std::array<uint8_t, 32> seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i + name.size());
  auto key = SigningKey::FromSeed(name, seed);
  REQUIRE(key.ok());
  return std::move(key).value();
}

inline Record SampleDecision(int i, const std::string& id = "") {
  DecisionRecord d;
  d.decision_id = id;
  d.request = {{"subject", {{"type", "User"}, {"id", "user" + std::to_string(i)}}},
               {"action", {{"name", "deploy"}}},
               {"resource", {{"type", "Model"}, {"id", "m" + std::to_string(i % 7)}}},
               {"context", nlohmann::json::object()}};
  d.decision = i % 3 == 0 ? "deny" : "allow";
  d.reasons = nlohmann::json::array({{{"rule", "models.allow_reviewed"}, {"message", "reviewed"}}});
  d.bundle_digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  auto r = d.ToRecord();
  // Called from the concurrency tests' threads too, where Catch assertions are not safe.
  if (!r.ok()) std::abort();
  return *r;
}

inline LedgerOptions TestOptions(uint64_t every = 4) {
  LedgerOptions o;
  o.signing_key = std::make_shared<const SigningKey>(TestKey());
  o.checkpoint_every_entries = every;
  o.checkpoint_every_ms = 0;
  return o;
}

inline std::vector<VerifierKey> Trusted(const SigningKey& key = TestKey()) {
  return {VerifierKey::FromSigningKey(key)};
}

inline VerifyOptions TrustedOptions() {
  VerifyOptions v;
  v.trusted_keys = Trusted();
  return v;
}

// A fresh temporary directory removed on destruction.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("arbiter-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string str() const { return path.string(); }
};

}  // namespace arbiter::ledger::testing
