#pragma once
// Acting as someone else (`kubectl --as alice --as-group dev`), as kube-apiserver's impersonation
// filter does it: the Impersonate-User, -Uid, -Group and -Extra-<key> headers name the user to
// become; each part must be allowed to the requester (verb "impersonate" on users, groups,
// serviceaccounts, and authentication.k8s.io uids and userextras), and the request then runs as
// the impersonated user. A ServiceAccount username (system:serviceaccount:<ns>:<name>) brings its
// groups when none are named; system:authenticated is added unless a group says otherwise.

#include <optional>

#include "auth/authorizer.hpp"
#include "auth/user.hpp"
#include "http/request.hpp"

namespace capstan::auth {

// The user to act as, or nullopt when the request impersonates no one. Throws api::ApiError:
// 500 for groups, uid or extra without a user (as upstream answers that), 403 with upstream's
// message for anything the requester may not impersonate.
std::optional<User> impersonate(const http::Request& req, const User& requester, const Authorizer& authorizer);

// Removes the impersonation headers, as upstream does once the user has been switched.
void remove_impersonation_headers(http::Request& req);

}  // namespace capstan::auth
