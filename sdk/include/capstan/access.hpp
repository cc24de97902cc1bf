#pragma once
// Authorization as plugins see it: who asks (UserInfo), what they ask to do
// (AuthorizationAttributes), an authorizer's decision, the rules a user holds — and
// AccessChecker, which asks the kernel's authorizers (system:masters, then every authorizer
// plugin) as the API gate does. Authorizer plugins answer through Plugin::authorize and
// Plugin::rules_for; the access reviews (SelfSubjectAccessReview, SelfSubjectRulesReview) ask
// through AccessChecker.

#include <string>
#include <utility>
#include <vector>

#include "capstan/host.hpp"

namespace capstan::sdk {

// An authenticated user, as Kubernetes' user.Info.
struct UserInfo {
  std::string name, uid;
  std::vector<std::string> groups;
  std::vector<std::pair<std::string, std::vector<std::string>>> extra;
};

// What a request asks to do, as Kubernetes' authorizer.Attributes (ABI 1.4).
struct AuthorizationAttributes {
  UserInfo user;
  std::string verb;
  bool resource_request = true;
  std::string group, version, resource, subresource, ns, name;
  std::string path;  // non-resource requests: the URL path
};

struct AuthorizationDecision {
  enum class Kind { kNoOpinion, kAllow, kDeny } decision = Kind::kNoOpinion;
  std::string reason;
  std::string evaluation_error;
  static AuthorizationDecision allow(std::string reason = {}) { return {Kind::kAllow, std::move(reason), {}}; }
  static AuthorizationDecision no_opinion(std::string reason = {}) { return {Kind::kNoOpinion, std::move(reason), {}}; }
  static AuthorizationDecision deny(std::string reason) { return {Kind::kDeny, std::move(reason), {}}; }
};

// What a user may do in a namespace (ABI 1.5), as authorizer.RuleResolver lists it. Rules are
// additive: what is listed holds even when the list is `incomplete`.
struct AccessRules {
  struct Resource {
    std::vector<std::string> verbs, api_groups, resources, resource_names;
  };
  struct NonResource {
    std::vector<std::string> verbs, urls;
  };
  std::vector<Resource> resource_rules;
  std::vector<NonResource> non_resource_rules;
  bool incomplete = false;
  std::string evaluation_error;
};

// Asks the kernel's authorizers (ABI 1.5, the `authorize` host call). Throws std::runtime_error
// when the host cannot authorize (an agent's remote host) or is not ready yet.
class AccessChecker {
 public:
  explicit AccessChecker(const Host& host) : host_(host) {}
  AuthorizationDecision check(const AuthorizationAttributes& request) const;
  AccessRules rules_for(const UserInfo& user, const std::string& ns) const;

 private:
  const Host& host_;
};

}  // namespace capstan::sdk
