// The protection controllers against the fake host: a claim in use keeps its finalizer until its
// last scheduled pod is gone; an unbound volume loses it; objects without it get it.
#include "protection_controller.hpp"

#include <gtest/gtest.h>

#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"
#include "protection_logic.hpp"

namespace capstan::storage_protection {
namespace {

using machinery::kPersistentVolumeClaims;
using machinery::kPersistentVolumes;
using machinery::kPods;
using sdk::testing::FakeHost;
using sdk::testing::json;

class ProtectionControllerTest : public ::testing::Test {
 protected:
  ProtectionControllerTest() {
    fake_.add_kind({kPersistentVolumeClaims, "PersistentVolumeClaim", true,
                    capnp::Schema::from<core::v1::PersistentVolumeClaim>()});
    fake_.add_kind({kPersistentVolumes, "PersistentVolume", false, capnp::Schema::from<core::v1::PersistentVolume>()});
  }
  void start() {
    controller_ = std::make_unique<ProtectionController>(fake_.host());
    controller_->start();
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }
  json finalizers(const sdk::Resource& r, const std::string& ns, const std::string& name) {
    auto o = fake_.get(r, ns, name);
    return o ? (*o)["metadata"].value("finalizers", json::array()) : json(nullptr);
  }

  FakeHost fake_;
  std::unique_ptr<ProtectionController> controller_;
};

json pod(const std::string& name, const std::string& claim) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"nodeName", "node-1"},
                    {"containers", {{{"name", "c"}, {"image", "busybox"}}}},
                    {"volumes", {{{"name", "v"}, {"persistentVolumeClaim", {{"claimName", claim}}}}}}}}};
}

TEST_F(ProtectionControllerTest, ClaimInUseKeepsFinalizerUntilItsPodIsGone) {
  fake_.put(kPersistentVolumeClaims, {{"metadata", {{"name", "data"}, {"namespace", "default"},
                                                    {"deletionTimestamp", "2026-01-01T00:00:00Z"},
                                                    {"finalizers", {kPvcFinalizer}}}}});
  fake_.put(kPods, pod("a", "data"));
  fake_.put(kPods, pod("b", "data"));
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return controller_ != nullptr; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(finalizers(kPersistentVolumeClaims, "default", "data"), json::array({kPvcFinalizer}));
  fake_.erase(kPods, "default", "a");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(finalizers(kPersistentVolumeClaims, "default", "data"), json::array({kPvcFinalizer}));
  fake_.erase(kPods, "default", "b");
  // The last finalizer of an object being deleted: removing it deletes the object.
  EXPECT_TRUE(FakeHost::eventually([&] { return !fake_.get(kPersistentVolumeClaims, "default", "data"); }));
}

TEST_F(ProtectionControllerTest, AddsMissingFinalizers) {
  fake_.put(kPersistentVolumeClaims, {{"metadata", {{"name", "data"}, {"namespace", "default"}}}});
  fake_.put(kPersistentVolumes, {{"metadata", {{"name", "pv1"}}}});
  start();
  EXPECT_TRUE(FakeHost::eventually(
      [&] { return finalizers(kPersistentVolumeClaims, "default", "data") == json::array({kPvcFinalizer}); }));
  EXPECT_TRUE(FakeHost::eventually([&] { return finalizers(kPersistentVolumes, "", "pv1") == json::array({kPvFinalizer}); }));
}

TEST_F(ProtectionControllerTest, BoundVolumeKeepsFinalizerUntilReleased) {
  fake_.put(kPersistentVolumes, {{"metadata", {{"name", "pv1"}, {"deletionTimestamp", "2026-01-01T00:00:00Z"},
                                               {"finalizers", {kPvFinalizer}}}},
                                 {"status", {{"phase", "Bound"}}}});
  start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(finalizers(kPersistentVolumes, "", "pv1"), json::array({kPvFinalizer}));
  fake_.patch(kPersistentVolumes, "", "pv1", {{"status", {{"phase", "Released"}}}});
  EXPECT_TRUE(FakeHost::eventually([&] { return !fake_.get(kPersistentVolumes, "", "pv1"); }));
}

}  // namespace
}  // namespace capstan::storage_protection
