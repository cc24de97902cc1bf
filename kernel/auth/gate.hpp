#pragma once
// The door every API request passes before it reaches the API server: authentication (401
// `Unauthorized` when nothing valid is presented), then authorization of what the request asks
// (403 `Forbidden` with kube-apiserver's message). Health and version endpoints answer without
// credentials (what upstream's system:public-info-viewer grants anonymous users); nothing else
// does, on any port — the loopback plain-HTTP port included.

#include <memory>

#include "auth/authenticator.hpp"
#include "auth/authorizer.hpp"
#include "http/request.hpp"

namespace capstan::auth {

// Told about every request once its requester is known (kernel/audit implements it).
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // `user`: who authenticated (nullptr: nobody); `impersonated`: who the request runs as, when
  // another. Returns the responder the request is answered through (`res` itself, or a wrapper).
  virtual std::shared_ptr<http::Responder> observe(const http::Request& req, const User* user, const User* impersonated,
                                                   std::shared_ptr<http::Responder> res) = 0;
};

class Gate {
 public:
  Gate(const Authenticator& authenticator, const Authorizer& authorizer, http::Handler next,
       RequestObserver* observer = nullptr)
      : authenticator_(authenticator), authorizer_(authorizer), next_(std::move(next)), observer_(observer) {}

  void handle(http::Request&& req, std::shared_ptr<http::Responder> res) const;

  // /healthz, /livez, /readyz (and their /<check> forms) and /version: open to anyone.
  static bool public_path(const std::string& path);

 private:
  const Authenticator& authenticator_;
  const Authorizer& authorizer_;
  http::Handler next_;
  RequestObserver* observer_;
};

}  // namespace capstan::auth
