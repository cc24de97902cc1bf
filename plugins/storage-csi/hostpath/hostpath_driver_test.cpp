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

  Volume create(const std::string& name, int64_t bytes) {
    CreateVolumeRequest r;
    r.name = name;
    r.required_bytes = bytes;
    r.capabilities = {mount_rw()};
    Volume v;
    auto s = client_->create_volume(r, v);
    EXPECT_TRUE(s.ok()) << s.describe();
    return v;
  }

  StageRequest stage_req(const std::string& id) {
    StageRequest s;
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
  EXPECT_EQ(caps.expansion, has_cap_sys_resource() ? PluginCapabilities::Expansion::Online
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
  VolumeCapability xfs;
  xfs.fs_type = "xfs";
  r.capabilities = {xfs};
  EXPECT_EQ(client_->create_volume(r, v).code, kInvalidArgument) << "fs type";
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
  {
    auto ne = client_->node_expand_volume(id, target, stage_req(id).staging_target_path, 64 * MiB, 0, cap);
    if (has_cap_sys_resource()) {
      ASSERT_TRUE(ne.ok()) << ne.describe();
      EXPECT_EQ(cap, 64 * MiB);
      struct statvfs after {};
      ASSERT_EQ(statvfs(target.c_str(), &after), 0);
      EXPECT_GT(after.f_blocks * after.f_frsize, before.f_blocks * before.f_frsize + 24 * MiB) << "grew online";
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
  Volume v = create("pvc-offline", 32 * MiB);
  int64_t cap = 0;
  bool node_required = false;
  ASSERT_TRUE(client_->controller_expand_volume(v.volume_id, 64 * MiB, 0, nullptr, cap, node_required).ok());
  ASSERT_TRUE(client_->node_stage_volume(stage_req(v.volume_id)).ok());
  struct statvfs st {};
  ASSERT_EQ(statvfs(stage_req(v.volume_id).staging_target_path.c_str(), &st), 0);
  EXPECT_GT(static_cast<int64_t>(st.f_blocks * st.f_frsize), 48 * MiB);
  ASSERT_TRUE(client_->node_unstage_volume(v.volume_id, stage_req(v.volume_id).staging_target_path).ok());
  ASSERT_TRUE(client_->delete_volume(v.volume_id).ok());
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
