#include "daemon/auth.h"

#include <cctype>

namespace arbiter::daemon {

namespace http = boost::beast::http;

std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() + 1) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return {};
  }
  if (authorization[kScheme.size()] != ' ') return {};
  std::string_view token = authorization.substr(kScheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

Authenticator::Authenticator(std::vector<PrincipalEntry> entries) {
  principals_.push_back(Principal{std::string(kAnonymousPrincipal), {}, false, 0});
  for (auto& entry : entries) {
    size_t index = principals_.size();
    if (!entry.token_sha256.empty()) by_token_sha256_.emplace(entry.token_sha256, index);
    if (!entry.cert_subject.empty()) by_subject_.emplace(entry.cert_subject, index);
    principals_.push_back(Principal{std::move(entry.name), std::move(entry.roles), true, index});
  }
}

Authenticator::Outcome Authenticator::Authenticate(const HttpRequest& req) const {
  auto authorization = req.find(http::field::authorization);
  if (authorization != req.end()) {
    std::string_view token = BearerToken(Sv(authorization->value()));
    if (token.empty()) return {nullptr, "the Authorization header must be `Bearer <token>`"};
    // Looked up by digest: the map's timing depends on the digest, which reveals nothing
    // about a valid token.
    auto it = by_token_sha256_.find(TokenSha256Hex(token));
    if (it == by_token_sha256_.end()) return {nullptr, "the bearer token is not valid"};
    return {&principals_[it->second], {}};
  }
  if (!by_subject_.empty()) {
    auto subject = req.find(BSv(kPeerSubjectHeader));
    if (subject != req.end()) {
      auto it = by_subject_.find(std::string(Sv(subject->value())));
      if (it == by_subject_.end()) {
        return {nullptr, "the client certificate's subject is not a known principal"};
      }
      return {&principals_[it->second], {}};
    }
  }
  return {&principals_[0], {}};
}

}  // namespace arbiter::daemon
