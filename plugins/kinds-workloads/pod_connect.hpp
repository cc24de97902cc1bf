#pragma once
// Resolves the pods' connect subresources (log, exec, attach) for the kernel's proxy: answers a
// serialized host.capnp ConnectResponse for a serialized ConnectRequest.

#include <string>

#include "capstan/client.hpp"

namespace capstan::workloads {

std::string resolve_pod_connect(const sdk::Client& client, const std::string& request);

}  // namespace capstan::workloads
