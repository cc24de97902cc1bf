// The simulated shell, exec/attach URLs, images and CRI log files of the simulated runtime.
#include <gtest/gtest.h>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "capstan/runtime.capnp.h"
#include "sim_runtime.hpp"
#include "sim_shell.hpp"

namespace rt = capstan::runtime::v1;
using namespace capstan::runtime_sim;

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

}  // namespace

TEST(SimShell, Commands) {
  EXPECT_EQ(run_shell({"echo", "hi", "there"}, {}, "h").out, "hi there\n");
  auto r = run_shell({"sh", "-c", "echo one; exit 3; echo never"}, {}, "h");
  EXPECT_EQ(r.out, "one\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(run_shell({"sh", "-c", "false && echo no || echo yes"}, {}, "h").out, "yes\n");
  EXPECT_EQ(run_shell({"printenv", "A"}, {{"A", "1"}}, "h").out, "1\n");
  EXPECT_EQ(run_shell({"sh", "-c", "echo 'a;b'"}, {}, "h").out, "a;b\n");
  EXPECT_EQ(run_shell({"hostname"}, {}, "pod-1").out, "pod-1\n");
  auto cat = run_shell({"cat", "/tmp/missing"}, {}, "h");
  EXPECT_EQ(cat.exit_code, 1);
  EXPECT_NE(cat.err.find("No such file"), std::string::npos);
  EXPECT_EQ(run_shell({"cat", "/tmp/healthy"}, {}, "h").exit_code, 0);
  EXPECT_EQ(startup_output({"sh", "-c", "echo start; sleep 3600; echo never"}, {}, "h"),
            std::vector<std::string>{"start"});
}

TEST(SimRuntimeExtras, ExecUrlImagesLogsAndFiniteScripts) {
  int64_t now = 1'000'000'000'000;
  SimRuntime sim([&] { return now; });
  char tmpl[] = "/tmp/capstan-sim-test-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  std::string sandbox;
  {
    capnp::MallocMessageBuilder m;
    auto cfg = m.initRoot<rt::RuntimeRequest>().initRunPodSandbox().initConfig();
    cfg.initMetadata().setName("p");
    cfg.getMetadata().setUid("u");
    cfg.setLogDirectory(dir);
    sandbox = call(sim, m).get().getResult().getPodSandboxId();
  }
  auto create = [&](std::vector<std::string> cmd) {
    capnp::MallocMessageBuilder m;
    auto cc = m.initRoot<rt::RuntimeRequest>().initCreateContainer();
    cc.setPodSandboxId(sandbox);
    auto cfg = cc.initConfig();
    cfg.initMetadata().setName("c");
    cfg.initImage().setImage("busybox");
    cfg.setLogPath("c.log");
    auto l = cfg.initCommand(static_cast<unsigned>(cmd.size()));
    for (size_t i = 0; i < cmd.size(); ++i) l.set(static_cast<unsigned>(i), cmd[i]);
    std::string id = call(sim, m).get().getResult().getContainerId();
    capnp::MallocMessageBuilder s;
    s.initRoot<rt::RuntimeRequest>().initStartContainer().setContainerId(id);
    call(sim, s);
    return id;
  };
  const std::string id = create({"sh", "-c", "echo hello; sleep 3600"});
  std::ifstream in(dir + "/c.log");
  std::string line;
  std::getline(in, line);
  EXPECT_NE(line.find(" stdout F hello"), std::string::npos) << line;

  capnp::MallocMessageBuilder e;
  auto ex = e.initRoot<rt::RuntimeRequest>().initExec();
  ex.setContainerId(id);
  EXPECT_EQ(std::string(call(sim, e).get().getResult().getUrl().cStr()), "sim://exec/" + id);

  capnp::MallocMessageBuilder xs;
  auto x = xs.initRoot<rt::RuntimeRequest>().initExecSync();
  x.setContainerId(id);
  auto cmd = x.initCmd(3);
  cmd.set(0, "sh");
  cmd.set(1, "-c");
  cmd.set(2, "exit 7");
  EXPECT_EQ(call(sim, xs).get().getResult().getExecSync().getExitCode(), 7);

  // A script that never blocks exits with its status.
  const std::string quick = create({"sh", "-c", "exit 3"});
  now += 200'000'000;
  capnp::MallocMessageBuilder st;
  st.initRoot<rt::RuntimeRequest>().initContainerStatus().setContainerId(quick);
  auto s = call(sim, st);
  EXPECT_EQ(s.get().getResult().getContainerStatus().getState(), rt::ContainerState::CONTAINER_EXITED);
  EXPECT_EQ(s.get().getResult().getContainerStatus().getExitCode(), 3);

  // Images.
  capnp::MallocMessageBuilder is;
  is.initRoot<rt::RuntimeRequest>().initImageStatus().initImage().setImage("docker.io/library/missing:1");
  EXPECT_TRUE(call(sim, is).get().getNotFound());
  capnp::MallocMessageBuilder pull;
  pull.initRoot<rt::RuntimeRequest>().initPullImage().initImage().setImage("docker.io/library/nonexistent:1");
  EXPECT_NE(std::string(call(sim, pull).get().getError().cStr()).find("not found"), std::string::npos);
  capnp::MallocMessageBuilder ok;
  ok.initRoot<rt::RuntimeRequest>().initPullImage().initImage().setImage("docker.io/library/nginx:1");
  EXPECT_EQ(call(sim, ok).get().getError(), "");
  std::filesystem::remove_all(dir);
}
