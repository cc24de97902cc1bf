// The Endpoints / EndpointSlice computation from built Services and Pods.
#include <gtest/gtest.h>

#include <functional>

#include "capstan/testing/build.hpp"
#include "endpoints_logic.hpp"

namespace capstan::endpoints {
namespace {

using core::v1::Pod;
using core::v1::Service;

using sdk::testing::build;

sdk::ObjectPtr service(const std::function<void(Service::Builder)>& more = {}) {
  return build<Service>([&](Service::Builder s) {
    s.getMetadata().setName("web");
    s.getMetadata().setNamespace("default");
    auto sel = s.getSpec().initSelector(1);
    sel[0].setKey("app");
    sel[0].setValue("web");
    auto p = s.getSpec().initPorts(1)[0];
    p.setName("http");
    p.setPort(80);
    p.setProtocol("TCP");
    p.initTargetPort().setInt(8080);
    if (more) more(s);
  });
}

sdk::ObjectPtr pod(const std::string& name, const std::string& ip, bool ready, const std::function<void(Pod::Builder)>& more = {}) {
  return build<Pod>([&](Pod::Builder p) {
    p.getMetadata().setName(name);
    p.getMetadata().setNamespace("default");
    p.getMetadata().setUid("uid-" + name);
    auto l = p.getMetadata().initLabels(1);
    l[0].setKey("app");
    l[0].setValue("web");
    p.getSpec().setNodeName("node-1");
    auto c = p.getSpec().initContainers(1)[0];
    c.setName("app");
    auto cp = c.initPorts(1)[0];
    cp.setName("web-port");
    cp.setContainerPort(9376);
    p.getStatus().setPhase("Running");
    p.getStatus().setPodIP(ip);
    auto cond = p.getStatus().initConditions(1)[0];
    cond.setType("Ready");
    cond.setStatus(ready ? "True" : "False");
    if (more) more(p);
  });
}

TEST(Endpoints, ReadyAndNotReadyAddresses) {
  auto svc = service();
  std::vector<sdk::ObjectPtr> pods = {pod("b", "10.244.0.10", true), pod("a", "10.244.0.9", true),
                                      pod("c", "10.244.0.11", false), pod("no-ip", "", true),
                                      pod("other", "10.244.0.12", true, [](Pod::Builder p) {
                                        p.getMetadata().getLabels()[0].setValue("db");
                                      })};
  auto groups = compute_endpoints(svc->as<Service>(), pods);
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_EQ(groups[0].endpoints.size(), 3u);
  EXPECT_EQ(groups[0].endpoints[0].ip, "10.244.0.9");  // numeric order
  EXPECT_EQ(groups[0].ports[0].port, 8080);
  capnp::MallocMessageBuilder m;
  auto ep = m.initRoot<core::v1::Endpoints>();
  fill_endpoints(ep, groups, false);
  ASSERT_EQ(ep.getSubsets().size(), 1u);
  auto s = ep.getSubsets()[0];
  ASSERT_EQ(s.getAddresses().size(), 2u);
  EXPECT_EQ(std::string(s.getAddresses()[1].getIp().cStr()), "10.244.0.10");
  EXPECT_EQ(std::string(s.getAddresses()[0].getTargetRef().getName().cStr()), "a");
  EXPECT_EQ(std::string(s.getAddresses()[0].getNodeName().cStr()), "node-1");
  ASSERT_EQ(s.getNotReadyAddresses().size(), 1u);
  EXPECT_EQ(std::string(s.getNotReadyAddresses()[0].getIp().cStr()), "10.244.0.11");
  EXPECT_EQ(std::string(s.getPorts()[0].getName().cStr()), "http");
}

TEST(Endpoints, NamedTargetPort) {
  auto svc = service([](Service::Builder s) { s.getSpec().getPorts()[0].getTargetPort().setStr("web-port"); });
  auto groups = compute_endpoints(svc->as<Service>(), {pod("a", "10.244.0.9", true),
                                                       pod("b", "10.244.0.10", true, [](Pod::Builder p) {
                                                         p.getSpec().getContainers()[0].getPorts()[0].setName("other");
                                                       })});
  ASSERT_EQ(groups.size(), 1u) << "a pod without the named port is not an endpoint";
  EXPECT_EQ(groups[0].ports[0].port, 9376);
  EXPECT_EQ(groups[0].endpoints.size(), 1u);
}

TEST(Endpoints, TerminatingPods) {
  auto svc = service();
  auto groups = compute_endpoints(svc->as<Service>(), {pod("a", "10.244.0.9", true, [](Pod::Builder p) {
                                    p.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
                                  }), pod("done", "10.244.0.7", false, [](Pod::Builder p) { p.getStatus().setPhase("Succeeded"); })});
  ASSERT_EQ(groups.size(), 1u);
  auto& e = groups[0].endpoints[0];
  EXPECT_TRUE(e.terminating);
  EXPECT_TRUE(e.serving);
  EXPECT_FALSE(e.ready);
  capnp::MallocMessageBuilder m;
  auto ep = m.initRoot<core::v1::Endpoints>();
  fill_endpoints(ep, groups, false);
  EXPECT_EQ(ep.getSubsets().size(), 0u) << "Endpoints leave terminating pods out";
  capnp::MallocMessageBuilder sm;
  auto slice = sm.initRoot<discovery::v1::EndpointSlice>();
  auto plan = plan_slices(groups);
  ASSERT_EQ(plan.size(), 1u);
  fill_slice(slice, plan[0]);
  ASSERT_EQ(slice.getEndpoints().size(), 1u);
  auto c = slice.getEndpoints()[0].getConditions();
  EXPECT_TRUE(c.getReady().isValue());
  EXPECT_FALSE(c.getReady().getValue());
  EXPECT_TRUE(c.getServing().getValue());
  EXPECT_TRUE(c.getTerminating().getValue());
  EXPECT_EQ(slice.getPorts()[0].getPort().getValue(), 8080);
  EXPECT_EQ(std::string(slice.getAddressType().cStr()), "IPv4");
}

TEST(Endpoints, PublishNotReadyAddresses) {
  auto svc = service([](Service::Builder s) { s.getSpec().setPublishNotReadyAddresses(true); });
  auto groups = compute_endpoints(svc->as<Service>(), {pod("a", "10.244.0.9", false)});
  capnp::MallocMessageBuilder m;
  auto ep = m.initRoot<core::v1::Endpoints>();
  fill_endpoints(ep, groups, true);
  EXPECT_EQ(ep.getSubsets()[0].getAddresses().size(), 1u);
}

TEST(Endpoints, HeadlessHostnames) {
  auto svc = service([](Service::Builder s) {
    s.getSpec().setClusterIP("None");
    s.getSpec().disownPorts();
  });
  auto groups = compute_endpoints(svc->as<Service>(), {pod("web-0", "10.244.0.9", true, [](Pod::Builder p) {
                                                         p.getSpec().setHostname("web-0");
                                                         p.getSpec().setSubdomain("web");
                                                       }),
                                                       pod("x", "10.244.0.10", true, [](Pod::Builder p) {
                                                         p.getSpec().setHostname("x");
                                                         p.getSpec().setSubdomain("elsewhere");
                                                       })});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].endpoints[0].hostname, "web-0");
  EXPECT_EQ(groups[0].endpoints[1].hostname, "");
  EXPECT_TRUE(groups[0].ports.empty());
}

TEST(Endpoints, NoSelectorMeansUnmanaged) {
  auto svc = service([](Service::Builder s) { s.getSpec().disownSelector(); });
  EXPECT_TRUE(compute_endpoints(svc->as<Service>(), {pod("a", "10.244.0.9", true)}).empty());
}

TEST(Slices, ChunkedAtOneHundred) {
  auto svc = service();
  std::vector<sdk::ObjectPtr> pods;
  for (int i = 0; i < 250; ++i) pods.push_back(pod("p" + std::to_string(i), "10.244." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 2), true));
  auto groups = compute_endpoints(svc->as<Service>(), pods);
  auto plan = plan_slices(groups);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[2].end - plan[2].begin, 50u);
  EXPECT_EQ(plan_slices({}).size(), 1u) << "a service without endpoints still has one (empty) slice";
}

}  // namespace
}  // namespace capstan::endpoints
