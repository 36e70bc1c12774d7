// SHA-256 through OpenSSL's EVP interface, shared by the engine (bundle digests) and the
// ledger (entry and Merkle hashes).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace arbiter {

using Sha256Digest = std::array<uint8_t, 32>;

// Incremental hashing: Update() any number of times, then Final() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& Update(std::span<const uint8_t> bytes);
  Sha256& Update(std::string_view bytes);
  Sha256& Update(uint8_t byte) { return Update(std::span<const uint8_t>(&byte, 1)); }
  Sha256Digest Final();

 private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so OpenSSL headers stay out of ours
};

Sha256Digest Sha256Of(std::string_view bytes);

}  // namespace arbiter
