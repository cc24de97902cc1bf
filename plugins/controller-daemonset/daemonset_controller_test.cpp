// The DaemonSet controller end to end against the fake host: a pod per eligible node with the
// node affinity and tolerations upstream gives daemon pods, nodes joining and leaving, the
// ControllerRevision history, RollingUpdate within maxUnavailable, OnDelete, and the status.
#include "daemonset_controller.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"

namespace capstan::daemonset {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::json;
using machinery::kPods;
using machinery::kNodes;
using machinery::kDaemonSets;
using machinery::kControllerRevisions;
using machinery::kEvents;

json daemon_set(const std::string& image = "busybox", const std::string& strategy = "RollingUpdate") {
  json ds = {{"metadata", {{"name", "agent"}, {"namespace", "default"}, {"generation", 1},
                           {"annotations", {{"deprecated.daemonset.template.generation", "1"}}}}},
             {"spec",
              {{"selector", {{"matchLabels", {{"name", "agent"}}}}},
               {"updateStrategy", {{"type", strategy}}},
               {"revisionHistoryLimit", 10},
               {"template",
                {{"metadata", {{"labels", {{"name", "agent"}}}}},
                 {"spec", {{"containers", {{{"name", "a"}, {"image", image}}}}}}}}}}};
  if (strategy == "RollingUpdate") ds["spec"]["updateStrategy"]["rollingUpdate"] = {{"maxUnavailable", 1}, {"maxSurge", 0}};
  return ds;
}

json node(const std::string& name, const json& taints = json::array()) {
  return {{"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
          {"spec", {{"taints", taints}}}};
}

class DaemonSetControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.add_kind({kDaemonSets, "DaemonSet", true, capnp::Schema::from<apps::v1::DaemonSet>(), true});
    fake_.add_kind({kControllerRevisions, "ControllerRevision", true, capnp::Schema::from<apps::v1::ControllerRevision>(), false});
  }
  void start() {
    controller_ = std::make_unique<DaemonSetController>(fake_.host());
    controller_->start();
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }
  std::vector<json> live_pods() {
    std::vector<json> out;
    for (auto& p : fake_.list(kPods, "default"))
      if (!p["metadata"].contains("deletionTimestamp")) out.push_back(p);
    return out;
  }
  static std::string target(const json& p) {
    return p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
            ["matchFields"][0]["values"][0];
  }
  // What the scheduler and the node agent would do: bind each pod to its target node and make it
  // Running and Ready.
  void run_pods() {
    for (auto& p : live_pods()) {
      if (FakeHost::at(p, "status.phase") == "Running") continue;
      json ready = {{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2024-01-01T00:00:00Z"}};
      json patch;
      patch["spec"]["nodeName"] = target(p);
      patch["status"]["phase"] = "Running";
      patch["status"]["conditions"] = json::array({ready});
      fake_.patch(kPods, "default", p["metadata"]["name"], patch);
    }
  }
  json status(const std::string& field) { return FakeHost::at(*fake_.get(kDaemonSets, "default", "agent"), "status." + field); }

  FakeHost fake_;
  std::unique_ptr<DaemonSetController> controller_;
};

TEST_F(DaemonSetControllerTest, OnePodPerEligibleNode) {
  fake_.put(kNodes, node("n1"));
  fake_.put(kNodes, node("n2", {{{"key", "node.kubernetes.io/unschedulable"}, {"effect", "NoSchedule"}}}));
  fake_.put(kNodes, node("n3", {{{"key", "dedicated"}, {"value", "db"}, {"effect", "NoSchedule"}}}));
  fake_.put(kDaemonSets, daemon_set());
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return live_pods().size() == 2; }));
  std::set<std::string> targets;
  for (auto& p : live_pods()) {
    targets.insert(target(p));
    EXPECT_EQ(p["metadata"]["generateName"], "agent-");
    EXPECT_EQ(p["metadata"]["labels"]["pod-template-generation"], "1");
    EXPECT_FALSE(p["metadata"]["labels"].value("controller-revision-hash", "").empty());
    EXPECT_EQ(p["metadata"]["ownerReferences"][0]["kind"], "DaemonSet");
    bool unschedulable = false;
    for (auto& t : p["spec"]["tolerations"])
      if (t["key"] == "node.kubernetes.io/unschedulable" && t["operator"] == "Exists") unschedulable = true;
    EXPECT_TRUE(unschedulable) << p.dump();
  }
  EXPECT_EQ(targets, (std::set<std::string>{"n1", "n2"}));
  // One ControllerRevision, revision 1, whose data replaces the template.
  auto revs = fake_.list(kControllerRevisions, "default");
  ASSERT_EQ(revs.size(), 1u);
  EXPECT_EQ(revs[0]["revision"], 1);
  json data = revs[0]["data"].is_string() ? json::parse(revs[0]["data"].get<std::string>()) : revs[0]["data"];
  EXPECT_EQ(data["spec"]["template"]["$patch"], "replace");
  EXPECT_EQ(revs[0]["metadata"]["name"], "agent-" + revs[0]["metadata"]["labels"]["controller-revision-hash"].get<std::string>());

  run_pods();
  ASSERT_TRUE(FakeHost::eventually([&] { return status("numberReady") == 2; })) << status("numberReady");
  EXPECT_EQ(status("desiredNumberScheduled"), 2);
  EXPECT_EQ(status("currentNumberScheduled"), 2);
  EXPECT_EQ(status("updatedNumberScheduled"), 2);
  EXPECT_EQ(status("numberAvailable"), 2);
  EXPECT_EQ(status("numberMisscheduled"), 0);
  EXPECT_EQ(status("observedGeneration"), 1);
  EXPECT_TRUE(FakeHost::eventually([&] {  // events are written in the background
    size_t created = 0;
    for (auto& e : fake_.list(kEvents, "default")) created += e["reason"] == "SuccessfulCreate";
    return created == 2;
  }));
}

TEST_F(DaemonSetControllerTest, NodesJoiningAndLeaving) {
  fake_.put(kNodes, node("n1"));
  fake_.put(kDaemonSets, daemon_set());
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return live_pods().size() == 1; }));
  fake_.put(kNodes, node("n2"));
  ASSERT_TRUE(FakeHost::eventually([&] { return live_pods().size() == 2; }));
  run_pods();
  fake_.erase(kNodes, "", "n1");
  ASSERT_TRUE(FakeHost::eventually([&] {
    auto pods = live_pods();
    return pods.size() == 1 && pods[0]["spec"]["nodeName"] == "n2";
  }));
  // A NoExecute taint the pod does not tolerate evicts it.
  fake_.put(kNodes, node("n2", {{{"key", "maintenance"}, {"effect", "NoExecute"}}}));
  ASSERT_TRUE(FakeHost::eventually([&] { return live_pods().empty(); }));
  ASSERT_TRUE(FakeHost::eventually([&] { return status("desiredNumberScheduled") == 0; }));
}

TEST_F(DaemonSetControllerTest, RollingUpdateOneNodeAtATime) {
  for (const char* n : {"n1", "n2", "n3"}) fake_.put(kNodes, node(n));
  fake_.put(kDaemonSets, daemon_set("busybox:1"));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return live_pods().size() == 3; }));
  run_pods();
  ASSERT_TRUE(FakeHost::eventually([&] { return status("numberAvailable") == 3; }));
  auto ds = daemon_set("busybox:2");
  ds["metadata"]["generation"] = 2;
  ds["metadata"]["annotations"]["deprecated.daemonset.template.generation"] = "2";
  fake_.put(kDaemonSets, ds);
  ASSERT_TRUE(FakeHost::eventually([&] { return fake_.list(kControllerRevisions, "default").size() == 2; }));
  // maxUnavailable 1: one old pod goes, its replacement comes; no second old pod goes meanwhile.
  ASSERT_TRUE(FakeHost::eventually([&] {
    int fresh = 0;
    for (auto& p : live_pods()) fresh += p["spec"]["containers"][0]["image"] == "busybox:2";
    return fresh == 1;
  }));
  fake_.wait_delivered();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(live_pods().size(), 3u);
  // Each new pod that becomes ready lets the next node go.
  for (int round = 0; round < 3; ++round) {
    run_pods();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(FakeHost::eventually([&] {
    run_pods();
    auto pods = live_pods();
    if (pods.size() != 3) return false;
    for (auto& p : pods)
      if (p["spec"]["containers"][0]["image"] != "busybox:2") return false;
    return true;
  }));
  ASSERT_TRUE(FakeHost::eventually([&] { return status("updatedNumberScheduled") == 3 && status("observedGeneration") == 2; }));
  int64_t newest = 0;
  for (auto& r : fake_.list(kControllerRevisions, "default")) newest = std::max<int64_t>(newest, r["revision"].get<int64_t>());
  EXPECT_EQ(newest, 2);
}

TEST_F(DaemonSetControllerTest, OnDeleteWaitsForDeletions) {
  fake_.put(kNodes, node("n1"));
  fake_.put(kDaemonSets, daemon_set("busybox:1", "OnDelete"));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return live_pods().size() == 1; }));
  run_pods();
  auto ds = daemon_set("busybox:2", "OnDelete");
  ds["metadata"]["generation"] = 2;
  ds["metadata"]["annotations"]["deprecated.daemonset.template.generation"] = "2";
  fake_.put(kDaemonSets, ds);
  ASSERT_TRUE(FakeHost::eventually([&] { return status("observedGeneration") == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto pods = live_pods();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0]["spec"]["containers"][0]["image"], "busybox:1");
  EXPECT_TRUE(status("updatedNumberScheduled").is_null()) << status("updatedNumberScheduled");  // 0, omitted
  fake_.erase(kPods, "default", pods[0]["metadata"]["name"]);
  ASSERT_TRUE(FakeHost::eventually([&] {
    auto now = live_pods();
    return now.size() == 1 && now[0]["spec"]["containers"][0]["image"] == "busybox:2";
  }));
}

}  // namespace
}  // namespace capstan::daemonset
