#include <gtest/gtest.h>

#include "hostpath_driver.hpp"
#include "node_mounts.hpp"

namespace capstan::csi::hostpath {

TEST(NodeMounts, ParsesMountinfoWithOptionalFieldsAndEscapes) {
  const std::string text =
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "98 22 7:3 / /var/lib/a\\040b ro,noatime shared:40 master:2 - ext4 /dev/loop3 rw\n"
      "99 22 7:3 / /pods/x/mount rw - ext4 /dev/loop3 rw\n"
      "garbage line\n";
  auto v = parse_mountinfo(text);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[1].mount_point, "/var/lib/a b");
  EXPECT_EQ(v[1].source, "/dev/loop3");
  EXPECT_EQ(v[1].fs_type, "ext4");
  EXPECT_TRUE(v[1].readonly);
  EXPECT_FALSE(v[2].readonly);
  EXPECT_EQ(v[2].major_minor, v[1].major_minor);
}

TEST(HostPathSizes, RoundsToWholeMiBWithinTheRange) {
  constexpr int64_t mib = 1 << 20;
  EXPECT_EQ(volume_size(0, 0), 1LL << 30);
  EXPECT_EQ(volume_size(100 * mib + 1, 0), 101 * mib);
  EXPECT_EQ(volume_size(1, 0), kMinimumBytes);
  EXPECT_EQ(volume_size(0, 64 * mib), 64 * mib);
  EXPECT_EQ(volume_size(10 * mib + 5, 10 * mib + 100), -1);  // no whole MiB inside the range
  EXPECT_EQ(volume_size(64 * mib, 32 * mib), -1);
  EXPECT_EQ(volume_size(1, 8 * mib), -1);  // below the minimum
}

TEST(HostPathIds, NamesBecomeSafeIds) {
  EXPECT_EQ(volume_id_for("pvc-0b7c6a7e-1d2f-4e35-9a3b-0c1d2e3f4a5b"), "pvc-0b7c6a7e-1d2f-4e35-9a3b-0c1d2e3f4a5b");
  auto a = volume_id_for("../../etc");
  EXPECT_EQ(a.rfind("h-", 0), 0u);
  EXPECT_EQ(a.find('/'), std::string::npos);
  EXPECT_EQ(a, volume_id_for("../../etc"));
  EXPECT_NE(volume_id_for("h-x"), "h-x");  // the hashed namespace is never a name
}

}  // namespace capstan::csi::hostpath
