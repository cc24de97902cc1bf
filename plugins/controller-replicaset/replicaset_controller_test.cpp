// The ReplicaSet controller end to end against the fake host: creating to spec.replicas, not
// over-creating while its creates are unobserved, adopting and releasing pods, choosing which
// extras to delete, and the Events it records.

#include "replicaset_controller.hpp"

#include <gtest/gtest.h>

#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"

namespace capstan::replicaset {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::json;
using machinery::kPods;
using machinery::kReplicaSets;
using machinery::kEvents;

json replica_set(const std::string& name, int replicas) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx"}}}}}}}}}}};
}

json pod(const std::string& name, const std::string& app, const json& owner = nullptr, const std::string& node = "",
         const std::string& phase = "Pending", bool ready = false) {
  json p = {{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", app}}}}},
            {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx"}}}}}},
            {"status", {{"phase", phase}}}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  if (ready)
    p["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2024-01-01T00:00:00Z"}}};
  if (!owner.is_null())
    p["metadata"]["ownerReferences"] = {{{"apiVersion", "apps/v1"},
                                         {"kind", "ReplicaSet"},
                                         {"name", owner["metadata"]["name"]},
                                         {"uid", owner["metadata"]["uid"]},
                                         {"controller", true}}};
  return p;
}

class ReplicaSetControllerTest : public ::testing::Test {
 protected:
  void start() {
    controller_ = std::make_unique<ReplicaSetController>(fake_.host());
    controller_->start();
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }
  std::vector<json> owned_pods(const json& rs) {
    std::vector<json> out;
    for (auto& p : fake_.list(kPods, "default"))
      for (auto& o : p["metadata"].value("ownerReferences", json::array()))
        if (o["uid"] == rs["metadata"]["uid"] && o.value("controller", false)) out.push_back(p);
    return out;
  }
  json status_replicas() { return FakeHost::at(*fake_.get(kReplicaSets, "default", "web"), "status.replicas"); }
  std::vector<json> events(const std::string& reason) {
    std::vector<json> out;
    for (auto& e : fake_.list(kEvents, "default"))
      if (e["reason"] == reason) out.push_back(e);
    return out;
  }

  FakeHost fake_;  // declared first: outlives the controller
  std::unique_ptr<ReplicaSetController> controller_;
};

TEST_F(ReplicaSetControllerTest, CreatesPodsUpToReplicasAndRecordsEvents) {
  auto rs = fake_.put(kReplicaSets, replica_set("web", 3));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return owned_pods(rs).size() == 3; }));
  for (auto& p : owned_pods(rs)) {
    EXPECT_EQ(p["metadata"]["name"].get<std::string>().rfind("web-", 0), 0u);
    EXPECT_EQ(p["metadata"]["labels"]["app"], "web");
    EXPECT_EQ(p["metadata"]["ownerReferences"][0]["blockOwnerDeletion"], true);
  }
  ASSERT_TRUE(FakeHost::eventually([&] { return events("SuccessfulCreate").size() == 3; }));
  for (auto& e : events("SuccessfulCreate")) {
    EXPECT_EQ(e["involvedObject"]["kind"], "ReplicaSet");
    EXPECT_EQ(e["involvedObject"]["name"], "web");
    EXPECT_EQ(e["type"], "Normal");
    EXPECT_EQ(e["source"]["component"], "replicaset-controller");
    EXPECT_EQ(e["message"].get<std::string>().rfind("Created pod: web-", 0), 0u);
  }
  ASSERT_TRUE(FakeHost::eventually(
      [&] { return status_replicas() == 3; }));
  EXPECT_EQ((*fake_.get(kReplicaSets, "default", "web"))["status"]["observedGeneration"], 1);
  EXPECT_EQ(fake_.count_calls("create", "pods"), 3u);
}

TEST_F(ReplicaSetControllerTest, ExpectationsPreventOverCreatingWhileCreatesAreUnobserved) {
  auto rs = fake_.put(kReplicaSets, replica_set("web", 3));
  fake_.hold_watch_events(kPods);  // the controller's pod watch lags behind its own creates
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return fake_.count_calls("create", "pods") == 3; }));
  // More reasons to reconcile while the pods are still unseen.
  for (int i = 0; i < 3; ++i) {
    fake_.patch(kReplicaSets, "default", "web", {{"metadata", {{"annotations", {{"touch", std::to_string(i)}}}}}});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(fake_.count_calls("create", "pods"), 3u);
  fake_.release_watch_events(kPods);
  ASSERT_TRUE(FakeHost::eventually(
      [&] { return status_replicas() == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(fake_.count_calls("create", "pods"), 3u);
  EXPECT_EQ(owned_pods(rs).size(), 3u);
}

TEST_F(ReplicaSetControllerTest, AdoptsMatchingOrphans) {
  fake_.put(kPods, pod("orphan-1", "web"));
  fake_.put(kPods, pod("orphan-2", "web"));
  fake_.put(kPods, pod("other", "db"));
  auto rs = fake_.put(kReplicaSets, replica_set("web", 3));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return owned_pods(rs).size() == 3; }));
  std::set<std::string> names;
  for (auto& p : owned_pods(rs)) names.insert(p["metadata"]["name"]);
  EXPECT_TRUE(names.count("orphan-1") && names.count("orphan-2"));
  EXPECT_FALSE((*fake_.get(kPods, "default", "other"))["metadata"].contains("ownerReferences"));
  EXPECT_EQ(fake_.count_calls("create", "pods"), 1u);
}

TEST_F(ReplicaSetControllerTest, ReleasesPodsThatNoLongerMatchAndReplacesThem) {
  auto rs = fake_.put(kReplicaSets, replica_set("web", 2));
  fake_.put(kPods, pod("web-a", "web", rs));
  fake_.put(kPods, pod("web-b", "web", rs));
  start();
  ASSERT_TRUE(FakeHost::eventually(
      [&] { return status_replicas() == 2; }));
  EXPECT_EQ(fake_.count_calls("create", "pods"), 0u);
  fake_.patch(kPods, "default", "web-a", {{"metadata", {{"labels", {{"app", "debug"}}}}}});
  ASSERT_TRUE(FakeHost::eventually([&] {
    auto a = fake_.get(kPods, "default", "web-a");
    return a && (*a)["metadata"].value("ownerReferences", json::array()).empty() && owned_pods(rs).size() == 2;
  }));
  EXPECT_EQ(fake_.count_calls("create", "pods"), 1u);
}

TEST_F(ReplicaSetControllerTest, DeletesUnscheduledAndNotReadyPodsFirst) {
  auto rs = fake_.put(kReplicaSets, replica_set("web", 3));
  fake_.put(kPods, pod("ready", "web", rs, "n1", "Running", true));
  fake_.put(kPods, pod("unscheduled", "web", rs));
  fake_.put(kPods, pod("not-ready", "web", rs, "n1", "Running", false));
  start();
  ASSERT_TRUE(FakeHost::eventually(
      [&] { return status_replicas() == 3; }));
  fake_.patch(kReplicaSets, "default", "web", {{"spec", {{"replicas", 1}}}});
  ASSERT_TRUE(FakeHost::eventually([&] { return owned_pods(rs).size() == 1; }));
  EXPECT_EQ(owned_pods(rs)[0]["metadata"]["name"], "ready");
  ASSERT_TRUE(FakeHost::eventually([&] { return events("SuccessfulDelete").size() == 2; }));
  std::set<std::string> messages;
  for (auto& e : events("SuccessfulDelete")) messages.insert(e["message"]);
  EXPECT_EQ(messages, (std::set<std::string>{"Deleted pod: unscheduled", "Deleted pod: not-ready"}));
  EXPECT_EQ(fake_.count_calls("create", "pods"), 0u);
}

TEST_F(ReplicaSetControllerTest, FailedCreateIsAWarningEvent) {
  fake_.set_reactor([](const sdk::testing::FakeCall& c) -> std::optional<sdk::Status> {
    if (c.verb == "create" && c.resource.resource == "pods")
      return sdk::Status{403, "Forbidden", "pods \"web-x\" is forbidden: exceeded quota"};
    return std::nullopt;
  });
  fake_.put(kReplicaSets, replica_set("web", 1));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return !events("FailedCreate").empty(); }));
  auto e = events("FailedCreate")[0];
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["message"], "Error creating: pods \"web-x\" is forbidden: exceeded quota");
}

}  // namespace
}  // namespace capstan::replicaset
