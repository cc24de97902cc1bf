#include "bootstrap_policy.hpp"

namespace capstan::rbac {

namespace {

using V = std::vector<std::string>;

const V kRead = {"get", "list", "watch"};
const V kWrite = {"create", "delete", "deletecollection", "patch", "update"};
const V kReadWrite = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};

PolicyRule rule(V groups, V resources, V verbs) { return {std::move(verbs), std::move(groups), std::move(resources), {}, {}}; }
PolicyRule urls(V paths, V verbs) { return {std::move(verbs), {}, {}, {}, std::move(paths)}; }

}  // namespace

const std::vector<BootstrapRole>& bootstrap_cluster_roles() {
  static const std::vector<BootstrapRole> roles = {
      {"cluster-admin", {}, {rule({"*"}, {"*"}, {"*"}), urls({"*"}, {"*"})}, {}},
      {"admin", {}, {}, {"rbac.authorization.k8s.io/aggregate-to-admin"}},
      {"edit", {{"rbac.authorization.k8s.io/aggregate-to-admin", "true"}}, {}, {"rbac.authorization.k8s.io/aggregate-to-edit"}},
      {"view", {{"rbac.authorization.k8s.io/aggregate-to-edit", "true"}}, {}, {"rbac.authorization.k8s.io/aggregate-to-view"}},
      {"system:aggregate-to-admin",
       {{"rbac.authorization.k8s.io/aggregate-to-admin", "true"}},
       {rule({"authorization.k8s.io"}, {"localsubjectaccessreviews"}, {"create"}),
        rule({"rbac.authorization.k8s.io"}, {"rolebindings", "roles"}, kReadWrite)},
       {}},
      {"system:aggregate-to-edit",
       {{"rbac.authorization.k8s.io/aggregate-to-edit", "true"}},
       {rule({""}, {"pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"}, kRead),
        rule({""}, {"serviceaccounts"}, {"impersonate"}),
        rule({""}, {"pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"}, kWrite),
        rule({""}, {"pods/eviction"}, {"create"}),
        rule({""}, {"configmaps", "events", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale",
                    "secrets", "serviceaccounts", "services", "services/proxy"},
             kWrite),
        rule({""}, {"serviceaccounts/token"}, {"create"}),
        rule({"apps"}, {"daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
                        "replicasets/scale", "statefulsets", "statefulsets/scale"},
             kWrite),
        rule({"autoscaling"}, {"horizontalpodautoscalers"}, kWrite), rule({"batch"}, {"cronjobs", "jobs"}, kWrite),
        rule({"policy"}, {"poddisruptionbudgets"}, kWrite),
        rule({"networking.k8s.io"}, {"ingresses", "networkpolicies"}, kWrite),
        rule({"coordination.k8s.io"}, {"leases"}, kReadWrite)},
       {}},
      {"system:aggregate-to-view",
       {{"rbac.authorization.k8s.io/aggregate-to-view", "true"}},
       {rule({""}, {"configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                    "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"},
             kRead),
        rule({""}, {"bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
                    "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"},
             kRead),
        rule({""}, {"namespaces"}, kRead), rule({"discovery.k8s.io"}, {"endpointslices"}, kRead),
        rule({"apps"}, {"controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                        "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
                        "statefulsets/scale", "statefulsets/status"},
             kRead),
        rule({"autoscaling"}, {"horizontalpodautoscalers", "horizontalpodautoscalers/status"}, kRead),
        rule({"batch"}, {"cronjobs", "cronjobs/status", "jobs", "jobs/status"}, kRead),
        rule({"policy"}, {"poddisruptionbudgets", "poddisruptionbudgets/status"}, kRead),
        rule({"networking.k8s.io"}, {"ingresses", "ingresses/status", "networkpolicies"}, kRead)},
       {}},
      {"system:auth-delegator",
       {},
       {rule({"authentication.k8s.io"}, {"tokenreviews"}, {"create"}),
        rule({"authorization.k8s.io"}, {"subjectaccessreviews"}, {"create"})},
       {}},
      {"system:basic-user",
       {},
       {rule({"authorization.k8s.io"}, {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}, {"create"}),
        rule({"authentication.k8s.io"}, {"selfsubjectreviews"}, {"create"})},
       {}},
      {"system:discovery",
       {},
       {urls({"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version",
              "/version/"},
             {"get"})},
       {}},
      {"system:public-info-viewer", {}, {urls({"/healthz", "/livez", "/readyz", "/version", "/version/"}, {"get"})}, {}},
  };
  return roles;
}

const std::vector<BootstrapBinding>& bootstrap_cluster_role_bindings() {
  static const std::vector<BootstrapBinding> bindings = {
      {"cluster-admin", "cluster-admin", {{"Group", "system:masters"}}},
      {"system:basic-user", "system:basic-user", {{"Group", "system:authenticated"}}},
      {"system:discovery", "system:discovery", {{"Group", "system:authenticated"}}},
      {"system:public-info-viewer", "system:public-info-viewer",
       {{"Group", "system:authenticated"}, {"Group", "system:unauthenticated"}}},
  };
  return bindings;
}

}  // namespace capstan::rbac
