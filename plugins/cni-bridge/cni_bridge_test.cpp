// Unit tests of the pod network's pure parts: CIDR arithmetic and allocation, the CNI
// configuration, and the route safety rule.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "conflist.hpp"
#include "host_routes.hpp"
#include "ipv4.hpp"

using namespace capstan::cni;

TEST(Ipv4, ParsesAndFormats) {
  auto c = parse_cidr("10.244.0.0/16");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->str(), "10.244.0.0/16");
  EXPECT_EQ(format_ipv4(c->first_host()), "10.244.0.1");
  EXPECT_FALSE(parse_cidr("10.244.0.1/16"));
  EXPECT_EQ(parse_cidr("10.244.0.1/16", true)->str(), "10.244.0.0/16");
  EXPECT_FALSE(parse_cidr("10.244.0.0/33"));
  EXPECT_FALSE(parse_cidr("10.244.0.0"));
  EXPECT_FALSE(parse_cidr("10.244.0.0/"));
  EXPECT_FALSE(parse_cidr("300.1.1.1/8"));
  EXPECT_FALSE(parse_cidr("10.244.0.0/1x"));
  EXPECT_TRUE(c->contains(*parse_ipv4("10.244.200.3")));
  EXPECT_FALSE(c->contains(*parse_ipv4("10.245.0.1")));
}

TEST(Ipv4, AllocatesLowestFreeBlock) {
  auto cluster = *parse_cidr("10.244.0.0/16");
  std::set<Cidr> used;
  EXPECT_EQ(first_free_subnet(cluster, 24, used)->str(), "10.244.0.0/24");
  used.insert(*parse_cidr("10.244.0.0/24"));
  used.insert(*parse_cidr("10.244.2.0/24"));
  EXPECT_EQ(first_free_subnet(cluster, 24, used)->str(), "10.244.1.0/24");
  used.insert(*parse_cidr("10.244.1.0/24"));
  EXPECT_EQ(first_free_subnet(cluster, 24, used)->str(), "10.244.3.0/24");
  // A bigger block in use covers several /24s.
  used.insert(*parse_cidr("10.244.0.0/22"));
  EXPECT_EQ(first_free_subnet(cluster, 24, used)->str(), "10.244.4.0/24");
  auto tiny = *parse_cidr("10.0.0.0/24");
  std::set<Cidr> full{tiny};
  EXPECT_FALSE(first_free_subnet(tiny, 24, full));
  EXPECT_FALSE(first_free_subnet(cluster, 8, {}));
  // A block outside the cluster CIDR takes nothing from it; one containing it takes everything.
  EXPECT_EQ(first_free_subnet(cluster, 24, {*parse_cidr("10.0.0.0/16")})->str(), "10.244.0.0/24");
  EXPECT_FALSE(first_free_subnet(cluster, 24, {*parse_cidr("10.0.0.0/8")}));
}

TEST(Ipv4, FirstFreeSubnetAtThousandsOfNodes) {
  // 5,000 nodes of a /10: every pick is one sweep, and the picks fill the range in order.
  auto cluster = *parse_cidr("100.64.0.0/10");
  std::set<Cidr> used;
  for (int i = 0; i < 5000; ++i) {
    auto pick = first_free_subnet(cluster, 24, used);
    ASSERT_TRUE(pick);
    ASSERT_EQ(pick->network, cluster.network + (static_cast<uint32_t>(i) << 8));
    used.insert(*pick);
  }
  used.erase(*parse_cidr("100.64.7.0/24"));  // a node went away: its block is the lowest free one
  EXPECT_EQ(first_free_subnet(cluster, 24, used)->str(), "100.64.7.0/24");
}

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
