#pragma once
// Escalation prevention, as kube-apiserver's RBAC storage: a user may write a Role or
// ClusterRole only with rules they already hold (or with the `escalate` verb on it), and bind a
// role only when they hold all its rules (or have `bind` on it); system:masters may do both.
// The refusal is upstream's Forbidden text, the missing rights listed in PolicyRule's compact
// form, sorted:
//   roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["system:authenticated"])
//   is attempting to grant RBAC permissions not currently held:
//   {APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}

#include <string>
#include <vector>

#include "policy_rule.hpp"

namespace capstan::rbac {

// The requested rights the owner's rules do not cover, broken down to one verb on one resource
// (or URL), then compacted per group and resource as upstream's CompactRules does.
std::vector<PolicyRule> missing_rights(const std::vector<PolicyRule>& owner, const std::vector<PolicyRule>& requested);

// `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}` (Go's %q of each list).
std::string compact_string(const PolicyRule& rule);

// The whole Forbidden message for `<group_resource> "<name>"`.
std::string escalation_message(const std::string& group_resource, const std::string& name, const std::string& user,
                               const std::vector<std::string>& groups, const std::vector<PolicyRule>& missing);

}  // namespace capstan::rbac
