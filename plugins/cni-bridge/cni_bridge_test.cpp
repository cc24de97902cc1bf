// Unit tests of the pod network's pure parts: CIDR arithmetic and allocation, the CNI
// configuration, and the route safety rule.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "capstan/machinery/net.hpp"
#include "conflist.hpp"
#include "host_routes.hpp"

using namespace capstan::cni;

TEST(Conflist, BridgeHostLocalPortmap) {
  BridgeNetwork n;
  n.pod_cidr = "10.244.3.0/24";
  n.gateway = "10.244.3.1";
  n.ipam_dir = "/var/lib/capstan/cni/ipam";
  auto j = nlohmann::json::parse(bridge_conflist(n));
  EXPECT_EQ(j["cniVersion"], "0.4.0");
  EXPECT_EQ(j["name"], "capstan");
  ASSERT_EQ(j["plugins"].size(), 2u);
  auto b = j["plugins"][0];
  EXPECT_EQ(b["type"], "bridge");
  EXPECT_EQ(b["bridge"], "capstan0");
  EXPECT_EQ(b["isGateway"], true);
  EXPECT_EQ(b["ipMasq"], false);
  EXPECT_EQ(b["hairpinMode"], true);
  EXPECT_EQ(b["ipam"]["type"], "host-local");
  EXPECT_EQ(b["ipam"]["ranges"][0][0]["subnet"], "10.244.3.0/24");
  EXPECT_EQ(b["ipam"]["ranges"][0][0]["gateway"], "10.244.3.1");
  EXPECT_EQ(b["ipam"]["dataDir"], "/var/lib/capstan/cni/ipam");
  EXPECT_FALSE(b.contains("mtu"));
  EXPECT_EQ(j["plugins"][1]["type"], "portmap");
  EXPECT_EQ(j["plugins"][1]["capabilities"]["portMappings"], true);
}

const char* kAddrs = R"([
 {"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
 {"ifname":"eth0","addr_info":[{"family":"inet","local":"172.16.0.2","prefixlen":24}]},
 {"ifname":"nodes0","addr_info":[{"family":"inet","local":"192.168.77.1","prefixlen":24},
                                 {"family":"inet6","local":"fe80::1","prefixlen":64}]},
 {"ifname":"wide0","addr_info":[{"family":"inet","local":"192.168.0.1","prefixlen":16}]}])";
const char* kDefault = R"([{"dst":"default","gateway":"172.16.0.1","dev":"eth0","flags":[]}])";

TEST(Routes, OnlyViaConnectedNonDefaultInterfaces) {
  auto h = parse_host_network(kAddrs, kDefault);
  ASSERT_EQ(h.addresses.size(), 4u);
  EXPECT_EQ(h.default_route_devs, std::set<std::string>{"eth0"});
  std::string why;
  // Longest prefix wins: 192.168.77.0/24 over 192.168.0.0/16.
  EXPECT_EQ(route_device(h, *parse_ipv4("192.168.77.2"), why), "nodes0");
  EXPECT_EQ(route_device(h, *parse_ipv4("192.168.5.2"), why), "wide0");
  EXPECT_FALSE(route_device(h, *parse_ipv4("172.16.0.9"), why));
  EXPECT_NE(why.find("default-route"), std::string::npos);
  EXPECT_FALSE(route_device(h, *parse_ipv4("127.0.0.1"), why));
  EXPECT_FALSE(route_device(h, *parse_ipv4("127.0.0.5"), why));
  EXPECT_EQ(why, "on loopback");
  EXPECT_FALSE(route_device(h, *parse_ipv4("8.8.8.8"), why));
  EXPECT_EQ(why, "not on a directly connected subnet");
  EXPECT_FALSE(route_device(h, *parse_ipv4("192.168.77.1"), why));
}

TEST(Routes, MalformedInputIsIgnored) {
  auto h = parse_host_network("not json", "[1,2,{\"dev\":3}]");
  EXPECT_TRUE(h.addresses.empty());
  EXPECT_TRUE(h.default_route_devs.empty());
  std::string why;
  EXPECT_FALSE(route_device(h, 0x0a000001, why));
}
