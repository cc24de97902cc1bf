#pragma once
// Reading the objects quota, limit-range and disruption-budget admission look at out of their
// Cap'n Proto form into the plain facts the pure logic takes.
#include <vector>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_policy.capnp.h"
#include "capstan/object.hpp"
#include "quota_logic.hpp"

namespace capstan::policy {

ContainerResources container_resources(core::v1::Container::Reader c);
PodResources pod_resources(core::v1::PodSpec::Reader spec);
PodFacts pod_facts(core::v1::Pod::Reader pod, int64_t now_seconds);
std::vector<LimitItem> limit_items(core::v1::LimitRange::Reader lr);
QuotaFacts quota_facts(core::v1::ResourceQuota::Reader q);

// Writes defaulted container resources back into a pod builder (containers in order).
void write_pod_resources(core::v1::PodSpec::Builder spec, const PodResources& res);

}  // namespace capstan::policy
