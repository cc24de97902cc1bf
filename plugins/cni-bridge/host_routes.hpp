#pragma once
// Host-gw routing between nodes, and the rule that keeps it safe: a route to another node's pod
// CIDR is programmed only via a node address that is on a directly connected subnet, and never
// through the interface that carries the host's default route (the machine's real NIC) or
// loopback. Pod traffic therefore never leaves through the real network.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "capstan/machinery/net.hpp"

namespace capstan::cni {

// The CIDR arithmetic of this plugin is the SDK's (capstan/machinery/net.hpp).
using machinery::first_free_subnet;
using machinery::format_ipv4;
using machinery::Ipv4Cidr;
using machinery::parse_cidr;
using machinery::parse_ipv4;

struct InterfaceAddress {
  std::string dev;
  uint32_t address = 0;
  Ipv4Cidr subnet;
};

struct HostNetwork {
  std::vector<InterfaceAddress> addresses;  // IPv4 only
  std::set<std::string> default_route_devs;
};

// From `ip -j addr show` and `ip -j route show default` (JSON). Malformed input gives what could
// be read; it never throws.
HostNetwork parse_host_network(const std::string& ip_addr_json, const std::string& ip_default_route_json);

// The device to reach `node_ip` directly, or nullopt with the reason in `why_not`.
std::optional<std::string> route_device(const HostNetwork& host, uint32_t node_ip, std::string& why_not);

}  // namespace capstan::cni
