#include "policy_snapshot.hpp"

#include "capstan/rbac_v1.capnp.h"

namespace capstan::rbac {

namespace {

constexpr const char* kServiceAccountPrefix = "system:serviceaccount:";

template <typename Reader>
void index_binding(Reader b, const std::string& ns, const std::string& name,
                   std::map<std::string, std::vector<Binding>>& by_subject) {
  auto ref = b.getRoleRef();
  for (auto s : b.getSubjects()) {
    std::string kind = s.getKind();
    std::string sname = s.getName();
    Binding binding{ns, name, ref.getKind(), ref.getName(), "", nullptr};
    std::string key;
    if (kind == "User") {
      key = "User:" + sname;
      binding.subject_text = "User \"" + sname + "\"";
    } else if (kind == "Group") {
      key = "Group:" + sname;
      binding.subject_text = "Group \"" + sname + "\"";
    } else if (kind == "ServiceAccount") {
      // A ServiceAccount subject without a namespace means the binding's own (upstream).
      std::string sns = s.getNamespace();
      if (sns.empty()) sns = ns;
      key = "ServiceAccount:" + sns + ":" + sname;
      binding.subject_text = "ServiceAccount \"" + sname + "/" + sns + "\"";
    } else {
      continue;
    }
    by_subject[key].push_back(std::move(binding));
  }
}

}  // namespace

PolicySnapshot::PolicySnapshot(const std::vector<sdk::ObjectPtr>& roles, const std::vector<sdk::ObjectPtr>& cluster_roles,
                               const std::vector<sdk::ObjectPtr>& role_bindings,
                               const std::vector<sdk::ObjectPtr>& cluster_role_bindings) {
  for (const auto& o : roles) roles_[o->ns() + "/" + o->name()] = rbac::rules_of(o->as<v1::Role>().getRules());
  for (const auto& o : cluster_roles) cluster_roles_[o->name()] = rbac::rules_of(o->as<v1::ClusterRole>().getRules());
  for (const auto& o : role_bindings) index_binding(o->as<v1::RoleBinding>(), o->ns(), o->name(), by_subject_);
  for (const auto& o : cluster_role_bindings) index_binding(o->as<v1::ClusterRoleBinding>(), "", o->name(), by_subject_);
  for (auto& [subject, bindings] : by_subject_)
    for (auto& b : bindings) b.rules = lookup_rules(b);
}

const std::vector<PolicyRule>* PolicySnapshot::lookup_rules(const Binding& b) const {
  if (b.role_kind == "ClusterRole") {
    auto it = cluster_roles_.find(b.role_name);
    return it == cluster_roles_.end() ? nullptr : &it->second;
  }
  if (b.role_kind == "Role" && !b.ns.empty()) {
    auto it = roles_.find(b.ns + "/" + b.role_name);
    return it == roles_.end() ? nullptr : &it->second;
  }
  return nullptr;
}

std::vector<const Binding*> PolicySnapshot::bindings_for(const sdk::UserInfo& user) const {
  std::vector<const Binding*> out;
  auto add = [&](const std::string& key) {
    auto it = by_subject_.find(key);
    if (it == by_subject_.end()) return;
    for (const auto& b : it->second) out.push_back(&b);
  };
  add("User:" + user.name);
  for (const auto& g : user.groups) add("Group:" + g);
  // system:serviceaccount:<ns>:<name> is also the ServiceAccount subject <ns>/<name>.
  const std::string prefix = kServiceAccountPrefix;
  if (user.name.compare(0, prefix.size(), prefix) == 0) {
    std::string rest = user.name.substr(prefix.size());
    auto colon = rest.find(':');
    if (colon != std::string::npos) add("ServiceAccount:" + rest.substr(0, colon) + ":" + rest.substr(colon + 1));
  }
  return out;
}

sdk::AuthorizationDecision PolicySnapshot::authorize(const sdk::AuthorizationAttributes& a) const {
  for (const Binding* b : bindings_for(a.user)) {
    // A RoleBinding grants only in its namespace, and never non-resource URLs.
    if (!b->ns.empty() && (!a.resource_request || a.ns != b->ns)) continue;
    if (!b->rules) continue;
    for (const auto& r : *b->rules) {
      if (!rule_allows(r, a)) continue;
      std::string by = b->ns.empty() ? "ClusterRoleBinding \"" + b->name + "\""
                                     : "RoleBinding \"" + b->name + "/" + b->ns + "\"";
      return sdk::AuthorizationDecision::allow("RBAC: allowed by " + by + " of " + b->role_kind + " \"" + b->role_name +
                                               "\" to " + b->subject_text);
    }
  }
  return sdk::AuthorizationDecision::no_opinion();
}

std::vector<PolicyRule> PolicySnapshot::rules_for(const sdk::UserInfo& user, const std::string& ns) const {
  std::vector<PolicyRule> out;
  for (const Binding* b : bindings_for(user)) {
    if (!b->ns.empty() && b->ns != ns) continue;
    if (b->rules) out.insert(out.end(), b->rules->begin(), b->rules->end());
  }
  return out;
}

}  // namespace capstan::rbac
