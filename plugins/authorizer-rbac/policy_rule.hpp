#pragma once
// One RBAC rule, as rbac.authorization.k8s.io/v1 PolicyRule, and whether it covers a request —
// upstream's RuleAllows: verbs, API groups, resources (`res`, `res/sub`, `*`, `*/sub`, `res/*`
// as upstream's ResourceMatches), resourceNames (only for requests that name an object) for
// resource requests; nonResourceURLs (exact, or a prefix ending in `*`) for the others.

#include <string>
#include <vector>

#include "capstan/plugin.hpp"
#include "capstan/rbac_v1.capnp.h"

namespace capstan::rbac {

struct PolicyRule {
  std::vector<std::string> verbs, api_groups, resources, resource_names, non_resource_urls;
};

PolicyRule rule_of(capstan::rbac::v1::PolicyRule::Reader r);
std::vector<PolicyRule> rules_of(capnp::List<capstan::rbac::v1::PolicyRule>::Reader l);

bool rule_allows(const PolicyRule& rule, const sdk::AuthorizationAttributes& a);

}  // namespace capstan::rbac
