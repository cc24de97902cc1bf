#include "conflist.hpp"

#include <nlohmann/json.hpp>

namespace capstan::cni {

std::string bridge_conflist(const BridgeNetwork& n) {
  using nlohmann::json;
  json ipam = {{"type", "host-local"},
               {"ranges", json::array({json::array({{{"subnet", n.pod_cidr}, {"gateway", n.gateway}}})})},
               {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}};
  if (!n.ipam_dir.empty()) ipam["dataDir"] = n.ipam_dir;
  json bridge = {{"type", "bridge"},     {"bridge", n.bridge},           {"isGateway", true},
                 {"ipMasq", n.ip_masq},  {"hairpinMode", n.hairpin_mode}, {"ipam", ipam}};
  if (n.mtu > 0) bridge["mtu"] = n.mtu;
  json portmap = {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}};
  json list = {{"cniVersion", "0.4.0"}, {"name", n.name}, {"plugins", json::array({bridge, portmap})}};
  return list.dump(2) + "\n";
}

}  // namespace capstan::cni
