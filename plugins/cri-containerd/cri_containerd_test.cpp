// Unit tests of the containerd runtime plugin's pure parts: image names, archives, containerd's
// config, ctr's output, CRI translation, error answers when containerd is not there, and the
// pause program.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "capstan/machinery/process.hpp"
#include "containerd_config.hpp"
#include "cri_runtime.hpp"
#include "cri_translate.hpp"
#include "ctr_import.hpp"
#include "image_ref.hpp"
#include "oci_archive.hpp"
#include "pause_image.hpp"

namespace cri = capstan::cri;
namespace fs = std::filesystem;
namespace rt = capstan::runtime::v1;

TEST(ImageRef, ResolvesShortNamesLikeDocker) {
  EXPECT_EQ(cri::normalize_image_ref("nginx"), "docker.io/library/nginx:latest");
  EXPECT_EQ(cri::normalize_image_ref("nginx:1.22"), "docker.io/library/nginx:1.22");
  EXPECT_EQ(cri::normalize_image_ref("user/app:1"), "docker.io/user/app:1");
  EXPECT_EQ(cri::normalize_image_ref("docker.io/nginx"), "docker.io/library/nginx:latest");
  EXPECT_EQ(cri::normalize_image_ref("index.docker.io/library/nginx"), "docker.io/library/nginx:latest");
  EXPECT_EQ(cri::normalize_image_ref("localhost/walkthrough/web:v1"), "localhost/walkthrough/web:v1");
  EXPECT_EQ(cri::normalize_image_ref("localhost:5000/app"), "localhost:5000/app:latest");
  EXPECT_EQ(cri::normalize_image_ref("registry.k8s.io/pause:3.9"), "registry.k8s.io/pause:3.9");
  EXPECT_EQ(cri::normalize_image_ref("capstan.local/pause:1"), "capstan.local/pause:1");
  EXPECT_EQ(cri::normalize_image_ref("quay.io/a/b/c"), "quay.io/a/b/c:latest");
  const std::string digest = "sha256:" + std::string(64, 'a');
  EXPECT_EQ(cri::normalize_image_ref("busybox@" + digest), "docker.io/library/busybox@" + digest);
  EXPECT_EQ(cri::normalize_image_ref(digest), digest);
  EXPECT_EQ(cri::normalize_image_ref(std::string(64, 'b')), std::string(64, 'b'));
  EXPECT_EQ(cri::normalize_image_ref(""), "");
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cri-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
};

using Archive = TempDir;

TEST(Sha256, KnownVector) {
  EXPECT_EQ(cri::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(Archive, TarReadsBackWithLongNamesAndLinks) {
  const std::string long_name = "d/" + std::string(150, 'x');
  std::vector<cri::TarEntry> entries = {
      {"d", cri::TarEntry::Type::kDirectory, 0755, "", ""},
      {"d/hello", cri::TarEntry::Type::kFile, 0640, "hi\n", ""},
      {long_name, cri::TarEntry::Type::kFile, 0644, std::string(1000, 'z'), ""},
      {"d/link", cri::TarEntry::Type::kSymlink, 0777, "", "hello"},
  };
  const std::string tar = cri::write_tar(entries);
  EXPECT_EQ(tar.size() % 512, 0u);
  EXPECT_EQ(tar, cri::write_tar(entries)) << "the same entries must give the same bytes";
  std::ofstream(dir_ / "t.tar", std::ios::binary) << tar;
  fs::create_directories(dir_ / "x");
  auto r = capstan::machinery::run({"tar", "-xf", (dir_ / "t.tar").string(), "-C", (dir_ / "x").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output();
  EXPECT_EQ(read(dir_ / "x/d/hello"), "hi\n");
  EXPECT_EQ(read(dir_ / "x" / long_name), std::string(1000, 'z'));
  EXPECT_EQ(fs::read_symlink(dir_ / "x/d/link"), "hello");
  EXPECT_EQ(fs::status(dir_ / "x/d/hello").permissions() & fs::perms::mask, fs::perms(0640));
}

TEST_F(Archive, DirectoryEntriesRoundTrip) {
  fs::create_directories(dir_ / "root/bin");
  std::ofstream(dir_ / "root/bin/tool") << "#!/bin/sh\n";
  fs::permissions(dir_ / "root/bin/tool", fs::perms(0755));
  fs::create_symlink("tool", dir_ / "root/bin/alias");
  auto entries = cri::entries_from_directory(dir_ / "root");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].path, "bin");
  EXPECT_EQ(entries[1].path, "bin/alias");
  EXPECT_EQ(entries[1].type, cri::TarEntry::Type::kSymlink);
  EXPECT_EQ(entries[2].path, "bin/tool");
  EXPECT_EQ(entries[2].mode, 0755u);
}

TEST_F(Archive, OciLayoutDigestsAreConsistent) {
  const std::string archive = cri::pause_image_archive(cri::kPauseImage, "binary");
  std::ofstream(dir_ / "img.tar", std::ios::binary) << archive;
  fs::create_directories(dir_ / "x");
  auto r = capstan::machinery::run({"tar", "-xf", (dir_ / "img.tar").string(), "-C", (dir_ / "x").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output();
  auto blob = [&](const std::string& digest) {
    EXPECT_EQ(digest.rfind("sha256:", 0), 0u);
    std::string data = read(dir_ / "x/blobs/sha256" / digest.substr(7));
    EXPECT_EQ("sha256:" + cri::sha256_hex(data), digest);
    return data;
  };
  EXPECT_EQ(nlohmann::json::parse(read(dir_ / "x/oci-layout"))["imageLayoutVersion"], "1.0.0");
  auto index = nlohmann::json::parse(read(dir_ / "x/index.json"));
  ASSERT_EQ(index["manifests"].size(), 1u);
  EXPECT_EQ(index["manifests"][0]["annotations"]["io.containerd.image.name"], "capstan.local/pause:1");
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "1");
  auto manifest = nlohmann::json::parse(blob(index["manifests"][0]["digest"]));
  auto config = nlohmann::json::parse(blob(manifest["config"]["digest"]));
  EXPECT_EQ(config["config"]["Entrypoint"], nlohmann::json::array({"/pause"}));
  const std::string layer_digest = manifest["layers"][0]["digest"];
  EXPECT_EQ(config["rootfs"]["diff_ids"][0], layer_digest);
  std::ofstream(dir_ / "layer.tar", std::ios::binary) << blob(layer_digest);
  r = capstan::machinery::run({"tar", "-tvf", (dir_ / "layer.tar").string()});
  EXPECT_NE(r.out.find("rwxr-xr-x"), std::string::npos) << r.output();
  EXPECT_NE(r.out.find("pause"), std::string::npos) << r.output();
}

TEST(ContainerdConfig, CarriesTheSettingsThisMachineNeeds) {
  auto s = cri::default_settings("/var/lib/x");
  s.snapshotter = "native";
  auto toml = cri::containerd_config_toml(s);
  EXPECT_NE(toml.find("version = 2"), std::string::npos);
  EXPECT_NE(toml.find("root = \"/var/lib/x/containerd/root\""), std::string::npos);
  EXPECT_NE(toml.find("state = \"/var/lib/x/containerd/state\""), std::string::npos);
  EXPECT_NE(toml.find("address = \"/var/lib/x/containerd/containerd.sock\""), std::string::npos);
  EXPECT_NE(toml.find("restrict_oom_score_adj = true"), std::string::npos);
  EXPECT_NE(toml.find("SystemdCgroup = false"), std::string::npos);
  EXPECT_NE(toml.find("sandbox_image = \"capstan.local/pause:1\""), std::string::npos);
  EXPECT_NE(toml.find("snapshotter = \"native\""), std::string::npos);
  EXPECT_NE(toml.find("conf_dir = \"/var/lib/x/cni/net.d\""), std::string::npos);
  EXPECT_NE(toml.find("bin_dir = \"/usr/lib/cni\""), std::string::npos);
  EXPECT_NE(toml.find("stream_server_address = \"127.0.0.1\""), std::string::npos);
  EXPECT_NE(toml.find("netns_mounts_under_state_dir = true"), std::string::npos);
}

TEST(ContainerdEnvironment, RegistryTrafficGoesToTheProxyByDefault) {
  auto s = cri::default_settings("/var/lib/x");
  EXPECT_EQ(s.registry_proxy, "http://127.0.0.1:1");  // closed: pulls fail at once, nothing leaves
  const std::vector<std::string> base = {"PATH=/usr/bin", "HTTPS_PROXY=http://outside:3128", "no_proxy=*",
                                         "REQUEST_METHOD=GET", "HOME=/root"};
  auto env = cri::containerd_environment(s, base);
  auto count = [&](const std::string& e) { return std::count(env.begin(), env.end(), e); };
  for (const char* v : {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"})
    EXPECT_EQ(count(std::string(v) + "=http://127.0.0.1:1"), 1) << v;
  for (const char* v : {"NO_PROXY", "no_proxy"}) EXPECT_EQ(count(std::string(v) + "=localhost,127.0.0.0/8,::1"), 1) << v;
  // What Capstan inherited must not widen it: "no_proxy=*" would make every pull direct.
  EXPECT_EQ(count("no_proxy=*"), 0);
  EXPECT_EQ(count("HTTPS_PROXY=http://outside:3128"), 0);
  EXPECT_EQ(count("REQUEST_METHOD=GET"), 0);
  EXPECT_EQ(count("PATH=/usr/bin"), 1);
  EXPECT_EQ(count("HOME=/root"), 1);
  EXPECT_EQ(env.size(), 8u);  // PATH, HOME and the six set here
  s.registry_proxy = "";  // containerd's own behaviour: the environment as it is
  EXPECT_EQ(cri::containerd_environment(s, base), base);
}

TEST(ContainerdEnvironment, ChecksAndRedactsTheProxy) {
  for (const char* good : {"", "http://127.0.0.1:1", "http://proxy.example:3128", "https://u:p@proxy:443/",
                           "socks5://127.0.0.1:1080", "proxy.example:3128"})
    EXPECT_EQ(cri::check_registry_proxy(good), "") << good;
  for (const char* bad : {"ftp://proxy:21", "http://", "http://:3128", "http://a b:1", "http://x:1\n"})
    EXPECT_NE(cri::check_registry_proxy(bad), "") << bad;
  EXPECT_EQ(cri::redact_url("http://user:secret@proxy:3128"), "http://***@proxy:3128");
  EXPECT_EQ(cri::redact_url("http://proxy:3128/a@b"), "http://proxy:3128/a@b");
  EXPECT_EQ(cri::redact_url("http://127.0.0.1:1"), "http://127.0.0.1:1");
}

TEST(CtrImport, ParsesUnpackedNames) {
  const std::string out =
      "unpacking docker.io/library/busybox:latest (sha256:b98e)...done\n"
      "unpacking docker.io/library/busybox:1.35 (sha256:b98e)...done\n"
      "some other line\n"
      "unpacking  (sha256:x)...\n";
  EXPECT_EQ(cri::parse_ctr_import_output(out),
            (std::vector<std::string>{"docker.io/library/busybox:latest", "docker.io/library/busybox:1.35"}));
  EXPECT_TRUE(cri::parse_ctr_import_output("").empty());
}

TEST(Translate, SandboxConfig) {
  capnp::MallocMessageBuilder m;
  auto c = m.initRoot<rt::PodSandboxConfig>();
  auto md = c.initMetadata();
  md.setName("web");
  md.setUid("u1");
  md.setNamespace("default");
  md.setAttempt(2);
  c.setHostname("web");
  c.setLogDirectory("/var/log/pods/x");
  auto dns = c.initDnsConfig();
  dns.initServers(1).set(0, "10.96.0.10");
  dns.initSearches(2).set(0, "default.svc.cluster.local");
  auto pm = c.initPortMappings(2);
  pm[0].setProtocol("TCP");
  pm[0].setContainerPort(80);
  pm[0].setHostPort(8080);
  pm[1].setProtocol("UDP");
  pm[1].setContainerPort(53);
  auto labels = c.initLabels(1);
  labels[0].setKey("app");
  labels[0].setValue("web");
  c.setCgroupParent("/capstan/pod-u1");
  ::runtime::v1::PodSandboxConfig out;
  cri::to_cri(c.asReader(), &out);
  EXPECT_EQ(out.metadata().namespace_(), "default");
  EXPECT_EQ(out.metadata().attempt(), 2u);
  EXPECT_EQ(out.dns_config().servers(0), "10.96.0.10");
  ASSERT_EQ(out.port_mappings_size(), 2);
  EXPECT_EQ(out.port_mappings(0).host_port(), 8080);
  EXPECT_EQ(out.port_mappings(1).protocol(), ::runtime::v1::UDP);
  EXPECT_EQ(out.labels().at("app"), "web");
  EXPECT_EQ(out.linux().cgroup_parent(), "/capstan/pod-u1");
  EXPECT_EQ(out.linux().security_context().namespace_options().pid(), ::runtime::v1::CONTAINER);
}

TEST(Translate, ContainerConfigNormalizesTheImage) {
  capnp::MallocMessageBuilder m;
  auto c = m.initRoot<rt::ContainerConfig>();
  c.initMetadata().setName("app");
  c.initImage().setImage("busybox");
  c.initCommand(1).set(0, "sh");
  c.initArgs(2).set(0, "-c");
  auto envs = c.initEnvs(1);
  envs[0].setKey("A");
  envs[0].setValue("1");
  auto mounts = c.initMounts(1);
  mounts[0].setContainerPath("/data");
  mounts[0].setHostPath("/tmp/data");
  mounts[0].setReadonly(true);
  c.initLinux().initResources().setMemoryLimitInBytes(64 << 20);
  c.setTty(true);
  ::runtime::v1::ContainerConfig out;
  cri::to_cri(c.asReader(), &out);
  EXPECT_EQ(out.image().image(), "docker.io/library/busybox:latest");
  EXPECT_EQ(out.command(0), "sh");
  EXPECT_EQ(out.args_size(), 2);
  EXPECT_EQ(out.envs(0).key(), "A");
  EXPECT_TRUE(out.mounts(0).readonly());
  EXPECT_EQ(out.linux().resources().memory_limit_in_bytes(), 64 << 20);
  EXPECT_TRUE(out.tty());
}

TEST(Translate, StatusBack) {
  ::runtime::v1::ContainerStatus s;
  s.set_id("c1");
  s.mutable_metadata()->set_name("app");
  s.set_state(::runtime::v1::CONTAINER_EXITED);
  s.set_exit_code(137);
  s.set_reason("OOMKilled");
  s.set_finished_at(5);
  (*s.mutable_labels())["b"] = "2";
  (*s.mutable_labels())["a"] = "1";
  capnp::MallocMessageBuilder m;
  auto out = m.initRoot<rt::ContainerStatus>();
  cri::from_cri(s, out);
  EXPECT_EQ(out.getState(), rt::ContainerState::CONTAINER_EXITED);
  EXPECT_EQ(out.getExitCode(), 137);
  EXPECT_EQ(std::string(out.getReason().cStr()), "OOMKilled");
  ASSERT_EQ(out.getLabels().size(), 2u);
  EXPECT_EQ(std::string(out.getLabels()[0].getKey().cStr()), "a");
}

TEST_F(TempDir, RuntimeWithoutContainerdAnswersAnError) {
  cri::CriRuntime runtime((dir_ / "missing.sock").string(), nullptr);
  capnp::MallocMessageBuilder m;
  m.initRoot<rt::RuntimeRequest>().setVersion();
  auto words = capnp::messageToFlatArray(m);
  std::string req(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
  std::string resp = runtime.handle(req);
  kj::Array<capnp::word> aligned = kj::heapArray<capnp::word>((resp.size() + 7) / 8);
  std::memcpy(aligned.begin(), resp.data(), resp.size());
  capnp::FlatArrayMessageReader reader(aligned);
  auto r = reader.getRoot<rt::RuntimeResponse>();
  EXPECT_NE(std::string(r.getError().cStr()).find("unavailable"), std::string::npos) << r.getError().cStr();
  EXPECT_FALSE(r.getNotFound());

  // Garbage is an error answer too, never a crash.
  std::string junk = runtime.handle("not a capnp message");
  EXPECT_FALSE(junk.empty());
}

TEST(Pause, BlocksUntilSigtermThenExitsZero) {
  auto pause = capstan::machinery::ChildProcess::start({CAPSTAN_PAUSE_PATH});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(pause.is_running()) << "pause must keep running";
  pause.stop(std::chrono::seconds(2));
  EXPECT_EQ(pause.exit_status(), "exit code 0");
}
