#pragma once
// kube-apiserver's LimitRanger admission plugin, as pure functions over resource lists: the
// defaults a LimitRange's Container items give to containers that omit requests or limits (and
// the `kubernetes.io/limit-ranger` annotation recording them), the min / max /
// maxLimitRequestRatio checks of Container, Pod and PersistentVolumeClaim items with upstream's
// messages byte for byte, and the defaulting of a LimitRange object itself
// (SetDefaults_LimitRangeItem).
#include <string>
#include <vector>

#include "resource_list.hpp"

namespace capstan::policy {

inline constexpr const char* kLimitRangerAnnotation = "kubernetes.io/limit-ranger";

struct LimitItem {
  std::string type;  // Container, Pod, PersistentVolumeClaim
  ResourceList max, min, default_limit, default_request, max_limit_request_ratio;
};

struct ContainerResources {
  std::string name;
  ResourceList requests, limits;
};

struct PodResources {
  std::vector<ContainerResources> containers, init_containers;
};

// SetDefaults_LimitRangeItem: for Container items, default <- max, defaultRequest <- default,
// then defaultRequest <- min, each only where unset.
void default_limit_range_item(LimitItem& item);

// MutateLimit of one LimitRange: API defaulting first copies a container's limit into a missing
// request (as the pod's decoding does upstream before admission), then every Container item's
// default and defaultRequest fill what is missing. Returns the annotation value ("LimitRanger
// plugin set: cpu, memory request for container c; ...") or "" when nothing was set.
std::string apply_defaults(PodResources& pod, const std::vector<LimitItem>& items);

// PodValidateLimitFunc / PersistentVolumeClaimValidateLimitFunc of one LimitRange: each violated
// constraint's message, in item order then resource-name order.
std::vector<std::string> validate_pod(const PodResources& pod, const std::vector<LimitItem>& items);
std::vector<std::string> validate_pvc(const ResourceList& requests, const std::vector<LimitItem>& items);

// utilerrors.NewAggregate(errs).Error(): one message as is, several as "[a, b]" (duplicates once).
std::string aggregate(const std::vector<std::string>& errors);

// The pod-level sums limitranger checks Pod items against: containers summed, each init
// container's value taken when larger.
ResourceList pod_total(const PodResources& pod, bool limits);

}  // namespace capstan::policy
