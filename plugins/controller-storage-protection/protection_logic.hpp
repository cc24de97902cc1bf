#pragma once
// What the `kubernetes.io/pvc-protection` and `kubernetes.io/pv-protection` finalizers mean, as
// pure decisions (kube-controller-manager's pvc-protection and pv-protection controllers,
// release-1.33):
//   - a claim being deleted keeps its finalizer while a scheduled pod (spec.nodeName set) names it
//     in spec.volumes[].persistentVolumeClaim, whatever the pod's phase: the kubelet may still
//     have it mounted, and it refuses to start pods on a claim that is being deleted;
//   - a volume being deleted keeps its finalizer while its status.phase is Bound;
//   - an object that is not being deleted and lacks the finalizer gets it (objects created before
//     the admission added it, or whose finalizer someone removed).

#include <string>
#include <vector>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_storage.capnp.h"

namespace capstan::storage_protection {

inline constexpr const char* kPvcFinalizer = "kubernetes.io/pvc-protection";
inline constexpr const char* kPvFinalizer = "kubernetes.io/pv-protection";

enum class Action { kNone, kAddFinalizer, kRemoveFinalizer, kWait };

// Whether `pod` keeps the claim `claim` (of the pod's namespace) in use.
bool pod_uses_claim(core::v1::Pod::Reader pod, const std::string& claim);

// The claims (names) a pod's volumes name.
std::vector<std::string> claims_of(core::v1::Pod::Reader pod);

// `in_use`: some pod keeps the claim (see pod_uses_claim).
Action claim_action(core::v1::PersistentVolumeClaim::Reader pvc, bool in_use);
Action volume_action(core::v1::PersistentVolume::Reader pv);

// The finalizers of a list without `finalizer` (order kept).
std::vector<std::string> without(capnp::List<capnp::Text>::Reader finalizers, const std::string& finalizer);

}  // namespace capstan::storage_protection
