// The DaemonSet controller's decisions against the cases of upstream's daemon controller tests:
// where daemon pods should run (selectors, affinity, taints and the daemon tolerations), what
// manage() creates and deletes, both rolling-update modes, the status counters and history cleanup.
#include "ds_logic.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace capstan::daemonset {
namespace {

using Op = sdk::scheduling::Requirement::Op;

PlacementView plain() { return {"", {}, daemon_tolerations({}, false)}; }

TEST(DaemonLogic, DaemonTolerationsAreAddedOnce) {
  auto t = daemon_tolerations({{"node.kubernetes.io/not-ready", "Exists", "", "NoExecute", 300}}, false);
  EXPECT_EQ(t.size(), 6u);
  auto it = std::find_if(t.begin(), t.end(), [](const Toleration& x) { return x.key == "node.kubernetes.io/not-ready"; });
  ASSERT_NE(it, t.end());
  EXPECT_FALSE(it->toleration_seconds);  // replaced: daemon pods tolerate not-ready forever
  EXPECT_EQ(daemon_tolerations({}, true).size(), 7u);  // + network-unavailable with hostNetwork
}

TEST(DaemonLogic, NodeShouldRun) {
  NodeView n{"n1", {{"disk", "ssd"}}, {}};
  EXPECT_TRUE(node_should_run(n, plain()).should_run);
  // Unschedulable and not-ready nodes are tolerated.
  n.taints = {{"node.kubernetes.io/unschedulable", "", "NoSchedule"}, {"node.kubernetes.io/not-ready", "", "NoExecute"}};
  EXPECT_TRUE(node_should_run(n, plain()).should_run);
  // A NoSchedule taint keeps new pods off but lets running ones stay; NoExecute evicts.
  n.taints = {{"dedicated", "gpu", "NoSchedule"}};
  auto s = node_should_run(n, plain());
  EXPECT_FALSE(s.should_run);
  EXPECT_TRUE(s.should_continue);
  n.taints = {{"dedicated", "gpu", "NoExecute"}};
  s = node_should_run(n, plain());
  EXPECT_FALSE(s.should_run);
  EXPECT_FALSE(s.should_continue);
  auto tolerant = plain();
  tolerant.tolerations.push_back({"dedicated", "Equal", "gpu", "", std::nullopt});
  EXPECT_TRUE(node_should_run(n, tolerant).should_run);
  n.taints.clear();
  // nodeSelector and the template's nodeName.
  auto sel = plain();
  sel.affinity.node_selector = {{"disk", "hdd"}};
  EXPECT_FALSE(node_should_run(n, sel).should_continue);
  sel.affinity.node_selector = {{"disk", "ssd"}};
  EXPECT_TRUE(node_should_run(n, sel).should_run);
  sel.node_name = "n2";
  EXPECT_FALSE(node_should_run(n, sel).should_run);
  // Required node affinity.
  auto aff = plain();
  aff.affinity.has_required_terms = true;
  aff.affinity.terms = {{{{"disk", Op::kIn, {"nvme"}}}, {}}};
  EXPECT_FALSE(node_should_run(n, aff).should_run);
  aff.affinity.terms.push_back({{{"disk", Op::kExists, {}}}, {}});
  EXPECT_TRUE(node_should_run(n, aff).should_run);
}

DaemonPod pod(std::string name, std::string node, std::string hash, bool ready = true, int64_t created = 100) {
  DaemonPod p;
  p.name = std::move(name);
  p.node = std::move(node);
  p.scheduled = true;
  p.hash = std::move(hash);
  p.ready = ready;
  p.phase = "Running";
  p.created = created;
  return p;
}

TEST(DaemonLogic, ManageCreatesMissingAndRemovesMisplaced) {
  std::vector<NodeView> nodes{{"a", {}, {}}, {"b", {}, {}}, {"c", {}, {}}};
  std::map<std::string, ShouldRun> should{{"a", {true, true}}, {"b", {true, true}}, {"c", {false, false}}};
  PodsByNode pods{{"b", {pod("b1", "b", "h")}}, {"c", {pod("c1", "c", "h")}}};
  auto plan = manage(nodes, should, pods, "h", false);
  EXPECT_EQ(plan.create_on, std::vector<std::string>{"a"});
  EXPECT_EQ(plan.remove, std::vector<std::string>{"c1"});
}

TEST(DaemonLogic, ManageKeepsTheOldestOfSeveral) {
  std::vector<NodeView> nodes{{"a", {}, {}}};
  std::map<std::string, ShouldRun> should{{"a", {true, true}}};
  PodsByNode pods{{"a", {pod("new", "a", "h", true, 200), pod("old", "a", "h", true, 100)}}};
  EXPECT_EQ(manage(nodes, should, pods, "h", false).remove, std::vector<std::string>{"new"});
  // Surging: an old ready pod stays beside a new pod that is not ready yet.
  pods = {{"a", {pod("old", "a", "h0", true, 100), pod("new", "a", "h", false, 200)}}};
  EXPECT_TRUE(manage(nodes, should, pods, "h", true).remove.empty());
  pods["a"][1].ready = true;
  EXPECT_EQ(manage(nodes, should, pods, "h", true).remove, std::vector<std::string>{"old"});
}

TEST(DaemonLogic, FailedPodsAreRemovedUnlessBackingOff) {
  std::vector<NodeView> nodes{{"a", {}, {}}};
  std::map<std::string, ShouldRun> should{{"a", {true, true}}};
  auto failed = pod("f", "a", "h");
  failed.phase = "Failed";
  PodsByNode pods{{"a", {failed}}};
  auto plan = manage(nodes, should, pods, "h", false);
  EXPECT_EQ(plan.remove, std::vector<std::string>{"f"});
  ASSERT_EQ(plan.failed.size(), 1u);
  plan = manage(nodes, should, pods, "h", false, [](const std::string&) { return true; });
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_TRUE(plan.wait_failed_backoff);
}

TEST(DaemonLogic, RollingUpdateRespectsMaxUnavailable) {
  PodsByNode pods{{"a", {pod("a0", "a", "old")}}, {"b", {pod("b0", "b", "old")}}, {"c", {pod("c0", "c", "old")}}};
  auto plan = rolling_update(pods, "new", std::nullopt, rolling_limits(3, 1, 0), 0, 1000);
  EXPECT_EQ(plan.remove.size(), 1u);
  EXPECT_TRUE(plan.create_on.empty());
  // One node is already waiting for its new pod: no budget left.
  pods["a"] = {pod("a1", "a", "new", false)};
  EXPECT_TRUE(rolling_update(pods, "new", std::nullopt, rolling_limits(3, 1, 0), 0, 1000).remove.empty());
  // An unavailable old pod is replaced whatever the budget.
  pods["b"][0].ready = false;
  EXPECT_EQ(rolling_update(pods, "new", std::nullopt, rolling_limits(3, 1, 0), 0, 1000).remove,
            std::vector<std::string>{"b0"});
  // The template generation label counts as updated too.
  PodsByNode gen{{"a", {pod("a0", "a", "old")}}};
  gen["a"][0].generation = "2";
  EXPECT_TRUE(rolling_update(gen, "new", 2, rolling_limits(1, 1, 0), 0, 1000).remove.empty());
}

TEST(DaemonLogic, RollingUpdateWithSurge) {
  PodsByNode pods{{"a", {pod("a0", "a", "old")}}, {"b", {pod("b0", "b", "old")}}};
  auto plan = rolling_update(pods, "new", std::nullopt, rolling_limits(2, 0, 1), 0, 1000);
  EXPECT_EQ(plan.create_on.size(), 1u);
  EXPECT_TRUE(plan.remove.empty());
  pods["a"].push_back(pod("a1", "a", "new", false));
  plan = rolling_update(pods, "new", std::nullopt, rolling_limits(2, 0, 1), 0, 1000);
  EXPECT_TRUE(plan.create_on.empty());  // the surge is in use
  pods["a"][1].ready = true;
  plan = rolling_update(pods, "new", std::nullopt, rolling_limits(2, 0, 1), 0, 1000);
  EXPECT_EQ(plan.remove, std::vector<std::string>{"a0"});
  EXPECT_EQ(plan.create_on, std::vector<std::string>{"b"});
}

TEST(DaemonLogic, LimitsScaleUpAndFallBackToOne) {
  EXPECT_EQ(scaled_value("10", true, 5), 1);  // ceil(0.5)
  EXPECT_EQ(scaled_value("50", true, 5), 3);
  EXPECT_EQ(scaled_value("2", false, 5), 2);
  EXPECT_EQ(rolling_limits(3, 0, 0).max_unavailable, 1);
  EXPECT_EQ(rolling_limits(0, 0, 0).max_unavailable, 0);
}

TEST(DaemonLogic, StatusCounts) {
  std::vector<NodeView> nodes{{"a", {}, {}}, {"b", {}, {}}, {"c", {}, {}}, {"d", {}, {}}};
  std::map<std::string, ShouldRun> should{
      {"a", {true, true}}, {"b", {true, true}}, {"c", {true, true}}, {"d", {false, true}}};
  auto fresh = pod("b0", "b", "new", true, 100);
  fresh.ready_since = 990;
  auto settled = pod("a0", "a", "old");
  settled.ready_since = 900;
  PodsByNode pods{{"a", {settled}}, {"b", {fresh}}, {"d", {pod("d0", "d", "new")}}};
  Counts c = count_status(nodes, should, pods, "new", std::nullopt, 30, 1000);
  EXPECT_EQ(c.desired, 3);
  EXPECT_EQ(c.current, 2);
  EXPECT_EQ(c.misscheduled, 1);
  EXPECT_EQ(c.ready, 2);
  EXPECT_EQ(c.available, 1);  // b0 has been ready for 10 s of the 30 minReadySeconds
  EXPECT_EQ(c.updated, 1);
  EXPECT_EQ(c.unavailable, 2);
}


}  // namespace
}  // namespace capstan::daemonset
