#pragma once
// The kernel's authorization types on the host protocol (host.capnp): a user and a request's
// attributes as an AuthorizationRequest, decisions and rule listings as an
// AuthorizationResponse. The plugin authorizers are asked in this form, and plugins ask the
// kernel in it (the `authorize` host call of the access reviews).

#include "auth/authorizer.hpp"
#include "capstan/host.capnp.h"

namespace capstan::host {

void write_user(const auth::User& user, capstan::host::UserInfo::Builder out);
auth::User read_user(capstan::host::UserInfo::Reader in);

// The whole question: who asks and what.
void write_request(const auth::User& user, const auth::RequestAttributes& a,
                   capstan::host::AuthorizationRequest::Builder out);
auth::RequestAttributes read_attributes(capstan::host::AuthorizationRequest::Reader in);

void write_decision(const auth::Decision& d, capstan::host::AuthorizationResponse::Builder out);
auth::Decision read_decision(capstan::host::AuthorizationResponse::Reader in);

void write_rules(const auth::RuleSet& rules, capstan::host::AuthorizationResponse::Builder out);
auth::RuleSet read_rules(capstan::host::AuthorizationResponse::Reader in);

}  // namespace capstan::host
