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

// The two rule lists into any struct that holds them as the host protocol and
// authorization.k8s.io's SubjectRulesReviewStatus both do (resourceRules: verbs, apiGroups,
// resources, resourceNames; nonResourceRules: verbs, nonResourceURLs).
template <typename Builder>
void write_rule_lists(const AccessRules& rules, Builder out) {
  auto set_texts = [](const std::vector<std::string>& values, auto list) {
    for (unsigned i = 0; i < values.size(); ++i) list.set(i, values[i]);
  };
  auto size = [](const std::vector<std::string>& v) { return static_cast<unsigned>(v.size()); };
  auto rr = out.initResourceRules(static_cast<unsigned>(rules.resource_rules.size()));
  for (unsigned i = 0; i < rules.resource_rules.size(); ++i) {
    const auto& r = rules.resource_rules[i];
    auto b = rr[i];
    set_texts(r.verbs, b.initVerbs(size(r.verbs)));
    set_texts(r.api_groups, b.initApiGroups(size(r.api_groups)));
    set_texts(r.resources, b.initResources(size(r.resources)));
    set_texts(r.resource_names, b.initResourceNames(size(r.resource_names)));
  }
  auto nr = out.initNonResourceRules(static_cast<unsigned>(rules.non_resource_rules.size()));
  for (unsigned i = 0; i < rules.non_resource_rules.size(); ++i) {
    const auto& r = rules.non_resource_rules[i];
    set_texts(r.verbs, nr[i].initVerbs(size(r.verbs)));
    set_texts(r.urls, nr[i].initNonResourceURLs(size(r.urls)));
  }
}
AccessRules read_rules(capstan::host::AuthorizationResponse::Reader in);

}  // namespace capstan::sdk::detail
