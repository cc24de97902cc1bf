// The metrics publisher end to end against the SDK's fake host, with the simulated runtime (on a
// clock the test moves) behind Host::invoke: PodMetrics with the pod's labels and owner, no write
// when nothing changed, removal when the pod stops running, and a NodeMetrics for the node.
#include <gtest/gtest.h>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstdlib>
#include <cstring>

#include "capstan/machinery/resources.hpp"
#include "capstan/metrics_v1beta1.capnp.h"
#include "capstan/runtime.capnp.h"
#include "capstan/testing/fake_host.hpp"
#include "metrics_publisher.hpp"
#include "sim_runtime.hpp"

using namespace capstan;
using namespace capstan::agent::metrics;
using sdk::testing::FakeHost;
using sdk::testing::json;
namespace rt = capstan::runtime::v1;

namespace {

using machinery::kPods;
using machinery::kNodes;
using machinery::kPodMetrics;
using machinery::kNodeMetrics;

runtime_sim::SimRuntime* g_sim = nullptr;

capstan_status invoke_sim(void*, const char*, capstan_borrowed_bytes request, capstan_owned_bytes* response) {
  const std::string out = g_sim->handle(std::string(reinterpret_cast<const char*>(request.data), request.size));
  response->data = static_cast<uint8_t*>(std::malloc(out.size() ? out.size() : 1));
  std::memcpy(response->data, out.data(), out.size());
  response->size = out.size();
  response->release = [](uint8_t* d, size_t) { std::free(d); };
  return CAPSTAN_OK;
}

std::string sim_call(runtime_sim::SimRuntime& sim, capnp::MallocMessageBuilder& m, std::string* error = nullptr) {
  auto w = capnp::messageToFlatArray(m);
  std::string out = sim.handle(std::string(reinterpret_cast<const char*>(w.asBytes().begin()), w.asBytes().size()));
  auto words = kj::heapArray<capnp::word>(out.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), out.data(), out.size());
  capnp::FlatArrayMessageReader reader(words);
  auto r = reader.getRoot<rt::RuntimeResponse>();
  if (error) *error = r.getError();
  switch (r.getResult().which()) {
    case rt::RuntimeResponse::Result::POD_SANDBOX_ID: return r.getResult().getPodSandboxId();
    case rt::RuntimeResponse::Result::CONTAINER_ID: return r.getResult().getContainerId();
    default: return "";
  }
}

class MetricsPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    g_sim = &sim_;
    fake_.add_kind({kPodMetrics, "PodMetrics", true, capnp::Schema::from<metrics::v1beta1::PodMetrics>(), false, ""});
    fake_.add_kind({kNodeMetrics, "NodeMetrics", false, capnp::Schema::from<metrics::v1beta1::NodeMetrics>(), false, ""});
    api_ = *fake_.api();
    api_.invoke = &invoke_sim;
    host_ = std::make_unique<sdk::Host>(&api_);
    client_ = std::make_unique<sdk::Client>(*host_, "test");
    pods_ = std::make_unique<sdk::Informer>(*client_, kPods);
    fake_.put(kNodes, {{"metadata", {{"name", "node-a"}, {"labels", {{"kubernetes.io/hostname", "node-a"}}}}}});
  }
  void TearDown() override {
    pods_->stop();
    g_sim = nullptr;
  }

  // A pod object bound to node-a and its sandbox with `containers` running in the simulator.
  std::string run_pod(const std::string& name, const std::vector<std::string>& containers) {
    auto p = fake_.put(kPods, {{"apiVersion", "v1"},
                               {"kind", "Pod"},
                               {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", name}}}}},
                               {"spec",
                                {{"nodeName", "node-a"},
                                 {"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}});
    const std::string uid = p["metadata"]["uid"];
    capnp::MallocMessageBuilder m;
    auto md = m.initRoot<rt::RuntimeRequest>().initRunPodSandbox().initConfig().initMetadata();
    md.setName(name);
    md.setUid(uid);
    md.setNamespace("default");
    const std::string sandbox = sim_call(sim_, m);
    for (const auto& c : containers) {
      capnp::MallocMessageBuilder cm;
      auto cc = cm.initRoot<rt::RuntimeRequest>().initCreateContainer();
      cc.setPodSandboxId(sandbox);
      auto cfg = cc.initConfig();
      cfg.initMetadata().setName(c);
      cfg.initImage().setImage("busybox");
      auto cmd = cfg.initCommand(1);
      cmd.set(0, "httpd");
      const std::string id = sim_call(sim_, cm);
      capnp::MallocMessageBuilder sm;
      sm.initRoot<rt::RuntimeRequest>().initStartContainer().setContainerId(id);
      sim_call(sim_, sm);
    }
    return sandbox;
  }
  void stop_sandbox(const std::string& sandbox) {
    capnp::MallocMessageBuilder m;
    m.initRoot<rt::RuntimeRequest>().initStopPodSandbox().setPodSandboxId(sandbox);
    sim_call(sim_, m);
  }
  void sync() { ASSERT_TRUE(pods_->wait_for_sync(std::chrono::seconds(5))); }

  int64_t now_ = 1'700'000'000'000'000'000;
  runtime_sim::SimRuntime sim_{[this] { return now_; }};
  FakeHost fake_;
  capstan_host_api api_{};
  std::unique_ptr<sdk::Host> host_;
  std::unique_ptr<sdk::Client> client_;
  std::unique_ptr<sdk::Informer> pods_;
};

}  // namespace

TEST_F(MetricsPipeline, PublishesSkipsUnchangedAndRemoves) {
  const std::string web = run_pod("web", {"main", "side"});
  run_pod("db", {"main"});
  pods_->start();
  sync();
  ASSERT_TRUE(FakeHost::eventually([&] { return pods_->list().size() == 2; }));
  MetricsPublisher pub(*host_, *pods_, {"node-a"}, false, PublisherOptions{0});

  pub.tick();  // first sample: no rates, nothing written
  EXPECT_FALSE(fake_.get(kPodMetrics, "default", "web"));
  now_ += 15'000'000'000;
  pub.tick();
  auto pm = fake_.get(kPodMetrics, "default", "web");
  ASSERT_TRUE(pm);
  EXPECT_EQ((*pm)["metadata"]["labels"]["app"], "web");
  EXPECT_EQ((*pm)["metadata"]["ownerReferences"][0]["kind"], "Pod");
  EXPECT_EQ((*pm)["metadata"]["ownerReferences"][0]["uid"], fake_.get(kPods, "default", "web")->at("metadata").at("uid"));
  EXPECT_EQ((*pm)["window"], "15s");
  ASSERT_EQ((*pm)["containers"].size(), 2u);
  EXPECT_EQ((*pm)["containers"][0]["name"], "main");
  EXPECT_EQ((*pm)["containers"][0]["usage"]["cpu"], "1m");
  EXPECT_EQ((*pm)["containers"][0]["usage"]["memory"], "1Mi");
  EXPECT_EQ((*pm)["containers"][1]["name"], "side");
  EXPECT_TRUE(fake_.get(kPodMetrics, "default", "db"));
  // The node: the machine's usage, with the node's labels and owned by the node.
  auto nm = fake_.get(kNodeMetrics, "", "node-a");
  ASSERT_TRUE(nm);
  EXPECT_EQ((*nm)["metadata"]["labels"]["kubernetes.io/hostname"], "node-a");
  EXPECT_EQ((*nm)["metadata"]["ownerReferences"][0]["kind"], "Node");
  EXPECT_TRUE((*nm)["usage"].contains("cpu"));
  EXPECT_TRUE((*nm)["usage"].contains("memory"));

  // Same usage: no pod metrics write.
  fake_.clear_calls();
  now_ += 15'000'000'000;
  pub.tick();
  EXPECT_EQ(fake_.count_calls("update", "pods") + fake_.count_calls("create", "pods"), 0u);

  // The web pod stops running: its metrics go; db's stay.
  stop_sandbox(web);
  now_ += 15'000'000'000;
  pub.tick();
  EXPECT_FALSE(fake_.get(kPodMetrics, "default", "web"));
  EXPECT_TRUE(fake_.get(kPodMetrics, "default", "db"));
}

TEST_F(MetricsPipeline, HollowNodesSumTheirPods) {
  run_pod("a", {"x", "y", "z"});
  pods_->start();
  sync();
  ASSERT_TRUE(FakeHost::eventually([&] { return pods_->list().size() == 1; }));
  MetricsPublisher pub(*host_, *pods_, {"node-a"}, true, PublisherOptions{0});
  pub.tick();
  now_ += 2'000'000'000;
  pub.tick();
  auto nm = fake_.get(kNodeMetrics, "", "node-a");
  ASSERT_TRUE(nm);
  EXPECT_EQ((*nm)["usage"]["cpu"], "3m");
  EXPECT_EQ((*nm)["usage"]["memory"], "3Mi");
}
