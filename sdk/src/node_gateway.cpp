#include "capstan/node_gateway.hpp"

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/net.hpp"

namespace capstan::sdk {

std::string node_gateway(const Informer& nodes, const std::string& node_name, const std::string& configured) {
  if (!configured.empty()) return configured;
  if (node_name.empty()) return {};
  auto node = nodes.get("", node_name);
  if (!node) return {};
  return machinery::gateway_of(node->as<core::v1::Node>().getSpec().getPodCIDR().cStr()).value_or("");
}

}  // namespace capstan::sdk
