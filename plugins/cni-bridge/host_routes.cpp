#include "host_routes.hpp"

#include <nlohmann/json.hpp>

namespace capstan::cni {

HostNetwork parse_host_network(const std::string& ip_addr_json, const std::string& ip_default_route_json) {
  using nlohmann::json;
  HostNetwork h;
  auto links = json::parse(ip_addr_json, nullptr, false);
  if (links.is_array()) {
    for (const auto& link : links) {
      if (!link.is_object() || !link.contains("ifname") || !link["ifname"].is_string()) continue;
      const std::string dev = link["ifname"].get<std::string>();
      if (!link.contains("addr_info") || !link["addr_info"].is_array()) continue;
      for (const auto& a : link["addr_info"]) {
        if (!a.is_object() || a.value("family", json()) != "inet") continue;
        if (!a.contains("local") || !a["local"].is_string() || !a.contains("prefixlen") || !a["prefixlen"].is_number_integer())
          continue;
        const std::string local = a["local"].get<std::string>();
        const int prefix = a["prefixlen"].get<int>();
        auto addr = parse_ipv4(local);
        if (!addr || prefix < 0 || prefix > 32) continue;
        auto subnet = parse_cidr(local + "/" + std::to_string(prefix), true);
        if (!subnet) continue;
        h.addresses.push_back({dev, *addr, *subnet});
      }
    }
  }
  auto routes = json::parse(ip_default_route_json, nullptr, false);
  if (routes.is_array())
    for (const auto& r : routes)
      if (r.is_object() && r.contains("dev") && r["dev"].is_string()) h.default_route_devs.insert(r["dev"].get<std::string>());
  return h;
}

std::optional<std::string> route_device(const HostNetwork& host, uint32_t node_ip, std::string& why_not) {
  const InterfaceAddress* best = nullptr;
  for (const auto& a : host.addresses) {
    if (a.address == node_ip) {
      why_not = "the address is this host's own";
      return std::nullopt;
    }
    if (a.subnet.prefix < 32 && a.subnet.contains(node_ip) && (!best || a.subnet.prefix > best->subnet.prefix)) best = &a;
  }
  if (!best) {
    why_not = "not on a directly connected subnet";
    return std::nullopt;
  }
  if (best->dev == "lo") {
    why_not = "on loopback";
    return std::nullopt;
  }
  if (host.default_route_devs.count(best->dev)) {
    why_not = "reached through " + best->dev + ", the default-route interface";
    return std::nullopt;
  }
  return best->dev;
}

}  // namespace capstan::cni
