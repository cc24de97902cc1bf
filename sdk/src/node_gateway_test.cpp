#include "capstan/node_gateway.hpp"

#include <gtest/gtest.h>

#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"

namespace capstan::sdk {
namespace {

TEST(NodeGateway, ConfiguredElseTheFirstHostOfThePodCidr) {
  testing::FakeHost fake;
  Client client(fake.host());
  Informer nodes(client, machinery::kNodes);
  fake.put(machinery::kNodes, {{"metadata", {{"name", "n1"}}}, {"spec", {{"podCIDR", "10.244.1.0/24"}}}});
  fake.put(machinery::kNodes, {{"metadata", {{"name", "n2"}}}});
  nodes.start();
  ASSERT_TRUE(nodes.wait_for_sync(std::chrono::seconds(5)));
  EXPECT_EQ(node_gateway(nodes, "n1"), "10.244.1.1");
  EXPECT_EQ(node_gateway(nodes, "n1", "192.0.2.53"), "192.0.2.53");
  EXPECT_EQ(node_gateway(nodes, "n2"), "");  // no pod CIDR yet
  EXPECT_EQ(node_gateway(nodes, "n3"), "");  // unknown node
  EXPECT_EQ(node_gateway(nodes, ""), "");
  fake.patch(machinery::kNodes, "", "n2", {{"spec", {{"podCIDR", "10.244.7.0/24"}}}});
  EXPECT_TRUE(testing::FakeHost::eventually([&] { return node_gateway(nodes, "n2") == "10.244.7.1"; }));
  nodes.stop();
}

}  // namespace
}  // namespace capstan::sdk
