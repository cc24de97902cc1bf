#pragma once
// The RBAC policy as the authorizer reads it: every Role, ClusterRole and binding, indexed by
// subject, so one request costs the bindings of its user and groups, not all of them. Built from
// the informer caches; immutable once built (a new one replaces it after any change).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "capstan/object.hpp"
#include "policy_rule.hpp"

namespace capstan::rbac {

struct Binding {
  std::string ns;    // empty: a ClusterRoleBinding
  std::string name;
  std::string role_kind, role_name;  // Role (in ns) or ClusterRole
  std::string subject_text;          // for the reason: `Group "g"`, `User "u"`, `ServiceAccount "sa/ns"`
  // The role's rules, resolved once when the snapshot is built (nullptr: no such role), so a
  // request walks a user's bindings without a lookup per binding.
  const std::vector<PolicyRule>* rules = nullptr;
};

class PolicySnapshot {
 public:
  PolicySnapshot(const std::vector<sdk::ObjectPtr>& roles, const std::vector<sdk::ObjectPtr>& cluster_roles,
                 const std::vector<sdk::ObjectPtr>& role_bindings, const std::vector<sdk::ObjectPtr>& cluster_role_bindings);

  // Allow with upstream's reason (`RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "r" to
  // Group "g"`), or no opinion.
  sdk::AuthorizationDecision authorize(const sdk::AuthorizationAttributes& a) const;
  // The rules a user holds in a namespace (SelfSubjectRulesReview, escalation checks).
  std::vector<PolicyRule> rules_for(const sdk::UserInfo& user, const std::string& ns) const;
  // The rules of a Role (kind "Role", in ns) or ClusterRole; nullptr when there is none.
  const std::vector<PolicyRule>* role_rules(const std::string& kind, const std::string& ns, const std::string& name) const {
    return lookup_rules(Binding{ns, "", kind, name, "", nullptr});
  }

 private:
  const std::vector<PolicyRule>* lookup_rules(const Binding& b) const;
  std::vector<const Binding*> bindings_for(const sdk::UserInfo& user) const;
  std::map<std::string, std::vector<PolicyRule>> roles_;          // "ns/name"
  std::map<std::string, std::vector<PolicyRule>> cluster_roles_;  // name
  std::map<std::string, std::vector<Binding>> by_subject_;        // "User:alice", "Group:dev", "ServiceAccount:ns:sa"
};

}  // namespace capstan::rbac
