// Volumes on a temporary directory, probe bookkeeping and probers against a loopback listener,
// CRI log parsing and rendering.
#include <arpa/inet.h>
#include <capnp/message.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent_server.hpp"
#include "cri_log.hpp"
#include "probes.hpp"
#include "volumes.hpp"

using namespace capstan::agent;
namespace fs = std::filesystem;

namespace {

class Objects : public ObjectSource {
 public:
  std::map<std::string, StringMap> cms, secrets;
  std::map<std::string, ClaimVolume> claims;
  bool knows_claims = false;
  std::optional<ClaimVolume> claim_volume(const std::string& ns, const std::string& name) const override {
    if (!knows_claims) return std::nullopt;
    auto it = claims.find(ns + "/" + name);
    if (it == claims.end()) return ClaimVolume{"persistentvolumeclaim \"" + name + "\" not found"};
    return it->second;
  }
  std::optional<StringMap> config_map(const std::string& ns, const std::string& name) const override {
    auto it = cms.find(ns + "/" + name);
    if (it == cms.end()) return std::nullopt;
    return it->second;
  }
  std::optional<StringMap> secret(const std::string& ns, const std::string& name) const override {
    auto it = secrets.find(ns + "/" + name);
    if (it == secrets.end()) return std::nullopt;
    return it->second;
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/capstan-agent-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST(AtomicWriter, WritesSwapsAndPrunes) {
  TempDir t;
  const std::string dir = (t.path / "v").string();
  std::string error;
  ASSERT_TRUE(write_atomic(dir, {{"a", {"1", 0644}}, {"sub/b", {"2", 0600}}}, error)) << error;
  EXPECT_EQ(slurp(fs::path(dir) / "a"), "1");
  EXPECT_EQ(slurp(fs::path(dir) / "sub/b"), "2");
  EXPECT_TRUE(fs::is_symlink(fs::path(dir) / "a"));
  EXPECT_TRUE(fs::is_symlink(fs::path(dir) / "..data"));
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/sub/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto first = fs::read_symlink(fs::path(dir) / "..data");
  ASSERT_TRUE(write_atomic(dir, {{"a", {"1", 0644}}, {"sub/b", {"2", 0600}}}, error));
  EXPECT_EQ(fs::read_symlink(fs::path(dir) / "..data"), first);  // unchanged: no swap
  ASSERT_TRUE(write_atomic(dir, {{"a", {"changed", 0644}}}, error));
  EXPECT_EQ(slurp(fs::path(dir) / "a"), "changed");
  EXPECT_FALSE(fs::exists(fs::path(dir) / "sub"));
  EXPECT_FALSE(fs::exists(fs::path(dir) / first));
  EXPECT_FALSE(write_atomic(dir, {{"../escape", {"x", 0644}}}, error));
}

TEST(Volumes, MaterialisedAndTornDown) {
  TempDir t;
  VolumeManager vm((t.path / "pods").string(), false);
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<core::Pod>();
  auto md = pod.initMetadata();
  md.setName("p");
  md.setNamespace("ns");
  md.setUid("uid-1");
  auto labels = md.initLabels(1);
  labels[0].setKey("app");
  labels[0].setValue("x");
  auto vols = pod.initSpec().initVolumes(5);
  vols[0].setName("scratch");
  vols[0].initEmptyDir();
  vols[1].setName("cfg");
  auto items = vols[1].initConfigMap();
  items.setName("app-config");
  auto kp = items.initItems(1);
  kp[0].setKey("k1");
  kp[0].setPath("conf/k1.txt");
  vols[2].setName("creds");
  vols[2].initSecret().setSecretName("s");
  vols[2].getSecret().getDefaultMode().setValue(0400);
  vols[3].setName("info");
  auto di = vols[3].initDownwardAPI().initItems(1);
  di[0].setPath("labels");
  di[0].initFieldRef().setFieldPath("metadata.labels");
  vols[4].setName("host");
  vols[4].initHostPath().setPath((t.path / "made").string());
  vols[4].getHostPath().setType("DirectoryOrCreate");
  auto c = pod.getSpec().initContainers(1)[0];
  c.setName("main");
  auto mounts = c.initVolumeMounts(3);
  mounts[0].setName("scratch");
  mounts[0].setMountPath("/scratch");
  mounts[0].setSubPath("sub");
  mounts[1].setName("cfg");
  mounts[1].setMountPath("/etc/app");
  mounts[2].setName("host");
  mounts[2].setMountPath("/host");

  Objects objs;
  objs.cms["ns/app-config"] = {{"k1", "v1"}, {"k2", "v2"}};
  auto r = vm.setup(pod, objs, {});
  EXPECT_NE(r.error.find("secret \"s\" not found"), std::string::npos);
  EXPECT_EQ(r.volume, "creds");
  objs.secrets["ns/s"] = {{"password", "pw"}};
  r = vm.setup(pod, objs, {});
  ASSERT_EQ(r.error, "");
  const fs::path vdir = t.path / "pods/uid-1/volumes";
  EXPECT_EQ(slurp(vdir / "kubernetes.io~configmap/cfg/conf/k1.txt"), "v1");
  EXPECT_FALSE(fs::exists(vdir / "kubernetes.io~configmap/cfg/k2"));
  EXPECT_EQ(slurp(vdir / "kubernetes.io~secret/creds/password"), "pw");
  EXPECT_EQ(slurp(vdir / "kubernetes.io~downward-api/info/labels"), "app=\"x\"");
  EXPECT_TRUE(fs::is_directory(t.path / "made"));

  std::string error;
  auto ms = vm.mounts(c, r, error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(ms.size(), 3u);
  EXPECT_EQ(ms[0].host_path, (vdir / "kubernetes.io~empty-dir/scratch/sub").string());
  EXPECT_TRUE(fs::is_directory(ms[0].host_path));
  EXPECT_FALSE(ms[0].readonly);
  EXPECT_TRUE(ms[1].readonly);  // API data volumes are read-only
  EXPECT_EQ(ms[2].host_path, (t.path / "made").string());

  // An update swaps the files.
  objs.cms["ns/app-config"]["k1"] = "v1-new";
  ASSERT_EQ(vm.setup(pod, objs, {}).error, "");
  EXPECT_EQ(slurp(vdir / "kubernetes.io~configmap/cfg/conf/k1.txt"), "v1-new");

  vm.teardown("uid-1");
  EXPECT_FALSE(fs::exists(t.path / "pods/uid-1"));
  EXPECT_TRUE(fs::exists(t.path / "made"));  // hostPath content is the node's, never removed
}

TEST(Volumes, HostPathTypeAndPvc) {
  TempDir t;
  VolumeManager vm((t.path / "pods").string(), false);
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<core::Pod>();
  pod.initMetadata().setUid("u2");
  auto vols = pod.initSpec().initVolumes(1);
  vols[0].setName("h");
  vols[0].initHostPath().setPath((t.path / "missing").string());
  vols[0].getHostPath().setType("Directory");
  Objects objs;
  auto r = vm.setup(pod, objs, {});
  EXPECT_NE(r.error.find("hostPath type check failed"), std::string::npos);
  capnp::MallocMessageBuilder m2;
  auto pod2 = m2.initRoot<core::Pod>();
  pod2.initMetadata().setUid("u3");
  auto v2 = pod2.initSpec().initVolumes(1);
  v2[0].setName("data");
  v2[0].initPersistentVolumeClaim().setClaimName("claim");
  r = vm.setup(pod2, objs, {});
  EXPECT_TRUE(r.unsupported);
  EXPECT_NE(r.error.find("persistentVolumeClaim"), std::string::npos);
}

// Records the driver calls; a real driver is exercised by plugins/storage-csi's tests.
class FakeCsi : public CsiNode {
 public:
  std::vector<std::string> calls;
  std::string fail_stage;
  std::string stage(const CsiMount& m) override {
    calls.push_back("stage " + m.volume_handle + " " + m.staging_path);
    return fail_stage;
  }
  std::string publish(const CsiMount& m) override {
    calls.push_back("publish " + m.volume_handle + " " + m.target_path + (m.readonly ? " ro" : ""));
    return "";
  }
  std::string unpublish(const CsiMount& m) override {
    calls.push_back("unpublish " + m.volume_handle + " " + m.target_path);
    return "";
  }
  std::string unstage(const CsiMount& m) override {
    calls.push_back("unstage " + m.volume_handle + " " + m.staging_path);
    return "";
  }
  std::string fail_expand;
  std::string expand(const CsiMount& m, int64_t bytes) override {
    calls.push_back("expand " + m.volume_handle + " " + m.target_path + " " + std::to_string(bytes));
    return fail_expand;
  }
};

TEST(Volumes, PersistentVolumeClaimThroughCsi) {
  TempDir t;
  VolumeManager vm((t.path / "pods").string(), false);
  FakeCsi csi;
  vm.set_csi(&csi);
  Objects objs;
  objs.knows_claims = true;
  auto make_pod = [](capnp::MallocMessageBuilder& m, const char* uid, const char* claim) {
    auto pod = m.initRoot<core::Pod>();
    pod.initMetadata().setUid(uid);
    pod.getMetadata().setNamespace("ns");
    auto v = pod.initSpec().initVolumes(1);
    v[0].setName("data");
    v[0].initPersistentVolumeClaim().setClaimName(claim);
    return pod;
  };
  capnp::MallocMessageBuilder m1, m2;
  auto pod1 = make_pod(m1, "p1", "claim");
  auto pod2 = make_pod(m2, "p2", "claim");

  // Unknown, then pending: the pod waits with the reason.
  auto r = vm.setup(pod1, objs, {});
  EXPECT_NE(r.error.find("not found"), std::string::npos);
  objs.claims["ns/claim"] = ClaimVolume{"PVC ns/claim is not bound", true};
  r = vm.setup(pod1, objs, {});
  EXPECT_TRUE(r.pending);
  EXPECT_FALSE(r.unsupported);
  EXPECT_TRUE(csi.calls.empty());

  // Bound: staged at kubelet's global path, published into the pod's tree.
  ClaimVolume cv;
  cv.pv_name = "pvc-1";
  cv.driver = "hostpath.csi.capstan.io";
  cv.volume_handle = "pvc-1";
  objs.claims["ns/claim"] = cv;
  const std::string staging = vm.staging_path(cv.driver, cv.volume_handle);
  EXPECT_EQ(staging.rfind((t.path / "plugins/kubernetes.io/csi/hostpath.csi.capstan.io/").string(), 0), 0u) << staging;
  EXPECT_EQ(staging.substr(staging.size() - 12), "/globalmount");
  r = vm.setup(pod1, objs, {});
  ASSERT_EQ(r.error, "");
  const std::string target1 = (t.path / "pods/p1/volumes/kubernetes.io~csi/pvc-1/mount").string();
  EXPECT_EQ(r.paths["data"], target1);
  ASSERT_EQ(csi.calls.size(), 2u);
  EXPECT_EQ(csi.calls[0], "stage pvc-1 " + staging);
  EXPECT_EQ(csi.calls[1], "publish pvc-1 " + target1);
  EXPECT_TRUE(fs::exists(t.path / "pods/p1/volumes/kubernetes.io~csi/pvc-1/vol_data.json"));
  ASSERT_EQ(vm.setup(pod2, objs, {}).error, "");

  EXPECT_TRUE(r.expansions.empty());

  // The controller grew the volume: the next setup grows the mounted file system and reports it;
  // a failure is reported too and the volume stays usable.
  objs.claims["ns/claim"].node_expand = true;
  objs.claims["ns/claim"].pv_capacity_bytes = 64 << 20;
  objs.claims["ns/claim"].pv_capacity = "64Mi";
  csi.calls.clear();
  r = vm.setup(pod1, objs, {});
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.expansions.size(), 1u);
  EXPECT_EQ(r.expansions[0].claim, "claim");
  EXPECT_EQ(r.expansions[0].pv_name, "pvc-1");
  EXPECT_EQ(r.expansions[0].capacity, "64Mi");
  EXPECT_EQ(r.expansions[0].error, "");
  ASSERT_EQ(csi.calls.size(), 3u);
  EXPECT_EQ(csi.calls[2], "expand pvc-1 " + target1 + " " + std::to_string(64 << 20));
  csi.fail_expand = "rpc error: code = Internal desc = no";
  r = vm.setup(pod1, objs, {});
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.expansions.size(), 1u);
  EXPECT_EQ(r.expansions[0].error, "rpc error: code = Internal desc = no");
  csi.fail_expand.clear();
  objs.claims["ns/claim"].node_expand = false;

  // The first pod goes: unpublished, but still staged for the second; the last one unstages.
  csi.calls.clear();
  vm.teardown("p1");
  ASSERT_EQ(csi.calls.size(), 1u);
  EXPECT_EQ(csi.calls[0], "unpublish pvc-1 " + target1);
  vm.teardown("p2");
  ASSERT_EQ(csi.calls.size(), 3u);
  EXPECT_EQ(csi.calls[2], "unstage pvc-1 " + staging);
  EXPECT_FALSE(fs::exists(fs::path(staging).parent_path()));

  // A driver failure is the pod's FailedMount message, in kubelet's words.
  csi.fail_stage = "rpc error: code = Internal desc = boom";
  r = vm.setup(pod1, objs, {});
  EXPECT_EQ(r.error, "MountVolume.MountDevice failed for volume \"pvc-1\" : rpc error: code = Internal desc = boom");
  vm.teardown("p1");
}

TEST(Probes, Thresholds) {
  ProbeTracker ready(ProbeKind::kReadiness, {0, 1, 1, 2, 3});
  EXPECT_EQ(ready.result(), ProbeTracker::Result::kFailure);
  EXPECT_FALSE(ready.record(true));
  EXPECT_TRUE(ready.record(true));  // successThreshold 2
  EXPECT_EQ(ready.result(), ProbeTracker::Result::kSuccess);
  EXPECT_FALSE(ready.record(false));
  EXPECT_FALSE(ready.record(false));
  EXPECT_TRUE(ready.record(false));  // failureThreshold 3
  ProbeTracker live(ProbeKind::kLiveness, {});
  EXPECT_EQ(live.result(), ProbeTracker::Result::kSuccess);
  ProbeTracker startup(ProbeKind::kStartup, {0, 1, 1, 1, 1});
  EXPECT_EQ(startup.result(), ProbeTracker::Result::kUnknown);
  EXPECT_TRUE(startup.record(true));
}

TEST(Probes, StatusLine) {
  EXPECT_EQ(parse_status_line("HTTP/1.1 200 OK"), 200);
  EXPECT_EQ(parse_status_line("HTTP/1.0 503"), 503);
  EXPECT_EQ(parse_status_line("HTTX/1.1 200 OK"), -1);
  EXPECT_EQ(parse_status_line("HTTP/1.1 2x0 OK"), -1);
}

TEST(Probes, HttpAndTcpOnLoopback) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  const int port = ntohs(sa.sin_port);
  ::listen(fd, 8);
  std::string seen;
  std::thread server([&] {
    for (int i = 0; i < 3; ++i) {
      int c = ::accept(fd, nullptr, nullptr);
      if (c < 0) return;
      char buf[2048];
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      std::string req(buf, n > 0 ? static_cast<size_t>(n) : 0);
      if (i == 0) seen = req;
      const char* resp = req.find("/bad") != std::string::npos ? "HTTP/1.1 500 Internal\r\n\r\n" : "HTTP/1.1 200 OK\r\n\r\n";
      if (n > 0) ::send(c, resp, std::strlen(resp), MSG_NOSIGNAL);
      ::close(c);
    }
  });
  auto ok = http_probe("127.0.0.1", port, "/healthz", {{"X-Custom", "yes"}}, 2);
  EXPECT_TRUE(ok.success) << ok.message;
  EXPECT_NE(seen.find("GET /healthz HTTP/1.1"), std::string::npos);
  EXPECT_NE(seen.find("X-Custom: yes"), std::string::npos);
  EXPECT_NE(seen.find("User-Agent: kube-probe/"), std::string::npos);
  auto bad = http_probe("127.0.0.1", port, "/bad", {}, 2);
  EXPECT_FALSE(bad.success);
  EXPECT_EQ(bad.message, "HTTP probe failed with statuscode: 500");
  EXPECT_TRUE(tcp_probe("127.0.0.1", port, 1).success);
  server.join();
  ::close(fd);
  auto refused = tcp_probe("127.0.0.1", port, 1);
  EXPECT_FALSE(refused.success);
  EXPECT_NE(refused.message.find("connection refused"), std::string::npos);
}

TEST(Probes, NeverDialsThroughTheDefaultRoute) {
  EXPECT_TRUE(destination_is_local("127.0.0.1"));
  EXPECT_FALSE(destination_is_local("not-an-ip"));
  // A documentation address (TEST-NET-3) is only reachable through the default route here.
  auto r = tcp_probe("203.0.113.9", 80, 1);
  EXPECT_FALSE(r.success);
  if (!destination_is_local("203.0.113.9")) EXPECT_NE(r.message.find("not on a local network"), std::string::npos);
}

TEST(CriLog, ParseFormatRender) {
  const int64_t t0 = 1'700'000'000'000'000'001;
  const std::string l0 = format_cri_log_line(t0, "stdout", "hello");
  EXPECT_EQ(l0, "2023-11-14T22:13:20.000000001Z stdout F hello\n");
  auto p = parse_cri_log_line(l0);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->time_ns, t0);
  EXPECT_EQ(p->text, "hello");
  EXPECT_FALSE(parse_cri_log_line("garbage"));
  EXPECT_FALSE(parse_cri_log_line("2023-11-14T22:13:20Z stdin F x"));
  std::vector<std::string> lines = {
      format_cri_log_line(t0, "stdout", "one"),
      "2023-11-14T22:13:21.000000000Z stdout P par",
      "2023-11-14T22:13:21.500000000Z stdout F tial",
      format_cri_log_line(t0 + 3'000'000'000LL, "stderr", "three"),
  };
  LogOptions o;
  EXPECT_EQ(render_log_lines(lines, o), "one\npartial\nthree\n");
  o.tail_lines = 2;
  EXPECT_EQ(render_log_lines(lines, o), "partial\nthree\n");
  o.tail_lines = 0;
  EXPECT_EQ(render_log_lines(lines, o), "");
  o.tail_lines = -1;
  o.since_ns = t0 + 2'000'000'000LL;
  EXPECT_EQ(render_log_lines(lines, o), "three\n");
  o.timestamps = true;
  EXPECT_EQ(render_log_lines(lines, o), "2023-11-14T22:13:23.000000001Z three\n");
}

TEST(CriLog, Options) {
  auto o = parse_log_options("follow=true&tailLines=5&timestamps=1&limitBytes=100&previous=false", 0);
  EXPECT_EQ(o.error, "");
  EXPECT_TRUE(o.follow);
  EXPECT_TRUE(o.timestamps);
  EXPECT_FALSE(o.previous);
  EXPECT_EQ(o.tail_lines, 5);
  EXPECT_EQ(o.limit_bytes, 100);
  o = parse_log_options("sinceSeconds=10", 100'000'000'000LL);
  EXPECT_EQ(o.since_ns, 90'000'000'000LL);
  o = parse_log_options("sinceTime=2023-11-14T22%3A13%3A20Z", 0);
  EXPECT_EQ(o.since_ns, 1'700'000'000'000'000'000LL);
  EXPECT_NE(parse_log_options("tailLines=x", 0).error, "");
  EXPECT_EQ(query_values("command=sh&command=-c&command=echo%20hi", "command"),
            (std::vector<std::string>{"sh", "-c", "echo hi"}));
}

TEST(ExecStatus, AsTheStreamingServerWritesIt) {
  EXPECT_EQ(exec_status_json(0, {"true"}), R"({"metadata":{},"status":"Success"})");
  EXPECT_EQ(exec_status_json(3, {"sh", "-c", "exit 3"}),
            R"({"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error )"
            R"(executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":)"
            R"([{"reason":"ExitCode","message":"3"}]}})");
}
