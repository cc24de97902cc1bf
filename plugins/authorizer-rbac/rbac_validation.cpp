#include "rbac_validation.hpp"

#include "capstan/field_errors.hpp"
#include "capstan/rbac_v1.capnp.h"

namespace capstan::rbac {

namespace {

namespace field = sdk::field;
constexpr const char* kGroup = "rbac.authorization.k8s.io";

// Go's %#v of a []string.
std::string go_strings(capnp::List<capnp::Text>::Reader l) {
  std::string out = "[]string{";
  for (unsigned i = 0; i < l.size(); ++i) out += (i ? ", " : "") + field::go_quote(l[i].cStr());
  return out + "}";
}

void validate_rules(field::Causes& causes, capnp::List<v1::PolicyRule>::Reader rules, bool namespaced) {
  for (unsigned i = 0; i < rules.size(); ++i) {
    auto r = rules[i];
    std::string path = "rules[" + std::to_string(i) + "]";
    if (r.getVerbs().size() == 0) field::required(causes, path + ".verbs", "verbs must contain at least one value");
    if (r.getNonResourceURLs().size() > 0) {
      if (namespaced) {
        field::invalid(causes, path + ".nonResourceURLs", go_strings(r.getNonResourceURLs()), "namespaced rules cannot apply to non-resource URLs");
      }
      if (r.getApiGroups().size() > 0 || r.getResources().size() > 0 || r.getResourceNames().size() > 0)
        field::invalid(causes, path + ".nonResourceURLs", go_strings(r.getNonResourceURLs()), "rules cannot apply to both regular resources and non-resource URLs");
      continue;
    }
    if (r.getApiGroups().size() == 0) field::required(causes, path + ".apiGroups", "resource rules must supply at least one api group");
    if (r.getResources().size() == 0) field::required(causes, path + ".resources", "resource rules must supply at least one resource");
  }
}

template <typename Binding>
void validate_binding(field::Causes& causes, Binding b, bool cluster) {
  auto ref = b.getRoleRef();
  if (std::string(ref.getApiGroup()) != kGroup)
    field::not_supported(causes, "roleRef.apiGroup", field::go_quote(ref.getApiGroup().cStr()), {kGroup});
  std::string kind = ref.getKind();
  if (cluster) {
    if (kind != "ClusterRole") field::not_supported(causes, "roleRef.kind", field::go_quote(kind), {"ClusterRole"});
  } else if (kind != "Role" && kind != "ClusterRole") {
    field::not_supported(causes, "roleRef.kind", field::go_quote(kind), {"Role", "ClusterRole"});
  }
  if (ref.getName().size() == 0) field::required(causes, "roleRef.name");
  auto subjects = b.getSubjects();
  for (unsigned i = 0; i < subjects.size(); ++i) {
    auto s = subjects[i];
    std::string path = "subjects[" + std::to_string(i) + "]";
    if (s.getName().size() == 0) field::required(causes, path + ".name");
    std::string k = s.getKind();
    std::string group = s.getApiGroup();
    if (k == "ServiceAccount") {
      if (!group.empty()) field::not_supported(causes, path + ".apiGroup", field::go_quote(group), {""});
      if (cluster && s.getNamespace().size() == 0) field::required(causes, path + ".namespace");
    } else if (k == "User" || k == "Group") {
      // An empty apiGroup is what upstream's defaulting turns into rbac.authorization.k8s.io.
      if (!group.empty() && group != kGroup) field::not_supported(causes, path + ".apiGroup", field::go_quote(group), {kGroup});
    } else {
      field::not_supported(causes, path + ".kind", field::go_quote(k), {"ServiceAccount", "User", "Group"});
    }
  }
}

template <typename Binding>
void validate_binding_update(field::Causes& causes, Binding b, Binding old) {
  auto n = b.getRoleRef();
  auto o = old.getRoleRef();
  if (std::string(n.getApiGroup()) != std::string(o.getApiGroup()) || std::string(n.getKind()) != std::string(o.getKind()) ||
      std::string(n.getName()) != std::string(o.getName())) {
    // field.Invalid renders the value with Go's %#v.
    std::string value = "rbac.RoleRef{APIGroup:" + field::go_quote(n.getApiGroup().cStr()) + ", Kind:" + field::go_quote(n.getKind().cStr()) +
                        ", Name:" + field::go_quote(n.getName().cStr()) + "}";
    field::invalid(causes, "roleRef", value, "cannot change roleRef");
  }
}

}  // namespace

sdk::AdmissionResult validate(const sdk::AdmissionRequest& req) {
  if (req.operation == sdk::AdmissionRequest::Operation::kDelete || !req.object) return sdk::AdmissionResult::allow();
  field::Causes causes;
  const bool update = req.operation == sdk::AdmissionRequest::Operation::kUpdate && req.old_object;
  if (req.kind == "Role") {
    validate_rules(causes, req.object->as<v1::Role>().getRules(), true);
  } else if (req.kind == "ClusterRole") {
    validate_rules(causes, req.object->as<v1::ClusterRole>().getRules(), false);
  } else if (req.kind == "RoleBinding") {
    validate_binding(causes, req.object->as<v1::RoleBinding>(), false);
    if (update) validate_binding_update(causes, req.object->as<v1::RoleBinding>(), req.old_object->as<v1::RoleBinding>());
  } else if (req.kind == "ClusterRoleBinding") {
    validate_binding(causes, req.object->as<v1::ClusterRoleBinding>(), true);
    if (update)
      validate_binding_update(causes, req.object->as<v1::ClusterRoleBinding>(), req.old_object->as<v1::ClusterRoleBinding>());
  }
  if (causes.empty()) return sdk::AdmissionResult::allow();
  return sdk::AdmissionResult::invalid("", std::move(causes));
}

}  // namespace capstan::rbac
