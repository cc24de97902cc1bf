// ABI 1.1 extension points: capstan.runtime.v1/sim (plugins/runtime-sim) loaded by the real plugin
// host and called through its invoke routing — the path Host::invoke takes from the node agent.
#include <gtest/gtest.h>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>

#include "api/object_service.hpp"
#include "capstan/abi.h"
#include "capstan/runtime.capnp.h"
#include "host/local_host.hpp"
#include "host/plugin_registry.hpp"
#include "schema/kind_registry.hpp"
#include "store/event_bus.hpp"
#include "store/store.hpp"

namespace capstan::host {
namespace {

namespace rt = capstan::runtime::v1;

struct Kernel {
  store::EventBus bus;
  store::Store store{"", bus};
  schema::KindRegistry kinds;
  api::ObjectService objects{kinds, store, nullptr};
  host::LocalHost host{objects};
};

std::string bytes(capnp::MallocMessageBuilder& m) {
  auto w = capnp::messageToFlatArray(m);
  return std::string(reinterpret_cast<const char*>(w.asBytes().begin()), w.asBytes().size());
}

struct Reply {
  kj::Array<capnp::word> words;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader;
  explicit Reply(const std::string& out) : words(kj::heapArray<capnp::word>(out.size() / sizeof(capnp::word))) {
    std::memcpy(words.begin(), out.data(), out.size());
    reader = std::make_unique<capnp::FlatArrayMessageReader>(words);
  }
  rt::RuntimeResponse::Reader get() { return reader->getRoot<rt::RuntimeResponse>(); }
};

TEST(RuntimeExtensionPoint, InvokeReachesTheSimRuntimeThroughTheHost) {
  Kernel k;
  PluginRegistry registry;
  registry.discover(CAPSTAN_RUNTIME_PLUGIN_DIR);
  registry.resolve(CAPSTAN_ROLE_AGENT);
  std::string error;
  ASSERT_TRUE(registry.initialise(k.kinds, k.host, {"capstan.runtime.v1.sim"}, error)) << error;
  registry.start();

  capnp::MallocMessageBuilder version;
  version.initRoot<rt::RuntimeRequest>().setVersion();
  std::string response;
  ASSERT_EQ(registry.invoke("capstan.runtime.v1", bytes(version), response), CAPSTAN_OK) << response;
  {
    Reply r(response);
    EXPECT_EQ(r.get().getError(), "");
    ASSERT_TRUE(r.get().getResult().isVersion());
    EXPECT_EQ(r.get().getResult().getVersion().getRuntimeName(), "capstan-sim");
  }

  // By type.id too, and a sandbox round trip keeps state inside the plugin between calls.
  capnp::MallocMessageBuilder run;
  auto md = run.initRoot<rt::RuntimeRequest>().initRunPodSandbox().initConfig().initMetadata();
  md.setName("p");
  md.setUid("uid-1");
  md.setNamespace("default");
  ASSERT_EQ(registry.invoke("capstan.runtime.v1.sim", bytes(run), response), CAPSTAN_OK) << response;
  std::string sandbox;
  {
    Reply r(response);
    sandbox = r.get().getResult().getPodSandboxId();
    EXPECT_FALSE(sandbox.empty());
  }
  capnp::MallocMessageBuilder status;
  status.initRoot<rt::RuntimeRequest>().initPodSandboxStatus().setPodSandboxId(sandbox);
  ASSERT_EQ(registry.invoke("capstan.runtime.v1", bytes(status), response), CAPSTAN_OK) << response;
  {
    Reply r(response);
    EXPECT_EQ(std::string(r.get().getResult().getPodSandboxStatus().getNetwork().getIp()).rfind("10.244.", 0), 0u);
  }

  // Nobody serves another extension point.
  EXPECT_EQ(registry.invoke("capstan.storage.v1", bytes(version), response), CAPSTAN_NOT_FOUND);
  registry.stop();
}

TEST(RuntimeExtensionPoint, RuntimeIsAnAgentPlugin) {
  PluginRegistry registry;
  registry.discover(CAPSTAN_RUNTIME_PLUGIN_DIR);
  registry.resolve(CAPSTAN_ROLE_SERVER);
  ASSERT_EQ(registry.records().size(), 1u);
  EXPECT_EQ(registry.records()[0].state, PluginState::kSkipped);
}

}  // namespace
}  // namespace capstan::host
