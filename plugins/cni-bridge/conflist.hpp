#pragma once
// The CNI configuration list a node's runtime uses for its pods (containernetworking-plugins
// 1.1.1: bridge + host-local IPAM + portmap; containerd adds loopback itself).

#include <string>

namespace capstan::cni {

struct BridgeNetwork {
  std::string name = "capstan";
  std::string bridge = "capstan0";
  std::string pod_cidr;      // this node's podCIDR, e.g. 10.244.1.0/24
  std::string gateway;       // its first address, the bridge's, e.g. 10.244.1.1
  std::string ipam_dir;      // host-local's lease directory
  bool ip_masq = false;
  bool hairpin_mode = true;
  int mtu = 0;               // 0 = the plugin's default
};

std::string bridge_conflist(const BridgeNetwork& n);

}  // namespace capstan::cni
