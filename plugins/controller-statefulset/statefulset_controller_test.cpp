// The StatefulSet controller end to end against the fake host: ordered creation with identity
// and claims, scale-down from the highest ordinal, a rolling update, and the status.
#include "statefulset_controller.hpp"

#include <gtest/gtest.h>

#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"

namespace capstan::statefulset {
namespace {

using machinery::kControllerRevisions;
using machinery::kPersistentVolumeClaims;
using machinery::kPods;
using machinery::kStatefulSets;
using sdk::testing::FakeHost;
using sdk::testing::json;

json stateful_set(int replicas, const std::string& image = "nginx:1", const std::string& policy = "OrderedReady") {
  return {{"apiVersion", "apps/v1"},
          {"kind", "StatefulSet"},
          {"metadata", {{"name", "web"}, {"namespace", "default"}, {"generation", 1}}},
          {"spec",
           {{"replicas", replicas},
            {"serviceName", "nginx"},
            {"podManagementPolicy", policy},
            {"selector", {{"matchLabels", {{"app", "web"}}}}},
            {"updateStrategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 0}}}}},
            {"revisionHistoryLimit", 10},
            {"persistentVolumeClaimRetentionPolicy", {{"whenDeleted", "Retain"}, {"whenScaled", "Retain"}}},
            {"template",
             {{"metadata", {{"labels", {{"app", "web"}}}}},
              {"spec",
               {{"containers", {{{"name", "c"}, {"image", image},
                                  {"volumeMounts", {{{"name", "data"}, {"mountPath", "/data"}}}}}}}}}}},
            {"volumeClaimTemplates",
             {{{"metadata", {{"name", "data"}, {"labels", {{"tier", "db"}}}}},
               {"spec", {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}}}}}}};
}

class StatefulSetControllerTest : public ::testing::Test {
 protected:
  StatefulSetControllerTest() {
    fake_.add_kind({kStatefulSets, "StatefulSet", true, capnp::Schema::from<apps::v1::StatefulSet>()});
    fake_.add_kind({kControllerRevisions, "ControllerRevision", true, capnp::Schema::from<apps::v1::ControllerRevision>(), false});
    fake_.add_kind({kPersistentVolumeClaims, "PersistentVolumeClaim", true, capnp::Schema::from<core::v1::PersistentVolumeClaim>()});
  }
  void start() {
    controller_ = std::make_unique<StatefulSetController>(fake_.host());
    controller_->start();
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }
  bool has_pod(const std::string& name) { return fake_.get(kPods, "default", name).has_value(); }
  void make_ready(const std::string& name) {
    fake_.patch(kPods, "default", name,
                {{"status", {{"phase", "Running"},
                             {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2024-01-01T00:00:00Z"}}}}}}});
  }
  json status() { return (*fake_.get(kStatefulSets, "default", "web"))["status"]; }

  FakeHost fake_;
  std::unique_ptr<StatefulSetController> controller_;
};

TEST_F(StatefulSetControllerTest, OrderedCreationWithIdentityAndClaims) {
  fake_.put(kStatefulSets, stateful_set(3));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return has_pod("web-0"); }));
  auto pod = *fake_.get(kPods, "default", "web-0");
  EXPECT_EQ(pod["spec"]["hostname"], "web-0");
  EXPECT_EQ(pod["spec"]["subdomain"], "nginx");
  EXPECT_EQ(pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"], "web-0");
  EXPECT_EQ(pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"], "0");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
  EXPECT_EQ(pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"], "data-web-0");
  const std::string revision = pod["metadata"]["labels"]["controller-revision-hash"];
  EXPECT_EQ(revision.rfind("web-", 0), 0u);
  EXPECT_TRUE(fake_.get(kControllerRevisions, "default", revision).has_value());
  auto claim = fake_.get(kPersistentVolumeClaims, "default", "data-web-0");
  ASSERT_TRUE(claim);
  EXPECT_EQ((*claim)["metadata"]["labels"], json({{"tier", "db"}, {"app", "web"}}));
  EXPECT_FALSE((*claim)["metadata"].contains("ownerReferences"));  // Retain: the claim outlives the set

  // web-1 only once web-0 is Running and Ready.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(has_pod("web-1"));
  make_ready("web-0");
  ASSERT_TRUE(FakeHost::eventually([&] { return has_pod("web-1"); }));
  EXPECT_FALSE(has_pod("web-2"));
  make_ready("web-1");
  ASSERT_TRUE(FakeHost::eventually([&] { return has_pod("web-2"); }));
  make_ready("web-2");
  ASSERT_TRUE(FakeHost::eventually([&] {
    json s = status();
    return s.value("readyReplicas", 0) == 3 && s.value("replicas", 0) == 3 && s.value("updatedReplicas", 0) == 3 &&
           s.value("currentRevision", "") == revision && s.value("updateRevision", "") == revision &&
           s.value("observedGeneration", 0) == 1 && s.value("availableReplicas", 0) == 3;
  })) << status().dump();
}

TEST_F(StatefulSetControllerTest, ParallelCreatesAllAndScaleDownFromTheTop) {
  fake_.put(kStatefulSets, stateful_set(3, "nginx:1", "Parallel"));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return has_pod("web-0") && has_pod("web-1") && has_pod("web-2"); }));
  for (auto n : {"web-0", "web-1", "web-2"}) make_ready(n);
  json set = *fake_.get(kStatefulSets, "default", "web");
  set["spec"]["replicas"] = 1;
  set["spec"]["podManagementPolicy"] = "OrderedReady";  // (the fake does not validate)
  fake_.put(kStatefulSets, set);
  ASSERT_TRUE(FakeHost::eventually([&] { return !has_pod("web-2"); }));  // the fake deletes at once
  ASSERT_TRUE(FakeHost::eventually([&] { return !has_pod("web-1"); }));
  EXPECT_TRUE(has_pod("web-0"));
  // Claims are retained.
  EXPECT_TRUE(fake_.get(kPersistentVolumeClaims, "default", "data-web-2").has_value());
}

TEST_F(StatefulSetControllerTest, RollingUpdateReplacesFromTheHighestOrdinal) {
  fake_.put(kStatefulSets, stateful_set(2, "nginx:1", "Parallel"));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return has_pod("web-0") && has_pod("web-1"); }));
  make_ready("web-0");
  make_ready("web-1");
  const std::string old_rev = (*fake_.get(kPods, "default", "web-0"))["metadata"]["labels"]["controller-revision-hash"];
  json set = *fake_.get(kStatefulSets, "default", "web");
  set["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2";
  set["metadata"]["generation"] = 2;
  fake_.put(kStatefulSets, set);
  // web-1 goes first and comes back at the new revision; web-0 waits for it to be ready.
  ASSERT_TRUE(FakeHost::eventually([&] {
    auto p = fake_.get(kPods, "default", "web-1");
    return p && (*p)["metadata"]["labels"]["controller-revision-hash"] != old_rev;
  }));
  auto p0 = *fake_.get(kPods, "default", "web-0");
  EXPECT_EQ(p0["metadata"]["labels"]["controller-revision-hash"], old_rev);
  EXPECT_EQ((*fake_.get(kPods, "default", "web-1"))["spec"]["containers"][0]["image"], "nginx:2");
  make_ready("web-1");
  ASSERT_TRUE(FakeHost::eventually([&] {
    auto p = fake_.get(kPods, "default", "web-0");
    return p && (*p)["metadata"]["labels"]["controller-revision-hash"] != old_rev;
  }));
  make_ready("web-0");
  ASSERT_TRUE(FakeHost::eventually([&] {
    json s = status();
    return s.value("currentRevision", "") == s.value("updateRevision", "x") && s.value("updatedReplicas", 0) == 2 &&
           s.value("currentRevision", "") != old_rev;
  })) << status().dump();
}

}  // namespace
}  // namespace capstan::statefulset
