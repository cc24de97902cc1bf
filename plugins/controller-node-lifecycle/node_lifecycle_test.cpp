// The node lifecycle controller against the fake host, with short periods: a silent node turns
// Ready=Unknown and tainted, its pods not ready and then evicted, with Kubernetes' Events; a node
// that keeps renewing its lease is left alone.

#include "node_lifecycle.hpp"

#include <gtest/gtest.h>

#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "capstan/testing/fake_host.hpp"

namespace capstan::lifecycle {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::json;
using machinery::kPods;
using machinery::kNodes;
using machinery::kLeases;
using machinery::kEvents;

json node(const std::string& name) {
  return {{"metadata", {{"name", name}}},
          {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}}}}}}};
}

json lease(const std::string& name) {
  return {{"metadata", {{"name", name}, {"namespace", "kube-node-lease"}}},
          {"spec", {{"holderIdentity", name}, {"renewTime", machinery::now_rfc3339_micro()}}}};
}

json pod(const std::string& name, const std::string& node_name) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"nodeName", node_name}, {"containers", {{{"name", "c"}, {"image", "i"}}}}}},
          {"status", {{"phase", "Running"}, {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

class NodeLifecycleTest : public ::testing::Test {
 protected:
  void start(std::chrono::milliseconds grace, std::chrono::milliseconds eviction) {
    Options o;
    o.grace_period = grace;
    o.eviction_delay = eviction;
    controller_ = std::make_unique<NodeLifecycle>(fake_.host(), o);
    controller_->start();
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }
  std::optional<json> event(const std::string& reason, const std::string& object) {
    for (auto& e : fake_.list(kEvents))
      if (e["reason"] == reason && e["involvedObject"]["name"] == object) return e;
    return std::nullopt;
  }
  std::string ready_of_node(const std::string& name) {
    const json n = *fake_.get(kNodes, "", name);  // a copy: the loop must not iterate a temporary
    for (auto& c : n["status"]["conditions"])
      if (c["type"] == "Ready") return c["status"];
    return "";
  }

  FakeHost fake_;
  std::unique_ptr<NodeLifecycle> controller_;
};

TEST(NodeLifecycleOptionsTest, ParsesConfig) {
  auto o = Options::parse(R"({"nodeMonitorGracePeriodSeconds": 2.5, "podEvictionDelaySeconds": 0})");
  EXPECT_EQ(o.grace_period, std::chrono::milliseconds(2500));
  EXPECT_EQ(o.eviction_delay, std::chrono::milliseconds(0));
  auto d = Options::parse("");
  EXPECT_EQ(d.grace_period, std::chrono::seconds(40));
  EXPECT_EQ(d.eviction_delay, std::chrono::seconds(5));
}

TEST_F(NodeLifecycleTest, SilentNodeGoesUnknownAndItsPodsAreEvicted) {
  fake_.put(kNodes, node("n1"));
  fake_.put(kLeases, lease("n1"));
  fake_.put(kPods, pod("web-1", "n1"));
  fake_.put(kPods, pod("elsewhere", "n2"));
  // A daemon pod tolerates unreachable nodes forever; another pod for 2 s.
  json daemon = pod("daemon", "n1");
  daemon["spec"]["tolerations"] = {{{"key", "node.kubernetes.io/unreachable"}, {"operator", "Exists"}, {"effect", "NoExecute"}}};
  fake_.put(kPods, daemon);
  json patient = pod("patient", "n1");
  patient["spec"]["tolerations"] = {{{"key", "node.kubernetes.io/unreachable"}, {"operator", "Exists"},
                                     {"effect", "NoExecute"}, {"tolerationSeconds", 2}}};
  fake_.put(kPods, patient);
  start(std::chrono::milliseconds(400), std::chrono::milliseconds(400));
  ASSERT_TRUE(FakeHost::eventually([&] { return event("RegisteredNode", "n1").has_value(); }));
  EXPECT_EQ((*event("RegisteredNode", "n1"))["message"], "Registered Node n1 in Controller");
  EXPECT_EQ((*event("RegisteredNode", "n1"))["source"]["component"], "node-controller");

  ASSERT_TRUE(FakeHost::eventually([&] { return ready_of_node("n1") == "Unknown"; }));
  auto n1 = *fake_.get(kNodes, "", "n1");
  ASSERT_TRUE(FakeHost::eventually([&] {
    auto n = *fake_.get(kNodes, "", "n1");
    return n["spec"].contains("taints") && n["spec"]["taints"][0]["key"] == "node.kubernetes.io/unreachable";
  }));
  ASSERT_TRUE(FakeHost::eventually([&] { return event("NodeNotReady", "n1").has_value(); }));
  EXPECT_EQ((*event("NodeNotReady", "n1"))["message"], "Node n1 status is now: NodeNotReady");
  EXPECT_EQ((*event("NodeNotReady", "n1"))["involvedObject"]["kind"], "Node");
  ASSERT_TRUE(FakeHost::eventually([&] { return event("NodeNotReady", "web-1").has_value(); }));
  EXPECT_EQ((*event("NodeNotReady", "web-1"))["type"], "Warning");
  EXPECT_EQ((*event("NodeNotReady", "web-1"))["message"], "Node is not ready");

  ASSERT_TRUE(FakeHost::eventually([&] { return !fake_.get(kPods, "default", "web-1"); }));
  EXPECT_TRUE(fake_.get(kPods, "default", "elsewhere"));
  ASSERT_TRUE(FakeHost::eventually([&] { return event("TaintManagerEviction", "web-1").has_value(); }));
  EXPECT_EQ((*event("TaintManagerEviction", "web-1"))["message"], "Marking for deletion Pod default/web-1");
  EXPECT_TRUE(fake_.get(kPods, "default", "patient"));  // its second has not run out yet
  ASSERT_TRUE(FakeHost::eventually([&] { return !fake_.get(kPods, "default", "patient"); }));
  EXPECT_TRUE(fake_.get(kPods, "default", "daemon"));

  fake_.erase(kNodes, "", "n1");
  ASSERT_TRUE(FakeHost::eventually([&] { return event("RemovingNode", "n1").has_value(); }));
  EXPECT_EQ((*event("RemovingNode", "n1"))["message"], "Removing Node n1 from Controller");
}

TEST_F(NodeLifecycleTest, HeartbeatingNodeStaysReady) {
  fake_.put(kNodes, node("n1"));
  fake_.put(kLeases, lease("n1"));
  fake_.put(kPods, pod("web-1", "n1"));
  start(std::chrono::milliseconds(3000), std::chrono::milliseconds(100));  // a wide margin for loaded machines
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    fake_.patch(kLeases, "kube-node-lease", "n1",
                {{"spec", {{"renewTime", machinery::now_rfc3339_micro()}}}});
  }
  EXPECT_EQ(ready_of_node("n1"), "True");
  EXPECT_TRUE(fake_.get(kPods, "default", "web-1"));
  EXPECT_FALSE(event("NodeNotReady", "n1"));
}

}  // namespace
}  // namespace capstan::lifecycle
