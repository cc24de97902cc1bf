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
  void start(std::chrono::milliseconds grace, std::chrono::milliseconds recheck = std::chrono::milliseconds(200)) {
    Options o;
    o.grace_period = grace;
    o.recheck_period = recheck;
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
  auto o = Options::parse(R"({"nodeMonitorGracePeriodSeconds": 2.5})");
  EXPECT_EQ(o.grace_period, std::chrono::milliseconds(2500));
  auto d = Options::parse("");
  EXPECT_EQ(d.grace_period, std::chrono::seconds(40));
  EXPECT_EQ(Options::parse(R"({"nodeMonitorGracePeriodSeconds": -1})").grace_period, std::chrono::seconds(40));
}

json tolerating(json p, std::optional<int> seconds) {
  json t = {{"key", "node.kubernetes.io/unreachable"}, {"operator", "Exists"}, {"effect", "NoExecute"}};
  if (seconds) t["tolerationSeconds"] = *seconds;
  p["spec"]["tolerations"] = {{{"key", "node.kubernetes.io/not-ready"}, {"operator", "Exists"}, {"effect", "NoExecute"},
                               {"tolerationSeconds", 300}},
                              t};
  return p;
}

bool terminating_or_gone(FakeHost& fake, const std::string& name) {
  auto p = fake.get(kPods, "default", name);
  return !p || (*p)["metadata"].contains("deletionTimestamp");
}

std::string taint_key(FakeHost& fake, const std::string& node) {
  const json n = *fake.get(kNodes, "", node);
  if (!n["spec"].contains("taints") || n["spec"]["taints"].empty()) return "";
  return n["spec"]["taints"][0]["key"];
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
  start(std::chrono::milliseconds(400));
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
  start(std::chrono::milliseconds(3000));  // a wide margin for loaded machines
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    fake_.patch(kLeases, "kube-node-lease", "n1",
                {{"spec", {{"renewTime", machinery::now_rfc3339_micro()}}}});
  }
  EXPECT_EQ(ready_of_node("n1"), "True");
  EXPECT_TRUE(fake_.get(kPods, "default", "web-1"));
  EXPECT_FALSE(event("NodeNotReady", "n1"));
}

// With the default tolerations (what the workloads admission adds), pods stay on an unreachable
// node for their tolerationSeconds counted from the taint, not a moment less; a pod without a
// toleration goes at once.
TEST_F(NodeLifecycleTest, PodsStayForTheirTolerationSeconds) {
  fake_.put(kNodes, node("n1"));
  fake_.put(kLeases, lease("n1"));
  fake_.put(kPods, tolerating(pod("three", "n1"), 3));
  fake_.put(kPods, pod("bare", "n1"));
  start(std::chrono::milliseconds(300));
  ASSERT_TRUE(FakeHost::eventually([&] { return taint_key(fake_, "n1") == "node.kubernetes.io/unreachable"; }));
  const auto tainted = std::chrono::steady_clock::now();
  ASSERT_TRUE(FakeHost::eventually([&] { return terminating_or_gone(fake_, "bare"); }));
  EXPECT_LT(std::chrono::steady_clock::now() - tainted, std::chrono::seconds(2));
  EXPECT_FALSE(terminating_or_gone(fake_, "three"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_FALSE(terminating_or_gone(fake_, "three"));  // 1.5 s of its 3
  ASSERT_TRUE(FakeHost::eventually([&] { return terminating_or_gone(fake_, "three"); }));
  EXPECT_GE(std::chrono::steady_clock::now() - tainted, std::chrono::milliseconds(2900));
  ASSERT_TRUE(event("TaintManagerEviction", "three").has_value());
}

// A node that comes back before the toleration ran out keeps its pods, and loses the taint.
TEST_F(NodeLifecycleTest, ReturningNodeCallsOffEvictions) {
  fake_.put(kNodes, node("n1"));
  fake_.put(kLeases, lease("n1"));
  fake_.put(kPods, tolerating(pod("web", "n1"), 3));
  start(std::chrono::milliseconds(300));
  ASSERT_TRUE(FakeHost::eventually([&] { return taint_key(fake_, "n1") == "node.kubernetes.io/unreachable"; }));
  fake_.patch(kLeases, "kube-node-lease", "n1", {{"spec", {{"renewTime", machinery::now_rfc3339_micro()}}}});
  ASSERT_TRUE(FakeHost::eventually([&] { return taint_key(fake_, "n1").empty(); }));
  // Keep it alive past the pod's 3 s: the pod stays.
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    fake_.patch(kLeases, "kube-node-lease", "n1", {{"spec", {{"renewTime", machinery::now_rfc3339_micro()}}}});
  }
  EXPECT_FALSE(terminating_or_gone(fake_, "web"));
  EXPECT_FALSE(event("TaintManagerEviction", "web"));
}

}  // namespace
}  // namespace capstan::lifecycle
