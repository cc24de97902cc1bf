#pragma once
// SelfSubjectAccessReview, SubjectAccessReview and LocalSubjectAccessReview: "may this user do
// this?" as kube-apiserver's authorization REST storage answers it — validated with
// pkg/apis/authorization/validation's messages, the question turned into the authorizer's
// attributes, the chain's decision written back as the review's status. Pure: the plugin asks
// the kernel's authorizers in between.

#include "capstan/access.hpp"
#include "capstan/authorization_v1.capnp.h"
#include "capstan/field_errors.hpp"

namespace capstan::access_reviews {

namespace v1 = capstan::authorization::v1;

// ValidateSelfSubjectAccessReview, ValidateSubjectAccessReview, ValidateLocalSubjectAccessReview.
sdk::field::Causes validate(v1::SelfSubjectAccessReview::Reader review);
sdk::field::Causes validate(v1::SubjectAccessReview::Reader review);
sdk::field::Causes validate(v1::LocalSubjectAccessReview::Reader review);

// The authorizer's question: the spec's resource or non-resource attributes asked by `user`
// (the requester for a self review, the spec's user, groups, uid and extra otherwise).
sdk::AuthorizationAttributes attributes_of(v1::SelfSubjectAccessReviewSpec::Reader spec, const sdk::UserInfo& user);
sdk::AuthorizationAttributes attributes_of(v1::SubjectAccessReviewSpec::Reader spec);

// allowed, denied, reason and evaluationError from the decision.
void write_status(const sdk::AuthorizationDecision& decision, v1::SubjectAccessReviewStatus::Builder status);

}  // namespace capstan::access_reviews
