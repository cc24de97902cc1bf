#include "container_config.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>


using namespace capstan::agent;

namespace {

class FakeObjects : public ObjectSource {
 public:
  std::map<std::string, StringMap> cms, secrets;
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

struct PodFixture {
  capnp::MallocMessageBuilder m;
  core::Pod::Builder pod = m.initRoot<core::Pod>();
  PodFixture() {
    auto md = pod.initMetadata();
    md.setName("web-1");
    md.setNamespace("prod");
    md.setUid("u-1");
    auto labels = md.initLabels(2);
    labels[0].setKey("app");
    labels[0].setValue("web");
    labels[1].setKey("tier");
    labels[1].setValue("front \"end\"");
    pod.initSpec().setNodeName("node-a");
    pod.getSpec().setServiceAccountName("robot");
    pod.getSpec().initContainers(1)[0].setName("main");
  }
  core::Container::Builder c() { return pod.getSpec().getContainers()[0]; }
};

std::map<std::string, std::string> as_map(const EnvList& env) { return {env.begin(), env.end()}; }

}  // namespace

TEST(Expand, AsKubelet) {
  auto lookup = [](const std::string& n) -> std::optional<std::string> {
    if (n == "A") return std::string("x");
    return std::nullopt;
  };
  EXPECT_EQ(expand("$(A)-$(A)", lookup), "x-x");
  EXPECT_EQ(expand("$(B)", lookup), "$(B)");
  EXPECT_EQ(expand("$$(A)", lookup), "$(A)");
  EXPECT_EQ(expand("a$", lookup), "a$");
  EXPECT_EQ(expand("$(A", lookup), "$(A");
  EXPECT_EQ(expand("$A", lookup), "$A");
  EXPECT_EQ(expand("pre $(A) post", lookup), "pre x post");
}

TEST(Env, ValuesFieldRefsAndExpansion) {
  PodFixture f;
  auto env = f.c().initEnv(7);
  env[0].setName("A");
  env[0].setValue("one");
  env[1].setName("B");
  env[1].setValue("$(A)-two-$(MISSING)");
  env[2].setName("NAME");
  env[2].initValueFrom().initFieldRef().setFieldPath("metadata.name");
  env[3].setName("APP");
  env[3].initValueFrom().initFieldRef().setFieldPath("metadata.labels['app']");
  env[4].setName("IP");
  env[4].initValueFrom().initFieldRef().setFieldPath("status.podIP");
  env[5].setName("NODE");
  env[5].initValueFrom().initFieldRef().setFieldPath("spec.nodeName");
  env[6].setName("SA");
  env[6].initValueFrom().initFieldRef().setFieldPath("spec.serviceAccountName");
  FakeObjects objs;
  PodContext ctx{"node-a", "192.0.2.1", "10.244.0.5"};
  auto r = resolve_env(f.pod, f.c(), objs, ctx);
  ASSERT_EQ(r.error, "");
  auto m = as_map(r.env);
  EXPECT_EQ(m["B"], "one-two-$(MISSING)");
  EXPECT_EQ(m["NAME"], "web-1");
  EXPECT_EQ(m["APP"], "web");
  EXPECT_EQ(m["IP"], "10.244.0.5");
  EXPECT_EQ(m["NODE"], "node-a");
  EXPECT_EQ(m["SA"], "robot");
  EXPECT_EQ(r.env[0].first, "A");  // definition order
}

TEST(Env, ConfigMapAndSecretRefs) {
  PodFixture f;
  auto from = f.c().initEnvFrom(2);
  from[0].setPrefix("CM_");
  from[0].initConfigMapRef().setName("cfg");
  from[1].initSecretRef().setName("creds");
  auto env = f.c().initEnv(2);
  env[0].setName("K");
  auto ref = env[0].initValueFrom().initConfigMapKeyRef();
  ref.setName("cfg");
  ref.setKey("k");
  env[1].setName("PW");
  auto sref = env[1].initValueFrom().initSecretKeyRef();
  sref.setName("creds");
  sref.setKey("password");
  FakeObjects objs;
  objs.cms["prod/cfg"] = {{"k", "v"}, {"bad key", "x"}};
  objs.secrets["prod/creds"] = {{"password", "s3cret"}, {"USER", "admin"}};
  auto r = resolve_env(f.pod, f.c(), objs, {});
  ASSERT_EQ(r.error, "");
  auto m = as_map(r.env);
  EXPECT_EQ(m["CM_k"], "v");
  EXPECT_EQ(m["K"], "v");
  EXPECT_EQ(m["PW"], "s3cret");
  EXPECT_EQ(m["USER"], "admin");
  ASSERT_EQ(r.invalid_keys.size(), 1u);
  EXPECT_EQ(r.invalid_keys[0], "CM_bad key");
}

TEST(Env, MissingReferencesGiveKubeletMessages) {
  FakeObjects objs;
  {
    PodFixture f;
    auto ref = f.c().initEnv(1)[0];
    ref.setName("X");
    auto k = ref.initValueFrom().initConfigMapKeyRef();
    k.setName("nope");
    k.setKey("a");
    EXPECT_EQ(resolve_env(f.pod, f.c(), objs, {}).error, "configmap \"nope\" not found");
    k.getOptional().setValue(true);
    auto r = resolve_env(f.pod, f.c(), objs, {});
    EXPECT_EQ(r.error, "");
    EXPECT_TRUE(r.env.empty());
  }
  {
    PodFixture f;
    objs.secrets["prod/s"] = {{"a", "1"}};
    auto ref = f.c().initEnv(1)[0];
    ref.setName("X");
    auto k = ref.initValueFrom().initSecretKeyRef();
    k.setName("s");
    k.setKey("b");
    EXPECT_EQ(resolve_env(f.pod, f.c(), objs, {}).error, "couldn't find key b in Secret prod/s");
  }
  {
    PodFixture f;
    f.c().initEnvFrom(1)[0].initSecretRef().setName("gone");
    EXPECT_EQ(resolve_env(f.pod, f.c(), objs, {}).error, "secret \"gone\" not found");
  }
}

TEST(Env, ResourceFieldRef) {
  PodFixture f;
  auto res = f.c().initResources();
  auto lim = res.initLimits(1);
  lim[0].setKey("memory");
  lim[0].setValue("128Mi");
  auto env = f.c().initEnv(2);
  env[0].setName("MEM");
  auto sel = env[0].initValueFrom().initResourceFieldRef();
  sel.setResource("limits.memory");
  sel.setDivisor("1Mi");
  env[1].setName("CPU");
  env[1].initValueFrom().initResourceFieldRef().setResource("limits.cpu");
  PodContext ctx;
  ctx.node_cpu_milli = 2000;
  FakeObjects objs;
  auto m = as_map(resolve_env(f.pod, f.c(), objs, ctx).env);
  EXPECT_EQ(m["MEM"], "128");
  EXPECT_EQ(m["CPU"], "2");  // no limit: the node's allocatable
}

TEST(Command, ExpandedWithEnv) {
  PodFixture f;
  auto cmd = f.c().initCommand(2);
  cmd.set(0, "echo");
  cmd.set(1, "$(GREETING) world");
  EnvList env = {{"GREETING", "hello"}};
  auto out = expand_all(f.c().asReader().getCommand(), env);
  EXPECT_EQ(out[1], "hello world");
}

TEST(Resources, SharesQuotaMemory) {
  PodFixture f;
  auto res = f.c().initResources();
  auto lim = res.initLimits(2);
  lim[0].setKey("cpu");
  lim[0].setValue("500m");
  lim[1].setKey("memory");
  lim[1].setValue("64Mi");
  auto r = linux_resources(f.c());
  EXPECT_EQ(r.cpu_shares, 512);
  EXPECT_EQ(r.cpu_quota, 50000);
  EXPECT_EQ(r.cpu_period, 100000);
  EXPECT_EQ(r.memory_limit, 64 * 1048576);
  EXPECT_EQ(qos_class(f.pod), "Guaranteed");
  PodFixture g;
  EXPECT_EQ(linux_resources(g.c()).cpu_shares, 2);
  EXPECT_EQ(linux_resources(g.c()).cpu_quota, 0);
  EXPECT_EQ(qos_class(g.pod), "BestEffort");
  auto req = g.c().initResources().initRequests(1);
  req[0].setKey("cpu");
  req[0].setValue("1m");
  EXPECT_EQ(linux_resources(g.c()).cpu_shares, 2);
  EXPECT_EQ(qos_class(g.pod), "Burstable");
}

TEST(Dns, Policies) {
  PodFixture f;
  DnsSettings s;
  s.host = parse_resolv_conf("# comment\nnameserver 192.0.2.53\nsearch corp.example\noptions edns0\n");
  auto c = pod_dns(f.pod, s);
  EXPECT_EQ(c.nameservers, std::vector<std::string>{"10.96.0.10"});
  EXPECT_EQ(c.searches, (std::vector<std::string>{"prod.svc.cluster.local", "svc.cluster.local", "cluster.local",
                                                  "corp.example"}));
  EXPECT_EQ(c.options, std::vector<std::string>{"ndots:5"});
  f.pod.getSpec().setDnsPolicy("Default");
  EXPECT_EQ(pod_dns(f.pod, s).nameservers, std::vector<std::string>{"192.0.2.53"});
  f.pod.getSpec().setDnsPolicy("None");
  auto cfg = f.pod.getSpec().initDnsConfig();
  cfg.initNameservers(1).set(0, "1.2.3.4");
  auto opts = cfg.initOptions(1);
  opts[0].setName("ndots");
  opts[0].setValue("2");
  auto none = pod_dns(f.pod, s);
  EXPECT_EQ(none.nameservers, std::vector<std::string>{"1.2.3.4"});
  EXPECT_TRUE(none.searches.empty());
  EXPECT_EQ(none.options, std::vector<std::string>{"ndots:2"});
  f.pod.getSpec().setDnsPolicy("ClusterFirst");
  EXPECT_EQ(pod_dns(f.pod, s).options, std::vector<std::string>{"ndots:2"});  // dnsConfig overrides
}

TEST(Ports, HostPortsOnly) {
  PodFixture f;
  auto ports = f.c().initPorts(2);
  ports[0].setContainerPort(80);
  ports[0].setHostPort(8080);
  ports[1].setContainerPort(443);
  auto pm = port_mappings(f.pod);
  ASSERT_EQ(pm.size(), 1u);
  EXPECT_EQ(pm[0].protocol, "TCP");
  EXPECT_EQ(pm[0].host_port, 8080);
}

TEST(Images, Normalize) {
  EXPECT_EQ(normalize_image("nginx"), "docker.io/library/nginx:latest");
  EXPECT_EQ(normalize_image("nginx:1.25"), "docker.io/library/nginx:1.25");
  EXPECT_EQ(normalize_image("me/app"), "docker.io/me/app:latest");
  EXPECT_EQ(normalize_image("reg.example:5000/x"), "reg.example:5000/x:latest");
  EXPECT_EQ(normalize_image("localhost/x:1"), "localhost/x:1");
  EXPECT_EQ(normalize_image("busybox@sha256:abc"), "docker.io/library/busybox@sha256:abc");
}

TEST(Images, PullPolicy) {
  EXPECT_EQ(pull_action("Always", "x:1", true, /*always_pulls=*/true), PullAction::kPull);
  EXPECT_EQ(pull_action("Always", "x:1", true), PullAction::kUseLocal);  // offline default
  EXPECT_EQ(pull_action("Always", "x:1", false), PullAction::kPull);
  EXPECT_EQ(pull_action("IfNotPresent", "x:1", true), PullAction::kUseLocal);
  EXPECT_EQ(pull_action("IfNotPresent", "x:1", false), PullAction::kPull);
  EXPECT_EQ(pull_action("Never", "x:1", false), PullAction::kNeverPullMissing);
  EXPECT_EQ(pull_action("", "x", true, true), PullAction::kPull);  // :latest -> Always
  EXPECT_EQ(pull_action("", "x:2", true), PullAction::kUseLocal);
}

TEST(Paths, Logs) {
  EXPECT_EQ(container_log_path("web", 3), "web/3.log");
  EXPECT_EQ(pod_log_directory("/d/logs", "ns", "p", "u"), "/d/logs/ns_p_u");
}

TEST(DownwardApi, WholeMaps) {
  PodFixture f;
  EXPECT_EQ(*pod_field(f.pod, "metadata.labels", {}), "app=\"web\"\ntier=\"front \\\"end\\\"\"");
  EXPECT_FALSE(pod_field(f.pod, "spec.bogus", {}));
  EXPECT_EQ(*pod_field(f.pod, "metadata.annotations['none']", {}), "");
}
