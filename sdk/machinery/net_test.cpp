#include "capstan/machinery/net.hpp"

#include <gtest/gtest.h>

namespace capstan::machinery {
namespace {

TEST(Net, ParsesDottedQuads) {
  EXPECT_EQ(parse_ipv4("10.96.0.1"), 0x0a600001u);
  EXPECT_EQ(parse_ipv4("0.0.0.0"), 0u);
  EXPECT_EQ(parse_ipv4("255.255.255.255"), 0xffffffffu);
  for (const char* bad : {"", "10.96.0", "10.96.0.256", "10.96.0.01", "10.96.0.1.", ".10.96.0.1", "10..0.1",
                          "10.96.0.1 ", "1000.1.1.1", "a.b.c.d", "::1", "10.96.0.-1"})
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
  EXPECT_EQ(format_ipv4(0x0af40101u), "10.244.1.1");
}

TEST(Net, ParsesCidrs) {
  auto c = parse_cidr("10.244.0.0/16");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->str(), "10.244.0.0/16");
  EXPECT_EQ(c->size(), 65536u);
  EXPECT_TRUE(c->contains(*parse_ipv4("10.244.255.254")));
  EXPECT_FALSE(c->contains(*parse_ipv4("10.245.0.1")));
  EXPECT_FALSE(parse_cidr("10.244.0.1/16"));  // host bits
  EXPECT_EQ(parse_cidr("10.244.0.1/16", true)->str(), "10.244.0.0/16");
  EXPECT_EQ(parse_cidr("0.0.0.0/0")->size(), uint64_t{1} << 32);
  EXPECT_TRUE(parse_cidr("0.0.0.0/0")->contains(0xffffffffu));
  EXPECT_EQ(parse_cidr("10.0.0.7/32")->size(), 1u);
  for (const char* bad : {"10.244.0.0/33", "10.244.0.0", "10.244.0.0/", "300.1.1.1/8", "10.244.0.0/1x", "10.0.0.0/100"})
    EXPECT_FALSE(parse_cidr(bad)) << bad;
  EXPECT_TRUE(parse_cidr("10.0.0.0/8")->contains(*parse_cidr("10.1.0.0/16")));
  EXPECT_FALSE(parse_cidr("10.1.0.0/16")->contains(*parse_cidr("10.0.0.0/8")));
  EXPECT_TRUE(parse_cidr("10.1.0.0/16")->overlaps(*parse_cidr("10.0.0.0/8")));
  EXPECT_FALSE(parse_cidr("10.1.0.0/16")->overlaps(*parse_cidr("10.2.0.0/16")));
}

TEST(Net, FirstFreeSubnetSkipsUsedBlocks) {
  auto range = *parse_cidr("10.244.0.0/16");
  std::set<Ipv4Cidr> used;
  EXPECT_EQ(first_free_subnet(range, 24, used)->str(), "10.244.0.0/24");
  used.insert(*parse_cidr("10.244.0.0/24"));
  used.insert(*parse_cidr("10.244.1.0/24"));
  used.insert(*parse_cidr("10.244.3.0/24"));
  EXPECT_EQ(first_free_subnet(range, 24, used)->str(), "10.244.2.0/24");
  used.insert(*parse_cidr("10.244.2.0/23"));  // a larger block over 2 and 3
  EXPECT_EQ(first_free_subnet(range, 24, used)->str(), "10.244.4.0/24");
  EXPECT_FALSE(first_free_subnet(range, 15, used));  // larger than the range
  std::set<Ipv4Cidr> full = {range};
  EXPECT_FALSE(first_free_subnet(range, 24, full));
  // A block outside the range takes nothing from it; one containing it takes everything.
  EXPECT_EQ(first_free_subnet(range, 24, {*parse_cidr("10.0.0.0/16")})->str(), "10.244.0.0/24");
  EXPECT_FALSE(first_free_subnet(range, 24, {*parse_cidr("10.0.0.0/8")}));
}

TEST(Net, FirstFreeSubnetAtThousandsOfNodes) {
  // 5,000 nodes of a /10: every pick is one sweep, and the picks fill the range in order.
  auto cluster = *parse_cidr("100.64.0.0/10");
  std::set<Ipv4Cidr> used;
  for (int i = 0; i < 5000; ++i) {
    auto pick = first_free_subnet(cluster, 24, used);
    ASSERT_TRUE(pick);
    ASSERT_EQ(pick->network, cluster.network + (static_cast<uint32_t>(i) << 8));
    used.insert(*pick);
  }
  used.erase(*parse_cidr("100.64.7.0/24"));  // a node went away: its block is the lowest free one
  EXPECT_EQ(first_free_subnet(cluster, 24, used)->str(), "100.64.7.0/24");
}

TEST(Net, GatewayIsTheFirstHostOfThePodCidr) {
  EXPECT_EQ(gateway_of("10.244.1.0/24"), "10.244.1.1");
  EXPECT_EQ(gateway_of("10.244.0.0/16"), "10.244.0.1");
  EXPECT_EQ(gateway_of("10.244.1.64/26"), "10.244.1.65");  // not ".1" of the last octet's /24
  EXPECT_EQ(gateway_address(*parse_cidr("192.168.7.0/24")), *parse_ipv4("192.168.7.1"));
  // What the bridge would refuse has no gateway either.
  EXPECT_FALSE(gateway_of("10.244.1.5/24"));
  EXPECT_FALSE(gateway_of(""));
  EXPECT_FALSE(gateway_of("10.244.1.0"));
}

}  // namespace
}  // namespace capstan::machinery
