#pragma once
// SelfSubjectReview (`kubectl auth whoami`): the requester as the authenticators saw it —
// username, uid, groups and extra (after impersonation: the impersonated user).

#include "capstan/access.hpp"
#include "capstan/authentication_v1.capnp.h"

namespace capstan::access_reviews {

void write_status(const sdk::UserInfo& user, capstan::authentication::v1::SelfSubjectReviewStatus::Builder status);

}  // namespace capstan::access_reviews
