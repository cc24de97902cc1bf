#pragma once
// Authentication: who sent a request, from what it presents — as kube-apiserver's union of
// authenticators, first success wins:
//  1. a client certificate the TLS layer verified against the cluster CA (CN = user name, every
//     O = a group; the admin certificate is in system:masters);
//  2. an `Authorization: Bearer <token>` header, offered to each token authenticator in turn
//     (static tokens, ServiceAccount tokens, ...).
// Every authenticated user also gets the group system:authenticated. Nothing presented, or
// nothing valid, is no user: the gate answers 401.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/user.hpp"
#include "http/request.hpp"

namespace capstan::auth {

class TokenAuthenticator {
 public:
  virtual ~TokenAuthenticator() = default;
  // The token's user, or nullopt when this authenticator does not know the token.
  virtual std::optional<User> authenticate_token(const std::string& token) const = 0;
};

// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, extra spaces
// before the token ignored); nullopt when there is no such header or the token is empty.
std::optional<std::string> bearer_token(const http::Request& req);

class Authenticator {
 public:
  void add(std::shared_ptr<const TokenAuthenticator> tokens) { tokens_.push_back(std::move(tokens)); }
  // nullopt: no valid credentials.
  std::optional<User> authenticate(const http::Request& req) const;
  // Whether the request presents any credential at all (a certificate or an Authorization header).
  static bool presents_credentials(const http::Request& req);

 private:
  std::vector<std::shared_ptr<const TokenAuthenticator>> tokens_;
};

}  // namespace capstan::auth
