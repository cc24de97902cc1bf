// The simulated runtime through its invoke entry: runtime.capnp messages in and out.
#include <gtest/gtest.h>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <set>

#include "capstan/runtime.capnp.h"
#include "sim_runtime.hpp"

namespace rt = capstan::runtime::v1;
using capstan::runtime_sim::SimRuntime;

namespace {

struct Reply {
  kj::Array<capnp::word> words;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader;
  rt::RuntimeResponse::Reader get() { return reader->getRoot<rt::RuntimeResponse>(); }
};

Reply call(SimRuntime& sim, capnp::MallocMessageBuilder& m) {
  auto w = capnp::messageToFlatArray(m);
  std::string req(reinterpret_cast<const char*>(w.asBytes().begin()), w.asBytes().size());
  std::string out = sim.handle(req);
  Reply r;
  r.words = kj::heapArray<capnp::word>(out.size() / sizeof(capnp::word));
  std::memcpy(r.words.begin(), out.data(), out.size());
  r.reader = std::make_unique<capnp::FlatArrayMessageReader>(r.words);
  return r;
}

struct Fixture : ::testing::Test {
  int64_t now = 1'000'000'000'000;
  SimRuntime sim{[this] { return now; }};

  std::string run_sandbox(const std::string& name, const std::string& uid) {
    capnp::MallocMessageBuilder m;
    auto md = m.initRoot<rt::RuntimeRequest>().initRunPodSandbox().initConfig().initMetadata();
    md.setName(name);
    md.setUid(uid);
    md.setNamespace("default");
    auto r = call(sim, m);
    EXPECT_EQ(r.get().getError(), "");
    return r.get().getResult().getPodSandboxId();
  }
  std::string create(const std::string& sandbox, const std::string& image, std::vector<std::string> command = {}) {
    capnp::MallocMessageBuilder m;
    auto cc = m.initRoot<rt::RuntimeRequest>().initCreateContainer();
    cc.setPodSandboxId(sandbox);
    auto cfg = cc.initConfig();
    cfg.initMetadata().setName("c");
    cfg.initImage().setImage(image);
    auto cmd = cfg.initCommand(command.size());
    for (size_t i = 0; i < command.size(); ++i) cmd.set(i, command[i]);
    auto r = call(sim, m);
    EXPECT_EQ(r.get().getError(), "");
    return r.get().getResult().getContainerId();
  }
  void start(const std::string& id) {
    capnp::MallocMessageBuilder m;
    m.initRoot<rt::RuntimeRequest>().initStartContainer().setContainerId(id);
    EXPECT_EQ(call(sim, m).get().getError(), "");
  }
  Reply status(const std::string& id) {
    capnp::MallocMessageBuilder m;
    m.initRoot<rt::RuntimeRequest>().initContainerStatus().setContainerId(id);
    return call(sim, m);
  }
};

TEST_F(Fixture, Version) {
  capnp::MallocMessageBuilder m;
  m.initRoot<rt::RuntimeRequest>().setVersion();
  auto r = call(sim, m);
  EXPECT_EQ(r.get().getError(), "");
  ASSERT_TRUE(r.get().getResult().isVersion());
  EXPECT_EQ(r.get().getResult().getVersion().getRuntimeName(), "capstan-sim");
  EXPECT_EQ(r.get().getResult().getVersion().getRuntimeApiVersion(), "v1");
}

TEST_F(Fixture, SandboxGetsAnIpAndIsIdempotentPerUid) {
  auto a = run_sandbox("a", "uid-a");
  auto b = run_sandbox("b", "uid-b");
  EXPECT_NE(a, b);
  EXPECT_EQ(run_sandbox("a", "uid-a"), a);
  capnp::MallocMessageBuilder m;
  m.initRoot<rt::RuntimeRequest>().initPodSandboxStatus().setPodSandboxId(a);
  auto r = call(sim, m);
  auto st = r.get().getResult().getPodSandboxStatus();
  EXPECT_EQ(st.getState(), rt::PodSandboxState::SANDBOX_READY);
  EXPECT_EQ(st.getMetadata().getName(), "a");
  std::string ip = st.getNetwork().getIp();
  EXPECT_EQ(ip.rfind("10.244.", 0), 0u) << ip;
}

TEST_F(Fixture, ContainerLifecycle) {
  auto sb = run_sandbox("p", "u");
  auto id = create(sb, "nginx");
  EXPECT_EQ(status(id).get().getResult().getContainerStatus().getState(), rt::ContainerState::CONTAINER_CREATED);
  start(id);
  now += 3600'000'000'000;
  {
    auto r = status(id);
    auto st = r.get().getResult().getContainerStatus();
    EXPECT_EQ(st.getState(), rt::ContainerState::CONTAINER_RUNNING);
    EXPECT_GT(st.getStartedAt(), 0);
    EXPECT_EQ(st.getImageRef(), "sim://nginx");
  }
  {
    capnp::MallocMessageBuilder m;
    auto s = m.initRoot<rt::RuntimeRequest>().initExecSync();
    s.setContainerId(id);
    auto cmd = s.initCmd(2);
    cmd.set(0, "echo");
    cmd.set(1, "hi");
    auto r = call(sim, m);
    auto ex = r.get().getResult().getExecSync();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(ex.getStdout().begin()), ex.getStdout().size()), "hi\n");
    EXPECT_EQ(ex.getExitCode(), 0);
  }
  {
    capnp::MallocMessageBuilder m;
    auto s = m.initRoot<rt::RuntimeRequest>().initStopContainer();
    s.setContainerId(id);
    s.setTimeout(30);
    EXPECT_EQ(call(sim, m).get().getError(), "");
  }
  EXPECT_EQ(status(id).get().getResult().getContainerStatus().getState(), rt::ContainerState::CONTAINER_EXITED);
  {
    capnp::MallocMessageBuilder m;
    m.initRoot<rt::RuntimeRequest>().initListContainers().initFilter().setPodSandboxId(sb);
    auto r = call(sim, m);
    ASSERT_EQ(r.get().getResult().getContainers().size(), 1u);
  }
  {
    capnp::MallocMessageBuilder m;
    m.initRoot<rt::RuntimeRequest>().initRemovePodSandbox().setPodSandboxId(sb);
    EXPECT_EQ(call(sim, m).get().getError(), "");
  }
  auto gone = status(id);
  EXPECT_TRUE(gone.get().getNotFound());
  EXPECT_NE(gone.get().getError(), "");
  EXPECT_EQ(sim.sandbox_count(), 0u);
  EXPECT_EQ(sim.container_count(), 0u);
}

TEST_F(Fixture, CrashImageExitsWithOneShortlyAfterStart) {
  auto sb = run_sandbox("p", "u");
  auto id = create(sb, "example/crashloop:1");
  start(id);
  EXPECT_EQ(status(id).get().getResult().getContainerStatus().getState(), rt::ContainerState::CONTAINER_RUNNING);
  now += SimRuntime::kCrashDelayNs;
  auto r = status(id);
  auto st = r.get().getResult().getContainerStatus();
  EXPECT_EQ(st.getState(), rt::ContainerState::CONTAINER_EXITED);
  EXPECT_EQ(st.getExitCode(), 1);
  EXPECT_EQ(st.getReason(), "Error");
  EXPECT_GT(st.getFinishedAt(), st.getStartedAt());
}

TEST_F(Fixture, SleepCommandCompletes) {
  auto sb = run_sandbox("p", "u");
  auto id = create(sb, "busybox", {"sleep", "5"});
  start(id);
  now += 4'000'000'000;
  EXPECT_EQ(status(id).get().getResult().getContainerStatus().getState(), rt::ContainerState::CONTAINER_RUNNING);
  now += 1'000'000'000;
  auto r = status(id);
  EXPECT_EQ(r.get().getResult().getContainerStatus().getState(), rt::ContainerState::CONTAINER_EXITED);
  EXPECT_EQ(r.get().getResult().getContainerStatus().getExitCode(), 0);
  EXPECT_EQ(r.get().getResult().getContainerStatus().getReason(), "Completed");
}

TEST_F(Fixture, UnknownIdsAndGarbage) {
  EXPECT_TRUE(status("nope").get().getNotFound());
  EXPECT_NE(SimRuntime().handle("xyz").size(), 0u);  // answers, does not throw
}

TEST_F(Fixture, ThousandsOfPodsHaveDistinctIps) {
  std::set<std::string> ips;
  for (int i = 0; i < 3000; ++i) {
    auto sb = run_sandbox("p" + std::to_string(i), "u" + std::to_string(i));
    start(create(sb, "nginx"));
    capnp::MallocMessageBuilder m;
    m.initRoot<rt::RuntimeRequest>().initPodSandboxStatus().setPodSandboxId(sb);
    ips.insert(call(sim, m).get().getResult().getPodSandboxStatus().getNetwork().getIp());
  }
  EXPECT_EQ(ips.size(), 3000u);
  EXPECT_EQ(sim.container_count(), 3000u);
}

}  // namespace
