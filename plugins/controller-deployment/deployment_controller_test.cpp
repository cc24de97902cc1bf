// The Deployment controller end to end against the fake host. No ReplicaSet controller runs: the
// tests play its part by writing each ReplicaSet's status, so every step of a rollout can be
// checked against maxSurge/maxUnavailable.

#include "deployment_controller.hpp"

#include <gtest/gtest.h>

#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"

namespace capstan::deployment {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::json;
using machinery::kReplicaSets;
using machinery::kDeployments;
using machinery::kEvents;
const char* kRevision = "deployment.kubernetes.io/revision";

json deployment(int replicas, const std::string& image, json strategy) {
  return {{"metadata", {{"name", "web"}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", "web"}}}}},
            {"strategy", strategy},
            {"template",
             {{"metadata", {{"labels", {{"app", "web"}}}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", image}}}}}}}}}}};
}

json rolling(int surge, int unavailable) {
  return {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", surge}, {"maxUnavailable", unavailable}}}};
}

class DeploymentControllerTest : public ::testing::Test {
 protected:
  void start() {
    controller_ = make_controller(fake_.host());
    controller_->start();
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }
  // Waits until nothing has been written for a while: the controller has done what it can.
  void quiesce() {
    for (;;) {
      const uint64_t r = fake_.revision();
      std::this_thread::sleep_for(std::chrono::milliseconds(80));
      fake_.wait_delivered();
      if (fake_.revision() == r) return;
    }
  }
  std::vector<json> rss() { return fake_.list(kReplicaSets, "default"); }
  static int spec_replicas(const json& rs) { return rs["spec"].value("replicas", 1); }
  static std::string image(const json& rs) {
    return rs["spec"]["template"]["spec"]["containers"][0]["image"];
  }
  std::optional<json> rs_with_image(const std::string& img) {
    for (auto& r : rss())
      if (image(r) == img) return r;
    return std::nullopt;
  }
  // Plays the ReplicaSet controller and the kubelets: every pod of every ReplicaSet is up.
  void pods_become_available() {
    for (auto& r : rss()) {
      const int n = spec_replicas(r);
      fake_.patch(kReplicaSets, "default", r["metadata"]["name"],
                  {{"status", {{"replicas", n}, {"fullyLabeledReplicas", n}, {"readyReplicas", n},
                               {"availableReplicas", n}, {"observedGeneration", r["metadata"]["generation"]}}}});
    }
  }
  void set_image(const std::string& img) {
    fake_.patch(kDeployments, "default", "web",
                {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", img}}}}}}}}}}});
  }
  int roll(int replicas, int surge, int unavailable);
  std::vector<std::string> event_messages(const std::string& reason) {
    std::vector<std::string> out;
    for (auto& e : fake_.list(kEvents, "default"))
      if (e["reason"] == reason) out.push_back(e["message"]);
    return out;
  }

  FakeHost fake_;
  std::unique_ptr<sdk::Plugin> controller_;
};

TEST_F(DeploymentControllerTest, CreatesReplicaSetNamedByTemplateHash) {
  auto d = fake_.put(kDeployments, deployment(3, "nginx:1", rolling(1, 0)));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return rss().size() == 1; }));
  quiesce();
  auto rs = rss()[0];
  const std::string hash = rs["metadata"]["labels"]["pod-template-hash"];
  EXPECT_FALSE(hash.empty());
  EXPECT_EQ(rs["metadata"]["name"], "web-" + hash);
  EXPECT_EQ(rs["spec"]["selector"]["matchLabels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"], hash);
  EXPECT_EQ(spec_replicas(rs), 3);
  EXPECT_EQ(rs["metadata"]["annotations"][kRevision], "1");
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["uid"], d["metadata"]["uid"]);
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ((*fake_.get(kDeployments, "default", "web"))["metadata"]["annotations"][kRevision], "1");
  auto scaled = event_messages("ScalingReplicaSet");
  ASSERT_EQ(scaled.size(), 1u);
  EXPECT_EQ(scaled[0], "Scaled up replica set web-" + hash + " to 3");
  for (auto& e : fake_.list(kEvents, "default")) {
    EXPECT_EQ(e["involvedObject"]["kind"], "Deployment");
    EXPECT_EQ(e["source"]["component"], "deployment-controller");
  }
}

// Rolls v1 -> v2 with the tests playing kubelets; checks every intermediate state. Returns the
// number of steps it took.
int DeploymentControllerTest::roll(int replicas, int surge, int unavailable) {
  fake_.put(kDeployments, deployment(replicas, "v1", rolling(surge, unavailable)));
  start();
  EXPECT_TRUE(FakeHost::eventually([&] { return rss().size() == 1; }));
  quiesce();
  pods_become_available();
  quiesce();
  set_image("v2");
  int steps = 0;
  for (; steps < 30; ++steps) {
    quiesce();
    int total = 0, available = 0;
    for (auto& r : rss()) {
      total += spec_replicas(r);
      auto a = FakeHost::at(r, "status.availableReplicas");
      available += std::min(spec_replicas(r), a.is_number() ? a.get<int>() : 0);
    }
    // Never more than replicas + maxSurge pods asked for, never fewer than replicas - maxUnavailable up.
    EXPECT_LE(total, replicas + surge) << "step " << steps;
    EXPECT_GE(available, replicas - unavailable) << "step " << steps;
    auto v2 = rs_with_image("v2");
    auto v1 = rs_with_image("v1");
    if (v2 && spec_replicas(*v2) == replicas && (!v1 || spec_replicas(*v1) == 0)) break;
    pods_become_available();
  }
  EXPECT_LT(steps, 30);
  return steps;
}

TEST_F(DeploymentControllerTest, RollingUpdateStaysWithinSurgeAndUnavailable) {
  const int steps = roll(4, 1, 1);
  EXPECT_GT(steps, 1);
  EXPECT_EQ((*fake_.get(kDeployments, "default", "web"))["metadata"]["annotations"][kRevision], "2");
  EXPECT_EQ((*rs_with_image("v2"))["metadata"]["annotations"][kRevision], "2");
  auto v1name = (*rs_with_image("v1"))["metadata"]["name"].get<std::string>();
  auto scaled = event_messages("ScalingReplicaSet");
  EXPECT_NE(std::find(scaled.begin(), scaled.end(), "Scaled down replica set " + v1name + " to 0 from 1"), scaled.end());
}

TEST_F(DeploymentControllerTest, RollingUpdateWithoutUnavailabilitySurgesFirst) {
  // maxUnavailable 0: every old pod stays until a new one is available, one extra at a time.
  EXPECT_GE(roll(3, 1, 0), 3);
}

TEST_F(DeploymentControllerTest, RollingUpdateWithoutSurgeScalesDownFirst) {
  EXPECT_GE(roll(3, 0, 1), 2);
}

TEST_F(DeploymentControllerTest, RecreateScalesOldDownBeforeCreatingNew) {
  fake_.put(kDeployments, deployment(2, "v1", {{"type", "Recreate"}}));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return rss().size() == 1; }));
  quiesce();
  pods_become_available();
  quiesce();
  set_image("v2");
  ASSERT_TRUE(FakeHost::eventually([&] { return spec_replicas(*rs_with_image("v1")) == 0; }));
  quiesce();
  // Old pods still running: no new ReplicaSet yet.
  EXPECT_FALSE(rs_with_image("v2"));
  fake_.patch(kReplicaSets, "default", (*rs_with_image("v1"))["metadata"]["name"],
              {{"status", {{"replicas", 0}, {"readyReplicas", 0}, {"availableReplicas", 0}}}});
  ASSERT_TRUE(FakeHost::eventually([&] {
    auto v2 = rs_with_image("v2");
    return v2 && spec_replicas(*v2) == 2;
  }));
}

TEST_F(DeploymentControllerTest, RollbackReusesTheOldReplicaSetWithANewRevision) {
  fake_.put(kDeployments, deployment(2, "v1", rolling(1, 0)));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return rss().size() == 1; }));
  quiesce();
  pods_become_available();
  set_image("v2");
  for (int i = 0; i < 10; ++i) {
    quiesce();
    pods_become_available();
  }
  ASSERT_EQ(spec_replicas(*rs_with_image("v2")), 2);
  const std::string v1name = (*rs_with_image("v1"))["metadata"]["name"];
  // `kubectl rollout undo` writes the previous template back.
  set_image("v1");
  ASSERT_TRUE(FakeHost::eventually(
      [&] { return FakeHost::at(*rs_with_image("v1"), "metadata.annotations")[kRevision] == "3"; }));
  EXPECT_EQ(rss().size(), 2u);
  EXPECT_EQ((*rs_with_image("v1"))["metadata"]["name"], v1name);
  ASSERT_TRUE(FakeHost::eventually([&] {
    return FakeHost::at(*fake_.get(kDeployments, "default", "web"), "metadata.annotations")[kRevision] == "3";
  }));
}

TEST_F(DeploymentControllerTest, HistoryLimitDeletesOldestIdleReplicaSets) {
  auto d = deployment(1, "v1", rolling(1, 0));
  d["spec"]["revisionHistoryLimit"] = 1;
  fake_.put(kDeployments, d);
  start();
  for (const char* img : {"v2", "v3", "v4"}) {
    for (int i = 0; i < 6; ++i) {
      quiesce();
      pods_become_available();
    }
    set_image(img);
  }
  for (int i = 0; i < 6; ++i) {
    quiesce();
    pods_become_available();
  }
  quiesce();
  // The current ReplicaSet and one idle one remain: v3 (the newest old one), v4.
  auto left = rss();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_TRUE(rs_with_image("v4"));
  EXPECT_TRUE(rs_with_image("v3"));
}

}  // namespace
}  // namespace capstan::deployment
