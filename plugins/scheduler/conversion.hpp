#pragma once
// From the stored objects (capnp readers) to the scheduler's views, parsed once per event.

#include "capstan/core_v1.capnp.h"
#include "framework.hpp"

namespace capstan::scheduler {

// Requests are max(sum of containers, max of initContainers) per resource; a container without
// a request but with a limit requests its limit (the API's defaulting).
PodInfo pod_info_from(core::v1::Pod::Reader pod);
// Node properties only; the requested sums are the cache's business.
NodeInfo node_info_from(core::v1::Node::Reader node);

// A pod's requests only (for the cache's accounting of assigned pods).
Requests pod_requests(core::v1::PodSpec::Reader spec);

// Kubernetes' scoring defaults for containers that request nothing.
inline constexpr int64_t kDefaultMilliCpuRequest = 100;
inline constexpr int64_t kDefaultMemoryRequest = 200 * 1024 * 1024;

}  // namespace capstan::scheduler
