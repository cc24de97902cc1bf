// The scheduler plugin end to end against the fake host: informers, the framework's policies
// (fit, nodeSelector, affinity, taints, unschedulable nodes), spread vs bin-pack scoring, the
// binding, the PodScheduled condition and the Scheduled/FailedScheduling Events.

#include <gtest/gtest.h>

#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"
#include "scheduler.hpp"

namespace capstan::scheduler {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::json;
using machinery::kPods;
using machinery::kNodes;
using machinery::kEvents;

json node(const std::string& name, const std::string& cpu, json labels = json::object(), json taints = nullptr,
          bool unschedulable = false) {
  json n = {{"metadata", {{"name", name}, {"labels", labels}}},
            {"status",
             {{"capacity", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}},
              {"allocatable", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}},
              {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
  if (!taints.is_null()) n["spec"]["taints"] = taints;
  if (unschedulable) n["spec"]["unschedulable"] = true;
  return n;
}

json pod(const std::string& name, const std::string& cpu = "100m") {
  return {{"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}, {"resources", {{"requests", {{"cpu", cpu}}}}}}}}}}};
}

class SchedulerHostTest : public ::testing::Test {
 protected:
  void start(const std::string& config = "") {
    scheduler_ = std::make_unique<Scheduler>(fake_.host(), config);
    scheduler_->start();
  }
  void TearDown() override {
    if (scheduler_) scheduler_->stop();
  }
  std::string node_of(const std::string& pod_name) {
    auto p = fake_.get(kPods, "default", pod_name);
    return p ? (*p)["spec"].value("nodeName", "") : "";
  }
  bool bound(const std::string& pod_name) { return !node_of(pod_name).empty(); }
  std::optional<json> event(const std::string& reason, const std::string& pod_name) {
    for (auto& e : fake_.list(kEvents, "default"))
      if (e["reason"] == reason && e["involvedObject"]["name"] == pod_name) return e;
    return std::nullopt;
  }

  FakeHost fake_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerHostTest, BindsWhereThePodFitsAndRecordsScheduled) {
  fake_.put(kNodes, node("small", "1"));
  fake_.put(kNodes, node("big", "4"));
  fake_.put(kPods, pod("p", "2"));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return bound("p"); }));
  EXPECT_EQ(node_of("p"), "big");
  ASSERT_TRUE(FakeHost::eventually([&] { return event("Scheduled", "p").has_value(); }));
  auto e = *event("Scheduled", "p");
  EXPECT_EQ(e["message"], "Successfully assigned default/p to big");
  EXPECT_EQ(e["type"], "Normal");
  EXPECT_EQ(e["source"]["component"], "default-scheduler");
  EXPECT_EQ(e["involvedObject"]["kind"], "Pod");
}

TEST_F(SchedulerHostTest, NodeSelectorAndRequiredAffinity) {
  fake_.put(kNodes, node("hdd", "4", {{"disk", "hdd"}, {"zone", "a"}}));
  fake_.put(kNodes, node("ssd", "4", {{"disk", "ssd"}, {"zone", "b"}}));
  auto selected = pod("selected");
  selected["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  fake_.put(kPods, selected);
  auto affine = pod("affine");
  affine["spec"]["affinity"] = {
      {"nodeAffinity",
       {{"requiredDuringSchedulingIgnoredDuringExecution",
         {{"nodeSelectorTerms", {{{"matchExpressions", {{{"key", "zone"}, {"operator", "In"}, {"values", {"a"}}}}}}}}}}}}};
  fake_.put(kPods, affine);
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return bound("selected") && bound("affine"); }));
  EXPECT_EQ(node_of("selected"), "ssd");
  EXPECT_EQ(node_of("affine"), "hdd");
}

TEST_F(SchedulerHostTest, TaintsAndUnschedulableNodes) {
  fake_.put(kNodes, node("tainted", "8", json::object(), {{{"key", "dedicated"}, {"value", "gpu"}, {"effect", "NoSchedule"}}}));
  fake_.put(kNodes, node("cordoned", "8", json::object(), nullptr, true));
  fake_.put(kNodes, node("plain", "1"));
  fake_.put(kPods, pod("ordinary"));
  auto tolerant = pod("tolerant");
  tolerant["spec"]["tolerations"] = {{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "gpu"}, {"effect", "NoSchedule"}}};
  tolerant["spec"]["nodeSelector"] = {{"kubernetes.io/hostname", "tainted"}};
  fake_.patch(kNodes, "", "tainted", {{"metadata", {{"labels", {{"kubernetes.io/hostname", "tainted"}}}}}});
  fake_.put(kPods, tolerant);
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return bound("ordinary") && bound("tolerant"); }));
  EXPECT_EQ(node_of("ordinary"), "plain");
  EXPECT_EQ(node_of("tolerant"), "tainted");
}

TEST_F(SchedulerHostTest, UnschedulablePodGetsConditionAndFailedSchedulingEvent) {
  fake_.put(kNodes, node("a", "1"));
  fake_.put(kNodes, node("b", "1", json::object(), nullptr, true));
  fake_.put(kPods, pod("huge", "16"));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return event("FailedScheduling", "huge").has_value(); }));
  auto e = *event("FailedScheduling", "huge");
  EXPECT_EQ(e["type"], "Warning");
  const std::string msg = e["message"];
  EXPECT_EQ(msg.rfind("0/2 nodes are available:", 0), 0u) << msg;
  EXPECT_NE(msg.find("Insufficient cpu"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unschedulable"), std::string::npos) << msg;
  auto p = *fake_.get(kPods, "default", "huge");
  bool condition = false;
  for (auto& c : p["status"]["conditions"])
    condition |= c["type"] == "PodScheduled" && c["status"] == "False" && c["reason"] == "Unschedulable";
  EXPECT_TRUE(condition);
  EXPECT_FALSE(bound("huge"));
  // A node that fits arrives: the pod is scheduled after all.
  fake_.put(kNodes, node("large", "32"));
  ASSERT_TRUE(FakeHost::eventually([&] { return bound("huge"); }, std::chrono::seconds(10)));
  EXPECT_EQ(node_of("huge"), "large");
}

std::map<std::string, int> place(FakeHost& fake, const std::function<bool(const std::string&)>& bound_fn, int n) {
  for (int i = 0; i < n; ++i) {
    fake.put(kPods, pod("p" + std::to_string(i), "500m"));
    EXPECT_TRUE(FakeHost::eventually([&] { return bound_fn("p" + std::to_string(i)); }));
  }
  std::map<std::string, int> per_node;
  for (auto& p : fake.list(kPods, "default")) ++per_node[p["spec"].value("nodeName", "")];
  return per_node;
}

TEST_F(SchedulerHostTest, LeastAllocatedSpreads) {
  fake_.put(kNodes, node("n1", "4"));
  fake_.put(kNodes, node("n2", "4"));
  start();
  auto per_node = place(fake_, [&](const std::string& p) { return bound(p); }, 4);
  EXPECT_EQ(per_node["n1"], 2);
  EXPECT_EQ(per_node["n2"], 2);
}

TEST_F(SchedulerHostTest, MostAllocatedPacks) {
  fake_.put(kNodes, node("n1", "4"));
  fake_.put(kNodes, node("n2", "4"));
  start(R"({"scoring":"MostAllocated"})");
  auto per_node = place(fake_, [&](const std::string& p) { return bound(p); }, 4);
  EXPECT_TRUE(per_node["n1"] == 4 || per_node["n2"] == 4) << per_node["n1"] << "/" << per_node["n2"];
}

}  // namespace
}  // namespace capstan::scheduler
