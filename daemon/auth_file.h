// The auth file of `serve --auth-file` (spec/http-api.md, "Authentication and roles"): the
// principals, each with a name, its roles, and either the SHA-256 of its bearer token or the
// subject of its TLS client certificate. The file holds no secret.
#pragma once

#include <arbiter/status.h>

#include <string>
#include <string_view>
#include <vector>

namespace arbiter::daemon {

// The principal of a caller that sent no credentials; no auth file may use the name.
inline constexpr std::string_view kAnonymousPrincipal = "anonymous";

struct PrincipalEntry {
  std::string name;
  std::vector<std::string> roles;
  std::string token_sha256;  // 64 lowercase hex digits; empty when cert_subject is set
  std::string cert_subject;  // RFC 2253 subject; empty when token_sha256 is set
};

// Lowercase hex SHA-256 of a token, as the auth file holds it.
std::string TokenSha256Hex(std::string_view token);

// `--admin-token-file`'s principal: `admin`, role `admin`, that token.
PrincipalEntry AdminTokenPrincipal(std::string_view token);

// The principals of an auth file's text; `source` names it in errors, which also give the
// principal's index and name.
Result<std::vector<PrincipalEntry>> ParseAuthFile(std::string_view text, std::string_view source);
Result<std::vector<PrincipalEntry>> LoadAuthFile(const std::string& path);

}  // namespace arbiter::daemon
