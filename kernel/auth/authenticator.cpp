#include "auth/authenticator.hpp"

#include <strings.h>

namespace capstan::auth {

namespace {

void add_authenticated(User& u) {
  if (!u.in_group(kAuthenticatedGroup)) u.groups.emplace_back(kAuthenticatedGroup);
}

}  // namespace

std::optional<std::string> bearer_token(const http::Request& req) {
  const std::string* h = req.header("authorization");
  if (!h) return std::nullopt;
  const std::string& v = *h;
  size_t i = 0;
  while (i < v.size() && v[i] == ' ') ++i;
  if (v.size() - i < 7 || strncasecmp(v.data() + i, "bearer ", 7) != 0) return std::nullopt;
  i += 7;
  while (i < v.size() && v[i] == ' ') ++i;
  size_t e = v.find_last_not_of(" \t\r");
  if (i >= v.size() || e == std::string::npos || e < i) return std::nullopt;
  std::string token = v.substr(i, e - i + 1);
  // A token is one word: "Bearer a b" is not a token.
  if (token.find(' ') != std::string::npos) return std::nullopt;
  return token;
}

bool Authenticator::presents_credentials(const http::Request& req) {
  return !req.client_cert_cn.empty() || req.header("authorization") != nullptr;
}

std::optional<User> Authenticator::authenticate(const http::Request& req) const {
  if (!req.client_cert_cn.empty()) {
    User u;
    u.name = req.client_cert_cn;
    u.groups = req.client_cert_orgs;
    add_authenticated(u);
    return u;
  }
  if (auto token = bearer_token(req)) {
    for (const auto& t : tokens_) {
      if (auto u = t->authenticate_token(*token)) {
        add_authenticated(*u);
        return u;
      }
    }
  }
  return std::nullopt;
}

}  // namespace capstan::auth
