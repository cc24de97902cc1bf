// capstan.authorizer.v1/rbac: Role, ClusterRole, RoleBinding, ClusterRoleBinding
// (rbac.authorization.k8s.io/v1) and the authorizer over them.
#include "capstan/plugin.hpp"
#include "capstan/rbac_v1.capnp.h"
#include "rbac_plugin.hpp"

namespace {

using namespace capstan;

sdk::KindSpec kind(const char* k, const char* plural, const char* singular, bool namespaced, capnp::StructSchema schema) {
  sdk::KindSpec s;
  s.group = "rbac.authorization.k8s.io";
  s.version = "v1";
  s.kind = k;
  s.plural = plural;
  s.singular = singular;
  s.namespaced = namespaced;
  s.schema = schema;
  s.admission = true;
  s.name_rule = "pathSegment";  // "system:discovery", "system:node:<name>"
  return s;
}

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.authorizer.v1";
  info.id = "rbac";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.core"};
  info.manifest.description("rbac.authorization.k8s.io/v1 and the RBAC authorizer");
  info.manifest.kind(kind("Role", "roles", "role", true, capnp::Schema::from<rbac::v1::Role>()));
  info.manifest.kind(kind("ClusterRole", "clusterroles", "clusterrole", false, capnp::Schema::from<rbac::v1::ClusterRole>()));
  info.manifest.kind(kind("RoleBinding", "rolebindings", "rolebinding", true, capnp::Schema::from<rbac::v1::RoleBinding>()));
  info.manifest.kind(
      kind("ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", false, capnp::Schema::from<rbac::v1::ClusterRoleBinding>()));
  // After the node authorizer (order 0) when there is one, as kube-apiserver's Node,RBAC.
  info.manifest.authorizer(10);
  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<rbac::RbacPlugin>(host); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
