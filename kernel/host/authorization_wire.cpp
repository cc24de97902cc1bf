#include "host/authorization_wire.hpp"

#include "capstan/access_wire.hpp"

namespace capstan::host {

// The kernel's auth types are the SDK's in another namespace (kernel/auth does not depend on
// the SDK); these copies let the one wire implementation (capstan/access_wire.hpp) serve both.
namespace {

sdk::UserInfo to_sdk(const auth::User& u) { return {u.name, u.uid, u.groups, u.extra}; }
auth::User from_sdk(const sdk::UserInfo& u) { return {u.name, u.uid, u.groups, u.extra}; }

}  // namespace

void write_user(const auth::User& user, capstan::host::UserInfo::Builder out) { sdk::detail::write_user(to_sdk(user), out); }

auth::User read_user(capstan::host::UserInfo::Reader in) { return from_sdk(sdk::detail::read_user(in)); }

void write_request(const auth::User& user, const auth::RequestAttributes& a,
                   capstan::host::AuthorizationRequest::Builder out) {
  sdk::AuthorizationAttributes s;
  s.user = to_sdk(user);
  s.verb = a.verb;
  s.resource_request = a.resource_request;
  s.group = a.group;
  s.version = a.version;
  s.resource = a.resource;
  s.subresource = a.subresource;
  s.ns = a.ns;
  s.name = a.name;
  s.path = a.path;
  sdk::detail::write_attributes(s, out);
}

auth::RequestAttributes read_attributes(capstan::host::AuthorizationRequest::Reader in) {
  const sdk::AuthorizationAttributes s = sdk::detail::read_attributes(in);
  auth::RequestAttributes a;
  a.verb = s.verb;
  a.resource_request = s.resource_request;
  a.group = s.group;
  a.version = s.version;
  a.resource = s.resource;
  a.subresource = s.subresource;
  a.ns = s.ns;
  a.name = s.name;
  a.path = s.path;
  return a;
}

void write_decision(const auth::Decision& d, capstan::host::AuthorizationResponse::Builder out) {
  using K = auth::Decision::Kind;
  using S = sdk::AuthorizationDecision::Kind;
  sdk::detail::write_decision(
      {d.kind == K::kAllow ? S::kAllow : d.kind == K::kDeny ? S::kDeny : S::kNoOpinion, d.reason, d.evaluation_error}, out);
}

auth::Decision read_decision(capstan::host::AuthorizationResponse::Reader in) {
  using K = auth::Decision::Kind;
  using S = sdk::AuthorizationDecision::Kind;
  const sdk::AuthorizationDecision s = sdk::detail::read_decision(in);
  return {s.decision == S::kAllow ? K::kAllow : s.decision == S::kDeny ? K::kDeny : K::kNoOpinion, s.reason,
          s.evaluation_error};
}

void write_rules(const auth::RuleSet& rules, capstan::host::AuthorizationResponse::Builder out) {
  sdk::AccessRules s;
  for (const auto& r : rules.resource_rules) s.resource_rules.push_back({r.verbs, r.api_groups, r.resources, r.resource_names});
  for (const auto& r : rules.non_resource_rules) s.non_resource_rules.push_back({r.verbs, r.urls});
  s.incomplete = rules.incomplete;
  s.evaluation_error = rules.evaluation_error;
  sdk::detail::write_rules(s, out);
}

auth::RuleSet read_rules(capstan::host::AuthorizationResponse::Reader in) {
  const sdk::AccessRules s = sdk::detail::read_rules(in);
  auth::RuleSet rules;
  for (const auto& r : s.resource_rules) rules.resource_rules.push_back({r.verbs, r.api_groups, r.resources, r.resource_names});
  for (const auto& r : s.non_resource_rules) rules.non_resource_rules.push_back({r.verbs, r.urls});
  rules.incomplete = s.incomplete;
  rules.evaluation_error = s.evaluation_error;
  return rules;
}

}  // namespace capstan::host
