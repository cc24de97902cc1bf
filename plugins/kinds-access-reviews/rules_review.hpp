#pragma once
// SelfSubjectRulesReview (`kubectl auth can-i --list`): the rules the requester holds in a
// namespace, as the kernel's authorizers list them (the RBAC plugin's bindings). kube-apiserver
// refuses a review without a namespace with 400 "no namespace on request".

#include <optional>
#include <string>

#include "capstan/access.hpp"
#include "capstan/authorization_v1.capnp.h"

namespace capstan::access_reviews {

// The namespace to list, or the 400 message when there is none.
std::optional<std::string> rules_namespace(capstan::authorization::v1::SelfSubjectRulesReview::Reader review,
                                           std::string& error);

void write_status(const sdk::AccessRules& rules, capstan::authorization::v1::SubjectRulesReviewStatus::Builder status);

}  // namespace capstan::access_reviews
