// The garbage collector against the fake host: Background (dependents of a deleted owner go),
// Foreground (dependents first, then the owner) and Orphan (dependents released, kept).

#include <gtest/gtest.h>

#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"
#include "garbage_collector.hpp"

namespace capstan::gc {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::json;
using machinery::kPods;
using machinery::kReplicaSets;
using machinery::kDeployments;

json owned(const json& owner, const std::string& kind, const std::string& api_version) {
  return {{{"apiVersion", api_version},
           {"kind", kind},
           {"name", owner["metadata"]["name"]},
           {"uid", owner["metadata"]["uid"]},
           {"controller", true},
           {"blockOwnerDeletion", true}}};
}

json pod(const std::string& name, const json& owner) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"ownerReferences", owned(owner, "ReplicaSet", "apps/v1")}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}};
}

json rs(const std::string& name, const json& owner = nullptr) {
  json r = {{"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec", {{"selector", {{"matchLabels", {{"app", name}}}}}}}};
  if (!owner.is_null()) r["metadata"]["ownerReferences"] = owned(owner, "Deployment", "apps/v1");
  return r;
}

class GarbageCollectorTest : public ::testing::Test {
 protected:
  void start() {
    gc_ = std::make_unique<GarbageCollector>(fake_.host());
    gc_->start();
  }
  void TearDown() override {
    if (gc_) gc_->stop();
  }
  FakeHost fake_;
  std::unique_ptr<GarbageCollector> gc_;
  sdk::Client client_{fake_.host()};
};

TEST_F(GarbageCollectorTest, BackgroundDeletesDependentsOfAGoneOwner) {
  auto owner = fake_.put(kReplicaSets, rs("web"));
  fake_.put(kPods, pod("web-1", owner));
  fake_.put(kPods, pod("web-2", owner));
  fake_.put(kPods, {{"metadata", {{"name", "standalone"}, {"namespace", "default"}}},
                    {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}});
  start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(fake_.list(kPods).size(), 3u);  // owners exist: nothing is collected
  ASSERT_TRUE(client_.remove(kReplicaSets, "default", "web", "Background").ok());
  ASSERT_TRUE(FakeHost::eventually([&] { return fake_.list(kPods).size() == 1; }));
  EXPECT_TRUE(fake_.get(kPods, "default", "standalone"));
}

TEST_F(GarbageCollectorTest, ForegroundDeletesDependentsBeforeTheOwner) {
  auto dep = fake_.put(kDeployments, {{"metadata", {{"name", "web"}, {"namespace", "default"}}},
                                      {"spec", {{"selector", {{"matchLabels", {{"app", "web"}}}}}}}});
  auto r = fake_.put(kReplicaSets, rs("web-abc", dep));
  fake_.put(kPods, pod("web-abc-1", r));
  start();
  // The pods hold a finalizer of their own for a moment, so the owner's wait can be seen.
  fake_.patch(kPods, "default", "web-abc-1", {{"metadata", {{"finalizers", {"test/hold"}}}}});
  ASSERT_TRUE(client_.remove(kDeployments, "default", "web", "Foreground").ok());
  ASSERT_TRUE(FakeHost::eventually([&] {
    auto p = fake_.get(kPods, "default", "web-abc-1");
    return p && (*p)["metadata"].contains("deletionTimestamp");
  }));
  auto d = fake_.get(kDeployments, "default", "web");
  ASSERT_TRUE(d);
  EXPECT_TRUE((*d)["metadata"].contains("deletionTimestamp"));
  EXPECT_TRUE(fake_.get(kReplicaSets, "default", "web-abc"));
  fake_.patch(kPods, "default", "web-abc-1", {{"metadata", {{"finalizers", nullptr}}}});
  ASSERT_TRUE(FakeHost::eventually([&] {
    return !fake_.get(kPods, "default", "web-abc-1") && !fake_.get(kReplicaSets, "default", "web-abc") &&
           !fake_.get(kDeployments, "default", "web");
  }));
}

TEST_F(GarbageCollectorTest, OrphanReleasesDependents) {
  auto owner = fake_.put(kReplicaSets, rs("web"));
  fake_.put(kPods, pod("web-1", owner));
  start();
  ASSERT_TRUE(client_.remove(kReplicaSets, "default", "web", "Orphan").ok());
  ASSERT_TRUE(FakeHost::eventually([&] { return !fake_.get(kReplicaSets, "default", "web"); }));
  auto p = fake_.get(kPods, "default", "web-1");
  ASSERT_TRUE(p);
  EXPECT_FALSE((*p)["metadata"].contains("ownerReferences"));
}

}  // namespace
}  // namespace capstan::gc
