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

// One-shot hashes on this thread's reused OpenSSL context, with the SHA-256 implementation
// fetched once per thread: no allocation per hash. The ledger's tree hashing (two hashes per
// append, one per verified entry) and digests everywhere else use them.
Sha256Digest Sha256Of(std::string_view bytes);
// The hash of `prefix` followed by `a` and `b` (RFC 6962 leaf and node hashes).
Sha256Digest Sha256Of(uint8_t prefix, std::string_view a, std::string_view b);

}  // namespace arbiter
