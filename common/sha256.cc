#include "common/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace arbiter {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Allocation failure inside OpenSSL leaves nothing sensible to do.
  if (ctx_ == nullptr || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

Sha256& Sha256::Update(std::span<const uint8_t> bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
  return *this;
}

Sha256& Sha256::Update(std::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
  return *this;
}

Sha256Digest Sha256::Final() {
  Sha256Digest out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
  return out;
}

namespace {

// One context per thread, reset for each hash (EVP_DigestInit_ex2 keeps its allocation).
class ThreadHasher {
 public:
  ThreadHasher() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
    if (md_ == nullptr || ctx_ == nullptr) std::abort();
  }
  ~ThreadHasher() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  ThreadHasher(const ThreadHasher&) = delete;
  ThreadHasher& operator=(const ThreadHasher&) = delete;

  Sha256Digest Digest(const uint8_t* prefix, std::string_view a, std::string_view b) {
    Sha256Digest out;
    unsigned int len = 0;
    if (EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1 ||
        (prefix != nullptr && EVP_DigestUpdate(ctx_, prefix, 1) != 1) ||
        EVP_DigestUpdate(ctx_, a.data(), a.size()) != 1 ||
        (!b.empty() && EVP_DigestUpdate(ctx_, b.data(), b.size()) != 1) ||
        EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1) {
      std::abort();  // OpenSSL failing on SHA-256 leaves nothing sensible to do
    }
    return out;
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

ThreadHasher& Hasher() {
  thread_local ThreadHasher hasher;
  return hasher;
}

}  // namespace

Sha256Digest Sha256Of(std::string_view bytes) { return Hasher().Digest(nullptr, bytes, {}); }

Sha256Digest Sha256Of(uint8_t prefix, std::string_view a, std::string_view b) {
  return Hasher().Digest(&prefix, a, b);
}

}  // namespace arbiter
