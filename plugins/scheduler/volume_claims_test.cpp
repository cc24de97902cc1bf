// VolumeBinding's claim checks: missing, deleting, unbound immediate, WaitForFirstConsumer.
#include "volume_claims.hpp"

#include <gtest/gtest.h>

#include <map>

namespace capstan::scheduler {
namespace {

std::string check(const std::vector<std::string>& names, const std::map<std::string, ClaimView>& claims) {
  std::map<std::string, std::string> modes = {{"fast", "Immediate"}, {"local", "WaitForFirstConsumer"}};
  return check_pod_claims(
      names,
      [&](const std::string& n) -> std::optional<ClaimView> {
        auto it = claims.find(n);
        if (it == claims.end()) return std::nullopt;
        return it->second;
      },
      [&](const std::string& c) -> std::optional<std::string> {
        auto it = modes.find(c);
        if (it == modes.end()) return std::nullopt;
        return it->second;
      });
}

TEST(VolumeClaims, Checks) {
  EXPECT_EQ(check({}, {}), "");
  EXPECT_EQ(check({"a"}, {}), "persistentvolumeclaim \"a\" not found");
  EXPECT_EQ(check({"a"}, {{"a", {true, true, ""}}}), "persistentvolumeclaim \"a\" is being deleted");
  EXPECT_EQ(check({"a"}, {{"a", {false, true, "fast"}}}), "");
  EXPECT_EQ(check({"a"}, {{"a", {false, false, "fast"}}}), "pod has unbound immediate PersistentVolumeClaims");
  EXPECT_EQ(check({"a"}, {{"a", {false, false, ""}}}), "pod has unbound immediate PersistentVolumeClaims");
  EXPECT_EQ(check({"a"}, {{"a", {false, false, "gone"}}}), "pod has unbound immediate PersistentVolumeClaims");
  EXPECT_EQ(check({"a"}, {{"a", {false, false, "local"}}}), "");
  // A missing claim is reported before an unbound one.
  EXPECT_EQ(check({"a", "b"}, {{"a", {false, false, "fast"}}}), "persistentvolumeclaim \"b\" not found");
}

}  // namespace
}  // namespace capstan::scheduler
