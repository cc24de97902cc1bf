#pragma once
// Where an agent plugin finds this node's bridge gateway, the address node-local services listen
// on for pods (the cluster DNS resolver, the service proxy's DNS target): the address configured
// for it, else the first host of the Node's spec.podCIDR (machinery::gateway_of, the rule the
// bridge plugin assigns by).

#include <string>

#include "capstan/informer.hpp"

namespace capstan::sdk {

// `configured` when not empty; else the gateway of Node `node_name` as `nodes` (an informer of
// core/v1 nodes) has it; "" while no node name is given, the Node is not known or has no pod CIDR.
std::string node_gateway(const Informer& nodes, const std::string& node_name, const std::string& configured = "");

}  // namespace capstan::sdk
