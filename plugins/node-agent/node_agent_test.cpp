// The whole node agent against the SDK's fake host, with the simulated runtime behind
// Host::invoke: env from ConfigMaps and Secrets, config errors, probes and pod conditions, the
// logs endpoint over loopback HTTP, exec through the services the endpoint uses, and graceful
// termination ending with the pod deleted.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"
#include "node_agent.hpp"
#include "sim_runtime.hpp"

using namespace capstan;
using namespace capstan::agent;
using sdk::testing::FakeHost;
using sdk::testing::json;

namespace {

using machinery::kPods;
using machinery::kConfigMaps;
using machinery::kSecrets;
using machinery::kEvents;

runtime_sim::SimRuntime* g_sim = nullptr;  // the invoke thunk has no context of its own

capstan_status invoke_sim(void*, const char*, capstan_borrowed_bytes request, capstan_owned_bytes* response) {
  const std::string out = g_sim->handle(std::string(reinterpret_cast<const char*>(request.data), request.size));
  response->data = static_cast<uint8_t*>(std::malloc(out.size() ? out.size() : 1));
  std::memcpy(response->data, out.data(), out.size());
  response->size = out.size();
  response->release = [](uint8_t* d, size_t) { std::free(d); };
  return CAPSTAN_OK;
}

std::string http_get(int port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return "";
  }
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_sim = &sim_;
    fake_.add_kind({kSecrets, "Secret", true, capnp::Schema::from<capstan::core::v1::Secret>(), false, ""});
    api_ = *fake_.api();
    api_.invoke = &invoke_sim;
    host_ = std::make_unique<sdk::Host>(&api_);
    char tmpl[] = "/tmp/capstan-agent-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    json config = {{"nodeName", "node-a"}, {"nodeIP", "127.0.0.1"}, {"dataDir", dir_}, {"port", 0}};
    agent_ = std::make_unique<NodeAgent>(*host_, config.dump());
    agent_->start();
  }
  void TearDown() override {
    agent_->stop();
    agent_.reset();
    std::filesystem::remove_all(dir_);
    g_sim = nullptr;
  }

  json pod(const std::string& name, json container) {
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec", {{"nodeName", "node-a"}, {"containers", json::array({container})}}}};
  }
  std::optional<json> get_pod(const std::string& name) { return fake_.get(kPods, "default", name); }
  // A field of the pod by JSON pointer, "" when the pod or the field is absent.
  std::string field(const std::string& name, const std::string& pointer) {
    auto p = get_pod(name);
    if (!p) return "";
    return p->value(json::json_pointer(pointer), std::string());
  }
  std::string waiting_reason(const std::string& name) {
    return field(name, "/status/containerStatuses/0/state/waiting/reason");
  }
  std::string condition(const std::string& name, const std::string& type) {
    auto p = get_pod(name);
    if (!p) return "";
    for (const auto& c : p->value(json::json_pointer("/status/conditions"), json::array()))
      if (c.value("type", "") == type) return c.value("status", "");
    return "";
  }
  int port() {
    auto node = fake_.get({"", "v1", "nodes"}, "", "node-a");
    if (!node) return 0;
    return node->value(json::json_pointer("/status/daemonEndpoints/kubeletEndpoint/Port"), 0);
  }

  // A new agent process on the same node: the runtime (and what it runs) stays.
  void restart_agent() {
    agent_->stop();
    agent_.reset();
    json config = {{"nodeName", "node-a"}, {"nodeIP", "127.0.0.1"}, {"dataDir", dir_}, {"port", 0}};
    agent_ = std::make_unique<NodeAgent>(*host_, config.dump());
    agent_->start();
  }
  std::string container_id(const std::string& name) { return field(name, "/status/containerStatuses/0/containerID"); }
  int restarts(const std::string& name) {
    auto p = get_pod(name);
    return p ? p->value(json::json_pointer("/status/containerStatuses/0/restartCount"), -1) : -1;
  }
  bool has_event(const std::string& reason) {
    for (const auto& e : fake_.list(kEvents, "default"))
      if (e.value("reason", "") == reason) return true;
    return false;
  }

  runtime_sim::SimRuntime sim_;
  FakeHost fake_;
  capstan_host_api api_{};
  std::unique_ptr<sdk::Host> host_;
  std::string dir_;
  std::unique_ptr<NodeAgent> agent_;
};

}  // namespace

TEST_F(AgentTest, EnvLogsExecAndEvents) {
  fake_.put(kConfigMaps, {{"metadata", {{"name", "cfg"}, {"namespace", "default"}}}, {"data", {{"greeting", "hello"}}}});
  fake_.put(kSecrets, {{"metadata", {{"name", "s"}, {"namespace", "default"}}}, {"data", {{"pw", "czNjcmV0"}}}});
  fake_.put(kPods, pod("web", {{"name", "c"},
                               {"image", "busybox:1.36"},
                               {"command", {"sh", "-c", "echo $(GREETING) $(PW) $(ME); sleep 3600"}},
                               {"env",
                                {{{"name", "GREETING"}, {"valueFrom", {{"configMapKeyRef", {{"name", "cfg"}, {"key", "greeting"}}}}}},
                                 {{"name", "PW"}, {"valueFrom", {{"secretKeyRef", {{"name", "s"}, {"key", "pw"}}}}}},
                                 {{"name", "ME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}}}}}));
  ASSERT_TRUE(FakeHost::eventually([&] { return condition("web", "Ready") == "True"; }, std::chrono::seconds(10)));
  const int p = port();
  ASSERT_GT(p, 0);
  const std::string logs = http_get(p, "/containerLogs/default/web/c");
  EXPECT_NE(logs.find("200 OK"), std::string::npos) << logs;
  EXPECT_NE(logs.find("hello s3cret web\n"), std::string::npos) << logs;
  EXPECT_NE(http_get(p, "/containerLogs/default/web/nope").find("400"), std::string::npos);
  EXPECT_NE(http_get(p, "/containerLogs/default/absent/c").find("404"), std::string::npos);

  int code = 0;
  std::string error;
  auto where = agent_->locate("default", "web", "c", false, code, error);
  ASSERT_TRUE(where) << error;
  auto r = agent_->exec_sync(where->container_id, {"printenv", "GREETING"}, 5);
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(agent_->exec_sync(where->container_id, {"sh", "-c", "exit 4"}, 5).exit_code, 4);
  EXPECT_EQ(exec_status_json(4, {"sh", "-c", "exit 4"}).find("\"reason\":\"NonZeroExitCode\"") != std::string::npos,
            true);

  ASSERT_TRUE(FakeHost::eventually([&] {
    std::set<std::string> reasons;
    for (const auto& e : fake_.list(kEvents, "default")) reasons.insert(e.value("reason", ""));
    return reasons.count("Pulled") && reasons.count("Created") && reasons.count("Started");
  }));
}

TEST_F(AgentTest, ConfigErrorThenRecovery) {
  fake_.put(kPods, pod("cfgerr", {{"name", "c"},
                                  {"image", "busybox:1.36"},
                                  {"env", {{{"name", "X"}, {"valueFrom", {{"configMapKeyRef", {{"name", "later"}, {"key", "k"}}}}}}}}}));
  ASSERT_TRUE(FakeHost::eventually([&] { return waiting_reason("cfgerr") == "CreateContainerConfigError"; }));
  EXPECT_EQ(field("cfgerr", "/status/containerStatuses/0/state/waiting/message"), "configmap \"later\" not found");
  fake_.put(kConfigMaps, {{"metadata", {{"name", "later"}, {"namespace", "default"}}}, {"data", {{"k", "v"}}}});
  EXPECT_TRUE(FakeHost::eventually([&] { return condition("cfgerr", "Ready") == "True"; }, std::chrono::seconds(15)));
}

TEST_F(AgentTest, ProbesDriveReadinessAndRestarts) {
  fake_.put(kPods, pod("unready", {{"name", "c"},
                                   {"image", "busybox:1.36"},
                                   {"readinessProbe", {{"exec", {{"command", {"cat", "/tmp/missing"}}}}, {"periodSeconds", 1}}}}));
  fake_.put(kPods, pod("unlive", {{"name", "c"},
                                  {"image", "busybox:1.36"},
                                  {"livenessProbe",
                                   {{"exec", {{"command", {"false"}}}}, {"periodSeconds", 1}, {"failureThreshold", 1}}}}));
  ASSERT_TRUE(FakeHost::eventually([&] { return field("unready", "/status/phase") == "Running"; }));
  EXPECT_EQ(condition("unready", "Ready"), "False");
  EXPECT_EQ(condition("unready", "ContainersReady"), "False");
  ASSERT_TRUE(FakeHost::eventually([&] {
    for (const auto& e : fake_.list(kEvents, "default"))
      if (e.value("reason", "") == "Killing" &&
          e.value("message", "") == "Container c failed liveness probe, will be restarted")
        return true;
    return false;
  }));
  // Events are written asynchronously: the other pod's may not be there yet.
  EXPECT_TRUE(FakeHost::eventually([&] {
    for (const auto& e : fake_.list(kEvents, "default"))
      if (e.value("reason", "") == "Unhealthy" &&
          e.value("message", "").rfind("Readiness probe failed: cat: /tmp/missing: No such file or directory", 0) == 0)
        return true;
    return false;
  }));
  ASSERT_TRUE(FakeHost::eventually([&] { return waiting_reason("unlive") == "CrashLoopBackOff"; }));
}

TEST_F(AgentTest, GracefulDeletionEndsWithTheDelete) {
  fake_.put(kPods, pod("doomed", {{"name", "c"}, {"image", "busybox:1.36"}}));
  ASSERT_TRUE(FakeHost::eventually([&] { return condition("doomed", "Ready") == "True"; }));
  EXPECT_EQ(sim_.sandbox_count(), 1u);
  // What the API server does for a pod on a node: mark it, the agent finishes the deletion.
  fake_.patch(kPods, "default", "doomed",
              {{"metadata", {{"deletionTimestamp", "2030-01-01T00:00:00Z"}, {"deletionGracePeriodSeconds", 30}}}});
  EXPECT_TRUE(FakeHost::eventually([&] { return !get_pod("doomed"); }));
  EXPECT_TRUE(FakeHost::eventually([&] { return sim_.sandbox_count() == 0; }));
}

TEST(HollowNodes, OneInstanceRunsSeveralNodes) {
  runtime_sim::SimRuntime sim;
  g_sim = &sim;
  FakeHost fake;
  capstan_host_api api = *fake.api();
  api.invoke = &invoke_sim;
  sdk::Host host(&api);
  char tmpl[] = "/tmp/capstan-agent-test-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  {
    json config = {{"nodeName", "hollow"}, {"dataDir", dir}, {"serve", false}, {"hollowNodes", 3}};
    NodeAgent agent(host, config.dump());
    agent.start();
    EXPECT_EQ(fake.list({"", "v1", "nodes"}).size(), 3u);
    for (int i = 0; i < 3; ++i)
      fake.put(kPods, {{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"metadata", {{"name", "p" + std::to_string(i)}, {"namespace", "default"}}},
                       {"spec", {{"nodeName", "hollow-" + std::to_string(i)}, {"containers", {{{"name", "c"}, {"image", "x:1"}}}}}}});
    fake.put(kPods, {{"apiVersion", "v1"},
                     {"kind", "Pod"},
                     {"metadata", {{"name", "elsewhere"}, {"namespace", "default"}}},
                     {"spec", {{"nodeName", "other"}, {"containers", {{{"name", "c"}, {"image", "x:1"}}}}}}});
    EXPECT_TRUE(FakeHost::eventually([&] {
      for (int i = 0; i < 3; ++i) {
        auto p = fake.get(kPods, "default", "p" + std::to_string(i));
        if (!p || p->value(json::json_pointer("/status/phase"), std::string()) != "Running") return false;
      }
      return true;
    }));
    auto other = fake.get(kPods, "default", "elsewhere");
    EXPECT_EQ(other->value(json::json_pointer("/status/phase"), std::string()), "");  // not ours
    agent.stop();
  }
  std::filesystem::remove_all(dir);
  g_sim = nullptr;
}

// Issue 12: the agent's truth is the runtime's. A restarted agent adopts what still runs (no
// restart, same container); a sandbox that died (power cut) is removed and the pod re-created in a
// sandbox of the next attempt, restartCount and lastState saying so; a container killed behind
// the agent's back is seen by the relist and restarted; sandboxes of pods that are gone are removed.
TEST_F(AgentTest, TheRuntimesTruthAfterRestartsAndCrashes) {
  fake_.put(kPods, pod("web", {{"name", "c"}, {"image", "busybox:1.36"}, {"command", {"httpd", "-f"}}}));
  ASSERT_TRUE(FakeHost::eventually([&] { return condition("web", "Ready") == "True"; }));
  const std::string first = container_id("web");
  ASSERT_FALSE(first.empty());

  // 1. The agent restarts (kill -9 of capstan up): the running container is adopted.
  restart_agent();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // two relists
  EXPECT_EQ(container_id("web"), first);
  EXPECT_EQ(restarts("web"), 0);
  EXPECT_EQ(condition("web", "Ready"), "True");
  EXPECT_EQ(sim_.sandbox_count(), 1u);
  EXPECT_EQ(sim_.container_count(), 1u);

  // 2. Power cut while the agent is down: the sandbox is not ready, its container exited 255.
  agent_->stop();
  sim_.simulate_node_crash();
  restart_agent();
  ASSERT_TRUE(FakeHost::eventually([&] { return restarts("web") == 1 && condition("web", "Ready") == "True"; },
                                   std::chrono::seconds(10)))
      << get_pod("web")->dump();
  EXPECT_NE(container_id("web"), first);
  EXPECT_EQ(field("web", "/status/containerStatuses/0/lastState/terminated/reason"), "Unknown");
  EXPECT_EQ(get_pod("web")->value(json::json_pointer("/status/containerStatuses/0/lastState/terminated/exitCode"), 0), 255);
  EXPECT_EQ(sim_.sandbox_count(), 1u);  // the dead one removed: its name is free again
  EXPECT_TRUE(FakeHost::eventually([&] { return has_event("SandboxChanged"); }));  // events are written asynchronously

  // 3. The same while the agent runs: the next relist notices.
  const std::string second = container_id("web");
  sim_.simulate_node_crash();
  ASSERT_TRUE(FakeHost::eventually([&] { return restarts("web") == 2 && condition("web", "Ready") == "True"; },
                                   std::chrono::seconds(10)));
  EXPECT_NE(container_id("web"), second);
  EXPECT_EQ(sim_.sandbox_count(), 1u);

  // 4. The container alone killed: restarted per restartPolicy, lastState exit 137.
  const std::string third = container_id("web");
  sim_.simulate_container_death(third.substr(third.find("://") + 3));
  ASSERT_TRUE(FakeHost::eventually([&] { return restarts("web") == 3; }, std::chrono::seconds(20)));
  EXPECT_EQ(get_pod("web")->value(json::json_pointer("/status/containerStatuses/0/lastState/terminated/exitCode"), 0), 137);

  // 5. A pod deleted while the agent was down: its sandbox is removed by the relist's sweep.
  fake_.put(kPods, pod("gone", {{"name", "c"}, {"image", "busybox:1.36"}, {"command", {"httpd", "-f"}}}));
  ASSERT_TRUE(FakeHost::eventually([&] { return condition("gone", "Ready") == "True"; }));
  EXPECT_EQ(sim_.sandbox_count(), 2u);
  agent_->stop();
  fake_.erase(kPods, "default", "gone");
  restart_agent();
  EXPECT_TRUE(FakeHost::eventually([&] { return sim_.sandbox_count() == 1u; }, std::chrono::seconds(10)));
  EXPECT_EQ(condition("web", "Ready"), "True");
}

// With restartPolicy Never a pod whose sandbox died is not run again: its container is
// terminated with what the runtime said, and the pod Failed (kubelet does the same).
TEST_F(AgentTest, ADeadSandboxEndsANeverRestartingPod) {
  auto p = pod("once", {{"name", "c"}, {"image", "busybox:1.36"}, {"command", {"httpd", "-f"}}});
  p["spec"]["restartPolicy"] = "Never";
  fake_.put(kPods, p);
  ASSERT_TRUE(FakeHost::eventually([&] { return condition("once", "Ready") == "True"; }));
  sim_.simulate_node_crash();
  ASSERT_TRUE(FakeHost::eventually([&] { return field("once", "/status/phase") == "Failed"; }, std::chrono::seconds(10)))
      << get_pod("once")->dump();
  EXPECT_EQ(condition("once", "Ready"), "False");
  EXPECT_EQ(field("once", "/status/containerStatuses/0/state/terminated/reason"), "Unknown");
  EXPECT_EQ(restarts("once"), 0);
  EXPECT_EQ(sim_.sandbox_count(), 0u);
}
