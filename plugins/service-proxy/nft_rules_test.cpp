// The service proxy's nftables text: what build_state sees in Services and Endpoints, the full
// table and the incremental transactions; checked with `nft -c -f` when nft can run here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>

#include "capstan/testing/build.hpp"
#include "nft_rules.hpp"
#include "system.hpp"

namespace capstan::proxy {
namespace {

using core::v1::Endpoints;
using core::v1::Service;

using sdk::testing::build;

sdk::ObjectPtr service(const std::string& name, const std::string& ip, const std::function<void(Service::Builder)>& more = {}) {
  return build<Service>([&](Service::Builder s) {
    s.getMetadata().setName(name);
    s.getMetadata().setNamespace("default");
    auto spec = s.getSpec();
    spec.setType("ClusterIP");
    spec.setClusterIP(ip);
    auto p = spec.initPorts(1)[0];
    p.setName("http");
    p.setPort(80);
    p.setProtocol("TCP");
    if (more) more(s);
  });
}

sdk::ObjectPtr endpoints(const std::string& name, const std::vector<std::string>& ips, int port = 8080) {
  return build<Endpoints>([&](Endpoints::Builder e) {
    e.getMetadata().setName(name);
    e.getMetadata().setNamespace("default");
    auto s = e.initSubsets(1)[0];
    auto a = s.initAddresses(ips.size());
    for (unsigned i = 0; i < ips.size(); ++i) a[i].setIp(ips[i]);
    auto p = s.initPorts(1)[0];
    p.setName("http");
    p.setPort(port);
    p.setProtocol("TCP");
  });
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Root and nft: check the text with `nft -c` (parses and validates against the kernel, changes nothing).
void nft_check(const std::string& script) {
  if (geteuid() != 0 || !have_program("nft")) GTEST_SKIP() << "nft -c needs root and nft";
  char tmpl[] = "/tmp/capstan-nft-test-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  auto r = nft_apply(script, tmpl, true);
  unlink(tmpl);
  EXPECT_EQ(r.exit_code, 0) << r.output() << "\n" << script;
}

ProxyConfig test_config() {
  ProxyConfig c;
  c.table = "capstan-proxy-unit-test";
  c.dns_target = "10.244.0.1";
  return c;
}

TEST(BuildState, ClusterIPNodePortHeadless) {
  auto cfg = test_config();
  auto state = build_state({service("web", "10.96.0.20"),
                            service("np", "10.96.0.21", [](Service::Builder s) {
                              s.getSpec().setType("NodePort");
                              s.getSpec().getPorts()[0].setNodePort(30036);
                            }),
                            service("headless", "None"), service("kube-dns", "10.96.0.10")},
                           {endpoints("web", {"10.244.0.6", "10.244.0.5"}), endpoints("headless", {"10.244.0.7"})}, cfg);
  ASSERT_EQ(state.size(), 2u) << "no rules for headless services, and DNS has its own";
  auto& web = state.at("default/web/tcp/http");
  ASSERT_EQ(web.backends.size(), 2u);
  EXPECT_EQ(web.backends[0].ip, "10.244.0.5");
  EXPECT_EQ(web.backends[0].port, 8080);
  EXPECT_EQ(state.at("default/np/tcp/http").node_port, 30036);
  EXPECT_TRUE(state.at("default/np/tcp/http").backends.empty());
}

TEST(Render, FullTable) {
  auto cfg = test_config();
  auto state = build_state({service("web", "10.96.0.20", [](Service::Builder s) {
                              s.getSpec().setType("NodePort");
                              s.getSpec().getPorts()[0].setNodePort(30036);
                              s.getSpec().setSessionAffinity("ClientIP");
                              s.getSpec().getSessionAffinityConfig().getClientIP().getTimeoutSeconds().setValue(60);
                            }),
                            service("empty", "10.96.0.22")},
                           {endpoints("web", {"10.244.0.5", "10.244.0.6", "10.244.0.7"})}, cfg);
  auto text = render_full(cfg, state);
  EXPECT_TRUE(contains(text, "delete table ip capstan-proxy-unit-test\n"));
  EXPECT_TRUE(contains(text, "numgen random mod 3 vmap { 0 : goto ep-default/web/tcp/http/10.244.0.5/8080, "));
  EXPECT_TRUE(contains(text, "10.96.0.20 . tcp . 80 : goto svc-default/web/tcp/http"));
  EXPECT_TRUE(contains(text, "tcp . 30036 : goto np-default/web/tcp/http"));
  EXPECT_TRUE(contains(text, "ip saddr 10.244.0.5 jump mark-masq")) << "hairpin";
  EXPECT_TRUE(contains(text, "update @aff-default/web/tcp/http/10.244.0.6/8080/60 { ip saddr }"));
  EXPECT_TRUE(contains(text, "10.96.0.10 . udp . 53 : goto cluster-dns"));
  EXPECT_TRUE(contains(text, "dnat to 10.244.0.1:53"));
  EXPECT_TRUE(contains(text, "add rule ip capstan-proxy-unit-test svc-default/empty/tcp/http meta mark set meta mark | 0x8000"));
  nft_check(text);
}

TEST(Render, IncrementalChanges) {
  auto cfg = test_config();
  auto before = build_state({service("web", "10.96.0.20"), service("gone", "10.96.0.30")},
                            {endpoints("web", {"10.244.0.5", "10.244.0.6"}), endpoints("gone", {"10.244.0.9"})}, cfg);
  auto after = build_state({service("web", "10.96.0.20"), service("new", "10.96.0.31")},
                           {endpoints("web", {"10.244.0.5", "10.244.0.8"})}, cfg);
  EXPECT_EQ(render_changes(cfg, before, before), "");
  auto text = render_changes(cfg, before, after);
  EXPECT_FALSE(contains(text, "flush ruleset"));
  EXPECT_FALSE(contains(text, "delete table"));
  EXPECT_TRUE(contains(text, "delete element ip capstan-proxy-unit-test service-ips { 10.96.0.30 . tcp . 80 }"));
  EXPECT_TRUE(contains(text, "delete chain ip capstan-proxy-unit-test svc-default/gone/tcp/http"));
  EXPECT_TRUE(contains(text, "delete chain ip capstan-proxy-unit-test ep-default/web/tcp/http/10.244.0.6/8080"));
  EXPECT_FALSE(contains(text, "delete chain ip capstan-proxy-unit-test ep-default/web/tcp/http/10.244.0.5/8080"));
  EXPECT_TRUE(contains(text, "add element ip capstan-proxy-unit-test service-ips { 10.96.0.31 . tcp . 80 : goto svc-default/new/tcp/http }"));
  EXPECT_FALSE(contains(text, "service-ips { 10.96.0.20")) << "an unchanged address keeps its element";
  // Checked together with the table it applies to.
  nft_check(render_full(cfg, before) + text);
}

TEST(Render, AffinityTurnedOff) {
  auto cfg = test_config();
  auto sticky = build_state({service("web", "10.96.0.20", [](Service::Builder s) {
                               s.getSpec().setSessionAffinity("ClientIP");
                               s.getSpec().getSessionAffinityConfig().getClientIP().getTimeoutSeconds().setValue(30);
                             })},
                            {endpoints("web", {"10.244.0.5"})}, cfg);
  auto plain = build_state({service("web", "10.96.0.20")}, {endpoints("web", {"10.244.0.5"})}, cfg);
  auto text = render_changes(cfg, sticky, plain);
  EXPECT_TRUE(contains(text, "delete set ip capstan-proxy-unit-test aff-default/web/tcp/http/10.244.0.5/8080/30"));
  nft_check(render_full(cfg, sticky) + text);
}

TEST(Render, ThousandServices) {
  auto cfg = test_config();
  std::vector<sdk::ObjectPtr> svcs, eps;
  for (int i = 0; i < 1000; ++i) {
    std::string name = "s" + std::to_string(i);
    svcs.push_back(service(name, "10.96." + std::to_string(4 + i / 250) + "." + std::to_string(i % 250 + 1)));
    eps.push_back(endpoints(name, {"10.244.1." + std::to_string(i % 250 + 1), "10.244.2." + std::to_string(i % 250 + 1),
                                   "10.244.3." + std::to_string(i % 250 + 1)}));
  }
  auto state = build_state(svcs, eps, cfg);
  EXPECT_EQ(state.size(), 1000u);
  auto full = render_full(cfg, state);
  eps[500] = endpoints("s500", {"10.244.1.9"});
  auto changed = build_state(svcs, eps, cfg);
  auto delta = render_changes(cfg, state, changed);
  EXPECT_LT(delta.size(), 2000u) << "one endpoint change rewrites one service's chains only";
  nft_check(full + delta);
}

}  // namespace
}  // namespace capstan::proxy
