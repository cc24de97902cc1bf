#pragma once
// The Deployment controller: rolls Deployments out through ReplicaSets named
// <deployment>-<pod-template-hash> (RollingUpdate within maxSurge/maxUnavailable, or Recreate),
// keeps the revision annotations and the history limit, and records ScalingReplicaSet Events as
// Kubernetes does. Built on the SDK only, so tests drive it against the fake host.

#include <memory>

#include "capstan/host.hpp"
#include "capstan/plugin.hpp"

namespace capstan::deployment {

inline constexpr const char* kComponent = "deployment-controller";

std::unique_ptr<sdk::Plugin> make_controller(const sdk::Host& host);

}  // namespace capstan::deployment
