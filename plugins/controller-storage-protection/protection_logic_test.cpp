#include "protection_logic.hpp"

#include <gtest/gtest.h>

#include "capstan/testing/json_objects.hpp"

namespace capstan::storage_protection {
namespace {

using nlohmann::json;
using sdk::testing::object_from_json;

json pod(const std::string& node, const std::string& claim) {
  return {{"metadata", {{"name", "p"}, {"namespace", "default"}}},
          {"spec", {{"nodeName", node},
                    {"containers", {{{"name", "c"}, {"image", "busybox"}}}},
                    {"volumes", {{{"name", "v"}, {"persistentVolumeClaim", {{"claimName", claim}}}}}}}}};
}

json claim(bool deleting, bool finalizer) {
  json c = {{"metadata", {{"name", "data"}, {"namespace", "default"}}}, {"spec", json::object()}};
  if (deleting) c["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  if (finalizer) c["metadata"]["finalizers"] = {"example.com/other", kPvcFinalizer};
  return c;
}

TEST(ProtectionLogic, OnlyScheduledPodsNamingTheClaimUseIt) {
  EXPECT_TRUE(pod_uses_claim(object_from_json<core::v1::Pod>(pod("node-1", "data"))->as<core::v1::Pod>(), "data"));
  EXPECT_FALSE(pod_uses_claim(object_from_json<core::v1::Pod>(pod("", "data"))->as<core::v1::Pod>(), "data"));
  EXPECT_FALSE(pod_uses_claim(object_from_json<core::v1::Pod>(pod("node-1", "other"))->as<core::v1::Pod>(), "data"));
}

TEST(ProtectionLogic, ClaimActions) {
  auto act = [](json c, bool in_use) {
    return claim_action(object_from_json<core::v1::PersistentVolumeClaim>(c)->as<core::v1::PersistentVolumeClaim>(), in_use);
  };
  EXPECT_EQ(act(claim(false, false), false), Action::kAddFinalizer);
  EXPECT_EQ(act(claim(false, true), true), Action::kNone);
  EXPECT_EQ(act(claim(true, true), true), Action::kWait);
  EXPECT_EQ(act(claim(true, true), false), Action::kRemoveFinalizer);
  EXPECT_EQ(act(claim(true, false), false), Action::kNone);  // someone else's finalizers only
}

TEST(ProtectionLogic, VolumeInUseWhileBound) {
  auto act = [](const std::string& phase) {
    json v = {{"metadata", {{"name", "pv1"}, {"deletionTimestamp", "2026-01-01T00:00:00Z"}, {"finalizers", {kPvFinalizer}}}},
              {"status", {{"phase", phase}}}};
    return volume_action(object_from_json<core::v1::PersistentVolume>(v)->as<core::v1::PersistentVolume>());
  };
  EXPECT_EQ(act("Bound"), Action::kWait);
  EXPECT_EQ(act("Released"), Action::kRemoveFinalizer);
  EXPECT_EQ(act("Available"), Action::kRemoveFinalizer);
}

TEST(ProtectionLogic, WithoutKeepsOrder) {
  auto c = object_from_json<core::v1::PersistentVolumeClaim>(claim(true, true));
  EXPECT_EQ(without(c->as<core::v1::PersistentVolumeClaim>().getMetadata().getFinalizers(), kPvcFinalizer),
            std::vector<std::string>{"example.com/other"});
}

}  // namespace
}  // namespace capstan::storage_protection
