// Cluster DNS records and the dnsmasq command line.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "capstan/core_v1_services.capnp.h"
#include "capstan/testing/build.hpp"
#include "dns_records.hpp"

namespace capstan::dns {
namespace {

using sdk::testing::build;

sdk::ObjectPtr service(const std::string& name, const std::string& ip, const std::string& type = "ClusterIP") {
  return build<core::v1::Service>([&](core::v1::Service::Builder s) {
    s.getMetadata().setName(name);
    s.getMetadata().setNamespace("shop");
    s.getSpec().setType(type);
    s.getSpec().setClusterIP(ip);
  });
}

TEST(Records, ClusterIPAndHeadless) {
  auto ep = build<core::v1::Endpoints>([](core::v1::Endpoints::Builder e) {
    e.getMetadata().setName("db");
    e.getMetadata().setNamespace("shop");
    auto s = e.initSubsets(1)[0];
    auto a = s.initAddresses(2);
    a[0].setIp("10.244.0.5");
    a[0].setHostname("db-0");
    a[1].setIp("10.244.0.6");
    s.initNotReadyAddresses(1)[0].setIp("10.244.0.7");
  });
  auto files = hosts_files({service("web", "10.96.0.20"), service("db", "None"), service("ext", "", "ExternalName"),
                            service("empty", "None")},
                           {ep});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files["shop_web.hosts"], "10.96.0.20 web.shop.svc.cluster.local\n");
  EXPECT_EQ(files["shop_db.hosts"],
            "10.244.0.5 db-0.db.shop.svc.cluster.local\n10.244.0.5 db.shop.svc.cluster.local\n"
            "10.244.0.6 db.shop.svc.cluster.local\n");
}

TEST(Dnsmasq, CommandLine) {
  DnsmasqOptions o;
  o.pid_file = "/d/dnsmasq.pid";
  o.hosts_dir = "/d/hosts";
  o.listen_address = "10.244.0.1";
  auto argv = dnsmasq_argv(o);
  auto has = [&](const std::string& s) { return std::find(argv.begin(), argv.end(), s) != argv.end(); };
  EXPECT_TRUE(has("--keep-in-foreground"));
  EXPECT_TRUE(has("--no-resolv"));
  EXPECT_TRUE(has("--listen-address=10.244.0.1"));
  EXPECT_TRUE(has("--bind-interfaces"));
  EXPECT_TRUE(has("--hostsdir=/d/hosts"));
  EXPECT_TRUE(has("--port=53"));
  EXPECT_FALSE(std::any_of(argv.begin(), argv.end(), [](const std::string& s) { return s.rfind("--server", 0) == 0; }));
  EXPECT_EQ(resolv_conf_servers("# x\nnameserver 1.2.3.4\nsearch a\nnameserver 5.6.7.8\n"),
            (std::vector<std::string>{"1.2.3.4", "5.6.7.8"}));
}

}  // namespace
}  // namespace capstan::dns
