// capstan-csi-hostpath against the CSI spec: the real executable on a temporary socket and root,
// every RPC through the client, idempotency and the spec's error codes, the size enforced, online
// expansion, a driver restart in the middle, and nothing left behind (mounts, loop devices,
// directories). Needs root (loop devices, mounts); skipped otherwise.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <capstan/machinery/process.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "csi_client.hpp"
#include "hostpath_driver.hpp"
#include "node_mounts.hpp"

namespace capstan::csi {
namespace fs = std::filesystem;
using hostpath::kTopologyKey;
constexpr int64_t MiB = 1 << 20;

namespace {

std::string mountinfo() {
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Loop devices whose backing file is under `dir`.
std::vector<std::string> loops_under(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator("/sys/block")) {
    auto name = e.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    std::ifstream in(e.path() / "loop/backing_file");
    std::string b;
    std::getline(in, b);
    if (!b.empty() && b.rfind(dir, 0) == 0) out.push_back("/dev/" + name);
  }
  return out;
}

VolumeCapability mount_rw() { return VolumeCapability{}; }

// Whether the driver's default filesystem is XFS (xfsprogs installed): it grows mounted.
bool have_xfs() { return ::access("/usr/sbin/mkfs.xfs", X_OK) == 0 || ::access("/sbin/mkfs.xfs", X_OK) == 0; }

VolumeCapability mount_fs(const std::string& fs_type) {
  VolumeCapability c;
  c.fs_type = fs_type;
  return c;
}

int64_t fs_bytes(const std::string& path) {
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.f_blocks * st.f_frsize);
}

// Whether this process (and so the driver it starts) may grow a mounted ext4.
bool has_cap_sys_resource() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("CapEff:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> 24) & 1;
  return false;
}

class HostPathDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (loop devices and mounts)";
    char tmpl[] = "/tmp/csi-hostpath-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = fs::canonical(tmpl).string();
    socket_ = dir_ + "/csi.sock";
    start();
    client_ = std::make_unique<Client>(socket_, std::chrono::seconds(30));
  }

  void start() {
    machinery::SpawnOptions so;
    so.log_path = dir_ + "/driver.log";
    driver_ = machinery::ChildProcess::start(
        {CSI_HOSTPATH_BIN, "--endpoint", socket_, "--root", dir_ + "/root", "--node-id", "node-a"}, so);
    for (int i = 0; i < 100 && !fs::exists(socket_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(fs::exists(socket_)) << "the driver did not create its socket";
  }

  void TearDown() override {
    if (dir_.empty()) return;
    client_.reset();
    driver_.stop(std::chrono::seconds(5));
    // Whatever a failed test left: unmount under our dir (deepest first), detach our loops.
    std::vector<std::string> mps;
    for (const auto& e : hostpath::parse_mountinfo(mountinfo()))
      if (e.mount_point.rfind(dir_, 0) == 0) mps.push_back(e.mount_point);
    for (auto it = mps.rbegin(); it != mps.rend(); ++it) umount2(it->c_str(), MNT_DETACH);
    for (const auto& l : loops_under(dir_)) machinery::run({"losetup", "-d", l});
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void expect_nothing_left() {
    for (const auto& e : hostpath::parse_mountinfo(mountinfo()))
      EXPECT_NE(e.mount_point.rfind(dir_, 0), 0u) << "left mounted: " << e.mount_point;
    EXPECT_TRUE(loops_under(dir_).empty()) << "a loop device is still attached";
    EXPECT_TRUE(fs::is_empty(dir_ + "/root/volumes")) << "a volume directory is left";
  }

  Volume create(const std::string& name, int64_t bytes, const std::string& fs_type = "") {
    CreateVolumeRequest r;
    r.name = name;
    r.required_bytes = bytes;
    r.capabilities = {mount_fs(fs_type)};
    Volume v;
    auto s = client_->create_volume(r, v);
    EXPECT_TRUE(s.ok()) << s.describe();
    return v;
  }

  StageRequest stage_req(const std::string& id, const std::string& fs_type = "") {
    StageRequest s;
    s.capability.fs_type = fs_type;
    s.volume_id = id;
    s.staging_target_path = dir_ + "/staging/" + id;
    return s;
  }
  PublishRequest publish_req(const std::string& id, const std::string& target) {
    PublishRequest p;
    p.volume_id = id;
    p.staging_target_path = dir_ + "/staging/" + id;
    p.target_path = target;
    return p;
  }

  std::string dir_, socket_;
  machinery::ChildProcess driver_;
  std::unique_ptr<Client> client_;
};

TEST_F(HostPathDriverTest, IdentityAndCapabilities) {
  PluginInfo info;
  ASSERT_TRUE(client_->get_plugin_info(info).ok());
  EXPECT_EQ(info.name, "hostpath.csi.capstan.io");
  EXPECT_FALSE(info.vendor_version.empty());
  PluginCapabilities caps;
  ASSERT_TRUE(client_->get_plugin_capabilities(caps).ok());
  EXPECT_TRUE(caps.controller_service);
  EXPECT_TRUE(caps.accessibility_constraints);
  EXPECT_EQ(caps.expansion, have_xfs() || has_cap_sys_resource() ? PluginCapabilities::Expansion::Online
                                                                  : PluginCapabilities::Expansion::Offline);
  bool ready = false;
  ASSERT_TRUE(client_->probe(ready).ok());
  EXPECT_TRUE(ready);
  std::set<int> cc, nc;
  ASSERT_TRUE(client_->controller_get_capabilities(cc).ok());
  EXPECT_EQ(cc, (std::set<int>{kCreateDeleteVolume, kExpandVolume}));
  ASSERT_TRUE(client_->node_get_capabilities(nc).ok());
  EXPECT_EQ(nc, (std::set<int>{kStageUnstageVolume, kGetVolumeStats, kNodeExpandVolume}));
  NodeInfo ni;
  ASSERT_TRUE(client_->node_get_info(ni).ok());
  EXPECT_EQ(ni.node_id, "node-a");
  EXPECT_EQ(ni.accessible_topology, (Topology{{kTopologyKey, "node-a"}}));
}

TEST_F(HostPathDriverTest, CreateVolumeErrorsAndIdempotency) {
  Volume v;
  CreateVolumeRequest r;
  r.capabilities = {mount_rw()};
  r.required_bytes = 32 * MiB;
  EXPECT_EQ(client_->create_volume(r, v).code, kInvalidArgument) << "missing name";
  r.name = "pvc-1";
  r.capabilities.clear();
  EXPECT_EQ(client_->create_volume(r, v).code, kInvalidArgument) << "missing capabilities";
  VolumeCapability block;
  block.block = true;
  r.capabilities = {block};
  EXPECT_EQ(client_->create_volume(r, v).code, kInvalidArgument) << "block access";
  VolumeCapability rwx;
  rwx.mode = AccessMode::MultiNodeMultiWriter;
  r.capabilities = {rwx};
  EXPECT_EQ(client_->create_volume(r, v).code, kInvalidArgument) << "multi-node access";
  r.capabilities = {mount_fs("btrfs")};
  EXPECT_EQ(client_->create_volume(r, v).code, kInvalidArgument) << "fs type";
  r.capabilities = {mount_fs("xfs"), mount_fs("ext4")};
  EXPECT_EQ(client_->create_volume(r, v).code, kInvalidArgument) << "two fs types";
  r.capabilities = {mount_rw()};
  r.parameters = {{"unknown", "x"}};
  EXPECT_EQ(client_->create_volume(r, v).code, kInvalidArgument) << "unknown parameter";
  r.parameters.clear();
  r.limit_bytes = 16 * MiB;
  EXPECT_EQ(client_->create_volume(r, v).code, kOutOfRange) << "limit below required";
  r.limit_bytes = 0;
  r.requisite = {{{kTopologyKey, "node-b"}}};
  EXPECT_EQ(client_->create_volume(r, v).code, kResourceExhausted) << "another node required";
  r.requisite = {{{kTopologyKey, "node-b"}}, {{kTopologyKey, "node-a"}}};
  auto s = client_->create_volume(r, v);
  ASSERT_TRUE(s.ok()) << s.describe();
  EXPECT_EQ(v.volume_id, "pvc-1");
  EXPECT_EQ(v.capacity_bytes, 32 * MiB);
  ASSERT_EQ(v.accessible_topology.size(), 1u);
  EXPECT_EQ(v.accessible_topology[0], (Topology{{kTopologyKey, "node-a"}}));

  Volume again;
  ASSERT_TRUE(client_->create_volume(r, again).ok()) << "the same request again";
  EXPECT_EQ(again.volume_id, v.volume_id);
  EXPECT_EQ(again.capacity_bytes, v.capacity_bytes);
  r.required_bytes = 64 * MiB;
  EXPECT_EQ(client_->create_volume(r, again).code, kAlreadyExists) << "same name, larger size";
  r.required_bytes = 32 * MiB;
  r.capabilities = {mount_fs(have_xfs() ? "ext4" : "xfs")};
  EXPECT_EQ(client_->create_volume(r, again).code, kAlreadyExists) << "same name, another fs type";

  EXPECT_EQ(client_->delete_volume("").code, kInvalidArgument);
  ASSERT_TRUE(client_->delete_volume(v.volume_id).ok());
  EXPECT_TRUE(client_->delete_volume(v.volume_id).ok()) << "deleting a deleted volume is OK";
  EXPECT_TRUE(client_->delete_volume("../../etc").ok()) << "an id that cannot exist is deleted already";
  expect_nothing_left();
}

TEST_F(HostPathDriverTest, StagePublishEnforceSizeExpandAndCleanUp) {
  Volume v = create("pvc-data", 32 * MiB);
  const std::string id = v.volume_id;
  const std::string target = dir_ + "/pods/uid1/volumes/kubernetes.io~csi/data/mount";

  // Node calls before staging, and bad requests.
  EXPECT_EQ(client_->node_stage_volume(stage_req("pvc-nope")).code, kNotFound);
  auto missing_path = stage_req(id);
  missing_path.staging_target_path.clear();
  EXPECT_EQ(client_->node_stage_volume(missing_path).code, kInvalidArgument);
  auto missing_cap = stage_req(id);
  missing_cap.has_capability = false;
  EXPECT_EQ(client_->node_stage_volume(missing_cap).code, kInvalidArgument);
  EXPECT_EQ(client_->node_publish_volume(publish_req(id, target)).code, kFailedPrecondition) << "not staged";
  EXPECT_EQ(client_->node_stage_volume(stage_req(id, have_xfs() ? "ext4" : "xfs")).code, kFailedPrecondition)
      << "the volume holds another filesystem";

  // Stage and publish, twice each.
  ASSERT_TRUE(client_->node_stage_volume(stage_req(id)).ok());
  EXPECT_TRUE(client_->node_stage_volume(stage_req(id)).ok()) << "stage is idempotent";
  EXPECT_EQ(client_->delete_volume(id).code, kFailedPrecondition) << "a staged volume is in use";
  auto no_staging = publish_req(id, target);
  no_staging.staging_target_path.clear();
  EXPECT_EQ(client_->node_publish_volume(no_staging).code, kFailedPrecondition);
  EXPECT_EQ(client_->node_publish_volume(publish_req("pvc-nope", target)).code, kNotFound);
  ASSERT_TRUE(client_->node_publish_volume(publish_req(id, target)).ok());
  EXPECT_TRUE(client_->node_publish_volume(publish_req(id, target)).ok()) << "publish is idempotent";
  auto ro = publish_req(id, target);
  ro.readonly = true;
  EXPECT_EQ(client_->node_publish_volume(ro).code, kAlreadyExists) << "published read-write already";
  const std::string ro_target = dir_ + "/pods/uid2/volumes/kubernetes.io~csi/data/mount";
  ro.target_path = ro_target;
  ASSERT_TRUE(client_->node_publish_volume(ro).ok());
  EXPECT_NE(::access(ro_target.c_str(), W_OK), 0) << "a read-only publish is not writable";

  // The size is enforced: 48 MiB do not fit into 32.
  {
    std::ofstream f(target + "/fill", std::ios::binary);
    std::string chunk(MiB, 'x');
    int written = 0;
    for (; written < 48; ++written) {
      f.write(chunk.data(), chunk.size());
      f.flush();
      if (!f) break;
    }
    EXPECT_LT(written, 33) << "wrote " << written << " MiB into a 32 MiB volume";
  }
  fs::remove(target + "/fill");
  { std::ofstream(target + "/keep") << "kept\n"; }
  struct statvfs before {};
  ASSERT_EQ(statvfs(target.c_str(), &before), 0);
  VolumeStats stats;
  ASSERT_TRUE(client_->node_get_volume_stats(id, target, stats).ok());
  EXPECT_GT(stats.bytes_total, 24 * MiB);
  EXPECT_LE(stats.bytes_total, 32 * MiB);
  EXPECT_GT(stats.inodes_total, 0);

  // Online expansion: controller grows the image, node grows the mounted filesystem.
  int64_t cap = 0;
  bool node_required = false;
  EXPECT_EQ(client_->controller_expand_volume("pvc-nope", 64 * MiB, 0, nullptr, cap, node_required).code, kNotFound);
  ASSERT_TRUE(client_->controller_expand_volume(id, 64 * MiB, 0, nullptr, cap, node_required).ok());
  EXPECT_EQ(cap, 64 * MiB);
  EXPECT_TRUE(node_required);
  EXPECT_EQ(client_->controller_expand_volume(id, 16 * MiB, 16 * MiB, nullptr, cap, node_required).code, kOutOfRange)
      << "shrinking";
  ASSERT_TRUE(client_->controller_expand_volume(id, 48 * MiB, 0, nullptr, cap, node_required).ok());
  EXPECT_EQ(cap, 64 * MiB) << "a smaller request leaves the volume as it is";
  EXPECT_EQ(client_->node_expand_volume("pvc-nope", target, "", 64 * MiB, 0, cap).code, kNotFound);
  EXPECT_EQ(client_->node_expand_volume(id, "", "", 64 * MiB, 0, cap).code, kInvalidArgument) << "no volume path";
  EXPECT_EQ(client_->node_expand_volume(id, dir_ + "/elsewhere", "", 64 * MiB, 0, cap).code, kNotFound)
      << "not mounted there";
  EXPECT_EQ(client_->node_expand_volume(id, target, "", 16 * MiB, 16 * MiB, cap).code, kOutOfRange) << "above the limit";
  {
    auto ne = client_->node_expand_volume(id, target, stage_req(id).staging_target_path, 64 * MiB, 0, cap);
    if (have_xfs() || has_cap_sys_resource()) {
      ASSERT_TRUE(ne.ok()) << ne.describe();
      EXPECT_EQ(cap, 64 * MiB);
      struct statvfs after {};
      ASSERT_EQ(statvfs(target.c_str(), &after), 0);
      EXPECT_GT(after.f_blocks * after.f_frsize, before.f_blocks * before.f_frsize + 24 * MiB) << "grew online";
      // The pod sees it too (the read-only publish is the same filesystem), and the data is there.
      EXPECT_EQ(fs_bytes(ro_target), static_cast<int64_t>(after.f_blocks * after.f_frsize));
      EXPECT_TRUE(fs::exists(target + "/keep"));
      auto again = client_->node_expand_volume(id, target, stage_req(id).staging_target_path, 64 * MiB, 0, cap);
      EXPECT_TRUE(again.ok()) << "NodeExpandVolume is idempotent: " << again.describe();
      EXPECT_EQ(fs_bytes(target), static_cast<int64_t>(after.f_blocks * after.f_frsize));
      // Now 64 MiB hold 48 MiB of data.
      std::ofstream f(target + "/big", std::ios::binary);
      std::string chunk(MiB, 'y');
      for (int i = 0; i < 48 && f; ++i) {
        f.write(chunk.data(), chunk.size());
        f.flush();
      }
      EXPECT_TRUE(f.good()) << "48 MiB fit after growing to 64";
      f.close();
      fs::remove(target + "/big");
    } else {
      // The spec's answer for a staged volume whose filesystem cannot grow mounted.
      EXPECT_EQ(ne.code, kFailedPrecondition) << ne.describe();
    }
  }

  // A driver restart: everything is read back from the kernel, calls stay idempotent.
  driver_.stop(std::chrono::seconds(5));
  start();
  auto restaged = client_->node_stage_volume(stage_req(id));
  EXPECT_TRUE(restaged.ok()) << restaged.describe();
  auto republished = client_->node_publish_volume(publish_req(id, target));
  EXPECT_TRUE(republished.ok()) << republished.describe();

  // Tear down, twice each, then delete; the data was there until the end.
  std::ifstream kept(target + "/keep");
  std::string line;
  std::getline(kept, line);
  EXPECT_EQ(line, "kept");
  kept.close();
  EXPECT_EQ(client_->node_unpublish_volume(id, "").code, kInvalidArgument);
  ASSERT_TRUE(client_->node_unpublish_volume(id, target).ok());
  EXPECT_TRUE(client_->node_unpublish_volume(id, target).ok()) << "unpublish is idempotent";
  EXPECT_FALSE(fs::exists(target)) << "the plugin removes the target it created";
  ASSERT_TRUE(client_->node_unpublish_volume(id, ro_target).ok());
  ASSERT_TRUE(client_->node_unstage_volume(id, stage_req(id).staging_target_path).ok());
  EXPECT_TRUE(client_->node_unstage_volume(id, stage_req(id).staging_target_path).ok()) << "unstage is idempotent";

  // Staged again after the restart: the data is still on the volume.
  ASSERT_TRUE(client_->node_stage_volume(stage_req(id)).ok());
  EXPECT_TRUE(fs::exists(stage_req(id).staging_target_path + "/keep"));
  struct statvfs grown {};
  ASSERT_EQ(statvfs(stage_req(id).staging_target_path.c_str(), &grown), 0);
  EXPECT_GT(static_cast<int64_t>(grown.f_blocks * grown.f_frsize), 48 * MiB) << "the expansion is complete";
  ASSERT_TRUE(client_->node_unstage_volume(id, stage_req(id).staging_target_path).ok());

  ASSERT_TRUE(client_->delete_volume(id).ok());
  EXPECT_EQ(client_->node_unpublish_volume(id, target).code, kNotFound) << "a deleted volume";
  EXPECT_EQ(client_->node_unstage_volume(id, stage_req(id).staging_target_path).code, kNotFound);
  expect_nothing_left();
}

TEST_F(HostPathDriverTest, OfflineExpansionIsCompletedAtStage) {
  // Both filesystems: ext4 grows before the mount, XFS right after it.
  for (std::string fs_type : {"ext4", "xfs"}) {
    if (fs_type == "xfs" && !have_xfs()) continue;
    Volume v = create("pvc-offline-" + fs_type, 32 * MiB, fs_type);
    int64_t cap = 0;
    bool node_required = false;
    ASSERT_TRUE(client_->controller_expand_volume(v.volume_id, 64 * MiB, 0, nullptr, cap, node_required).ok());
    auto st = client_->node_stage_volume(stage_req(v.volume_id, fs_type));
    ASSERT_TRUE(st.ok()) << fs_type << ": " << st.describe();
    EXPECT_GT(fs_bytes(stage_req(v.volume_id).staging_target_path), 48 * MiB) << fs_type;
    ASSERT_TRUE(client_->node_unstage_volume(v.volume_id, stage_req(v.volume_id).staging_target_path).ok());
    ASSERT_TRUE(client_->delete_volume(v.volume_id).ok());
  }
  expect_nothing_left();
}

TEST_F(HostPathDriverTest, Ext4GrowsMountedOnlyWithCapSysResource) {
  Volume v = create("pvc-ext4", 32 * MiB, "ext4");
  const std::string id = v.volume_id, target = dir_ + "/pods/uid3/volumes/kubernetes.io~csi/e/mount";
  ASSERT_TRUE(client_->node_stage_volume(stage_req(id, "ext4")).ok());
  auto p = publish_req(id, target);
  p.capability.fs_type = "ext4";
  ASSERT_TRUE(client_->node_publish_volume(p).ok());
  int64_t cap = 0;
  bool node_required = false;
  ASSERT_TRUE(client_->controller_expand_volume(id, 64 * MiB, 0, nullptr, cap, node_required).ok());
  auto ne = client_->node_expand_volume(id, target, stage_req(id).staging_target_path, 64 * MiB, 0, cap);
  if (has_cap_sys_resource()) {
    EXPECT_TRUE(ne.ok()) << ne.describe();
    EXPECT_GT(fs_bytes(target), 48 * MiB);
  } else {
    EXPECT_EQ(ne.code, kFailedPrecondition) << ne.describe();
  }
  ASSERT_TRUE(client_->node_unpublish_volume(id, target).ok());
  ASSERT_TRUE(client_->node_unstage_volume(id, stage_req(id).staging_target_path).ok());
  ASSERT_TRUE(client_->node_stage_volume(stage_req(id, "ext4")).ok());
  EXPECT_GT(fs_bytes(stage_req(id).staging_target_path), 48 * MiB) << "grown when staged again";
  ASSERT_TRUE(client_->node_unstage_volume(id, stage_req(id).staging_target_path).ok());
  ASSERT_TRUE(client_->delete_volume(id).ok());
  expect_nothing_left();
}

TEST_F(HostPathDriverTest, SmallAndLargeXfsVolumesHoldTheirSize) {
  if (!have_xfs()) GTEST_SKIP() << "xfsprogs is not installed";
  // 16 MiB (below xfsprogs' supported 300 MiB) and 320 MiB (above): each image is exactly the
  // requested size and its filesystem no larger.
  for (int64_t size : {16 * MiB, 320 * MiB}) {
    Volume v = create("pvc-x" + std::to_string(size / MiB), size, "xfs");
    ASSERT_EQ(v.capacity_bytes, size);
    ASSERT_TRUE(client_->node_stage_volume(stage_req(v.volume_id, "xfs")).ok());
    const int64_t total = fs_bytes(stage_req(v.volume_id).staging_target_path);
    EXPECT_LE(total, size);
    EXPECT_GT(total, size / 2);
    ASSERT_TRUE(client_->node_unstage_volume(v.volume_id, stage_req(v.volume_id).staging_target_path).ok());
    ASSERT_TRUE(client_->delete_volume(v.volume_id).ok());
  }
  expect_nothing_left();
}

TEST(CsiClient, UnreachableDriverTimesOut) {
  Client c("/nonexistent/dir/csi.sock", std::chrono::milliseconds(300));
  bool ready = false;
  auto t0 = std::chrono::steady_clock::now();
  auto s = c.probe(ready);
  EXPECT_EQ(s.code, kDeadlineExceeded) << s.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

}  // namespace
}  // namespace capstan::csi
