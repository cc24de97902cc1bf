#include "auth/gate.hpp"

#include <algorithm>
#include <optional>

#include "api/api_error.hpp"
#include "api/responses.hpp"
#include "auth/impersonation.hpp"

namespace capstan::auth {

namespace {

void refuse(const http::Request& req, const std::shared_ptr<http::Responder>& res, const api::ApiError& e) {
  auto r = api::error_reply(e, req.header("accept"), true);
  res->respond(r.code, {{"Content-Type", r.content_type}, {"Cache-Control", "no-cache, private"}}, std::move(r.body));
}

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

}  // namespace

bool Gate::public_path(const std::string& path) {
  for (const char* p : {"/healthz", "/livez", "/readyz", "/version"}) {
    std::string base = p;
    if (path == base || path == base + "/" || starts_with(path, base + "/")) return true;
  }
  return false;
}

void Gate::handle(http::Request&& req, std::shared_ptr<http::Responder> res) const {
  const bool open = public_path(req.path);
  if (open && !Authenticator::presents_credentials(req)) {
    if (observer_) res = observer_->observe(req, nullptr, nullptr, std::move(res));
    return next_(std::move(req), std::move(res));
  }
  auto user = authenticator_.authenticate(req);
  // Acting as another user (kubectl --as): every part allowed to the real user, then the request
  // is theirs, for authorization, admission and the access reviews alike.
  std::optional<User> as;
  std::optional<api::ApiError> refused;
  if (user) {
    try {
      as = impersonate(req, *user, authorizer_);
    } catch (const api::ApiError& e) {
      refused = e;
    }
  }
  if (observer_) res = observer_->observe(req, user ? &*user : nullptr, as ? &*as : nullptr, std::move(res));
  if (!user) return refuse(req, res, api::ApiError(401, "Unauthorized", "Unauthorized"));
  if (refused) return refuse(req, res, *refused);
  // Handlers never see the credential (kube-apiserver removes the header once authenticated).
  req.headers.erase(std::remove_if(req.headers.begin(), req.headers.end(),
                                   [](const auto& h) { return h.first == "authorization"; }),
                    req.headers.end());
  if (as) {
    user = std::move(as);
    remove_impersonation_headers(req);
  }
  req.user = {user->name, user->uid, user->groups, user->extra};
  if (open) return next_(std::move(req), std::move(res));
  RequestAttributes attributes = request_attributes(req);
  Decision d = authorizer_.authorize(*user, attributes);
  if (!d.allowed()) {
    api::ApiError e(403, "Forbidden", forbidden_message(*user, attributes, d.reason));
    if (attributes.resource_request && !attributes.resource.empty())
      e.with_details(attributes.name, attributes.group, attributes.resource);
    return refuse(req, res, e);
  }
  next_(std::move(req), std::move(res));
}

}  // namespace capstan::auth
