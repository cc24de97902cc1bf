#pragma once
// The authorization types on the host protocol (host.capnp AuthorizationRequest and
// AuthorizationResponse), one implementation for every direction: the kernel asking an
// authorizer plugin, a plugin answering (plugin.cpp), a plugin asking the kernel (access.cpp)
// and the kernel answering (kernel/host/authorization_wire).

#include "capstan/access.hpp"
#include "capstan/host.capnp.h"

namespace capstan::sdk::detail {

void write_user(const UserInfo& user, capstan::host::UserInfo::Builder out);
UserInfo read_user(capstan::host::UserInfo::Reader in);
void write_attributes(const AuthorizationAttributes& a, capstan::host::AuthorizationRequest::Builder out);
AuthorizationAttributes read_attributes(capstan::host::AuthorizationRequest::Reader in);
void write_decision(const AuthorizationDecision& d, capstan::host::AuthorizationResponse::Builder out);
AuthorizationDecision read_decision(capstan::host::AuthorizationResponse::Reader in);
void write_rules(const AccessRules& rules, capstan::host::AuthorizationResponse::Builder out);
AccessRules read_rules(capstan::host::AuthorizationResponse::Reader in);

}  // namespace capstan::sdk::detail
