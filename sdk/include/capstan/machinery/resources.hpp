#pragma once
// The built-in API resources (group, version, plural), as compile-time constants — what client-go
// spells corev1.SchemeGroupVersion.WithResource("pods"). Constants, not globals: they need no
// constructor at load time and every plugin shares one spelling. Plugins use them with the SDK's
// Client and Informer (they convert to sdk::Resource); the kernel, which knows no kind, never
// includes this header.

#include <string>
#include <string_view>
#include <type_traits>

namespace capstan::machinery {

struct GroupVersionResource {
  std::string_view group;     // "" for the core group
  std::string_view version;   // v1
  std::string_view resource;  // the plural: configmaps

  // Converts to a struct of three std::string members named group, version and resource — the
  // SDK's sdk::Resource — without this layer depending on the SDK built on it.
  template <typename R>
    requires std::is_same_v<decltype(R::group), std::string> && std::is_same_v<decltype(R::version), std::string> &&
             std::is_same_v<decltype(R::resource), std::string>
  operator R() const {
    R r;
    r.group = group;
    r.version = version;
    r.resource = resource;
    return r;
  }

  constexpr bool operator==(const GroupVersionResource&) const = default;
};

// core/v1
inline constexpr GroupVersionResource kConfigMaps{"", "v1", "configmaps"};
inline constexpr GroupVersionResource kEndpoints{"", "v1", "endpoints"};
inline constexpr GroupVersionResource kEvents{"", "v1", "events"};
inline constexpr GroupVersionResource kNamespaces{"", "v1", "namespaces"};
inline constexpr GroupVersionResource kNodes{"", "v1", "nodes"};
inline constexpr GroupVersionResource kPersistentVolumes{"", "v1", "persistentvolumes"};
inline constexpr GroupVersionResource kPersistentVolumeClaims{"", "v1", "persistentvolumeclaims"};
inline constexpr GroupVersionResource kPods{"", "v1", "pods"};
inline constexpr GroupVersionResource kPodTemplates{"", "v1", "podtemplates"};
inline constexpr GroupVersionResource kSecrets{"", "v1", "secrets"};
inline constexpr GroupVersionResource kServiceAccounts{"", "v1", "serviceaccounts"};
inline constexpr GroupVersionResource kServices{"", "v1", "services"};
// apps/v1
inline constexpr GroupVersionResource kDeployments{"apps", "v1", "deployments"};
inline constexpr GroupVersionResource kReplicaSets{"apps", "v1", "replicasets"};
inline constexpr GroupVersionResource kDaemonSets{"apps", "v1", "daemonsets"};
inline constexpr GroupVersionResource kControllerRevisions{"apps", "v1", "controllerrevisions"};
inline constexpr GroupVersionResource kStatefulSets{"apps", "v1", "statefulsets"};
// autoscaling/v2
inline constexpr GroupVersionResource kHorizontalPodAutoscalers{"autoscaling", "v2", "horizontalpodautoscalers"};
// batch/v1
inline constexpr GroupVersionResource kJobs{"batch", "v1", "jobs"};
inline constexpr GroupVersionResource kCronJobs{"batch", "v1", "cronjobs"};
// coordination.k8s.io/v1
inline constexpr GroupVersionResource kLeases{"coordination.k8s.io", "v1", "leases"};
// discovery.k8s.io/v1
inline constexpr GroupVersionResource kEndpointSlices{"discovery.k8s.io", "v1", "endpointslices"};
// networking.k8s.io/v1
inline constexpr GroupVersionResource kIngresses{"networking.k8s.io", "v1", "ingresses"};
inline constexpr GroupVersionResource kIngressClasses{"networking.k8s.io", "v1", "ingressclasses"};
// gateway.networking.k8s.io/v1 (the Gateway API, built-in kinds here)
inline constexpr GroupVersionResource kGatewayClasses{"gateway.networking.k8s.io", "v1", "gatewayclasses"};
inline constexpr GroupVersionResource kGateways{"gateway.networking.k8s.io", "v1", "gateways"};
inline constexpr GroupVersionResource kHTTPRoutes{"gateway.networking.k8s.io", "v1", "httproutes"};
// rbac.authorization.k8s.io/v1
inline constexpr GroupVersionResource kRoles{"rbac.authorization.k8s.io", "v1", "roles"};
inline constexpr GroupVersionResource kClusterRoles{"rbac.authorization.k8s.io", "v1", "clusterroles"};
inline constexpr GroupVersionResource kRoleBindings{"rbac.authorization.k8s.io", "v1", "rolebindings"};
inline constexpr GroupVersionResource kClusterRoleBindings{"rbac.authorization.k8s.io", "v1", "clusterrolebindings"};
// storage.k8s.io/v1
inline constexpr GroupVersionResource kStorageClasses{"storage.k8s.io", "v1", "storageclasses"};
inline constexpr GroupVersionResource kCSIDrivers{"storage.k8s.io", "v1", "csidrivers"};
inline constexpr GroupVersionResource kCSINodes{"storage.k8s.io", "v1", "csinodes"};
inline constexpr GroupVersionResource kVolumeAttachments{"storage.k8s.io", "v1", "volumeattachments"};
// metrics.k8s.io/v1beta1 (the same plurals as core/v1, in their own group)
inline constexpr GroupVersionResource kPodMetrics{"metrics.k8s.io", "v1beta1", "pods"};
inline constexpr GroupVersionResource kNodeMetrics{"metrics.k8s.io", "v1beta1", "nodes"};

}  // namespace capstan::machinery
