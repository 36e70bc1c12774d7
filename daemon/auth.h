// Who is calling: the principal a request authenticates as, from its bearer token
// (`Authorization: Bearer <token>`, the scheme in any case) or from the subject of its
// verified TLS client certificate. No credentials at all is the anonymous principal; wrong
// credentials are an error (401), never a fall back to anonymous.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/auth_file.h"
#include "daemon/http_server.h"

namespace arbiter::daemon {

struct Principal {
  std::string name;
  std::vector<std::string> roles;
  bool authenticated = false;  // false only for the anonymous principal
  size_t index = 0;            // 0: anonymous; i: the auth file's principal i-1
};

// The token of an `Authorization` value whose scheme is Bearer (any case), else empty.
std::string_view BearerToken(std::string_view authorization);

class Authenticator {
 public:
  explicit Authenticator(std::vector<PrincipalEntry> entries);

  struct Outcome {
    const Principal* principal = nullptr;  // null: credentials given but not valid
    std::string_view problem;              // why, when principal is null
  };
  // A token wins over a certificate when a request has both.
  Outcome Authenticate(const HttpRequest& req) const;

  // 0 is anonymous.
  const std::vector<Principal>& principals() const { return principals_; }
  bool uses_certificates() const { return !by_subject_.empty(); }

 private:
  std::vector<Principal> principals_;
  std::unordered_map<std::string, size_t> by_token_sha256_;
  std::unordered_map<std::string, size_t> by_subject_;
};

}  // namespace arbiter::daemon
