// Service defaulting, validation, allocation and printers, called directly.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <thread>

#include "allocator.hpp"
#include "capstan/testing/build.hpp"
#include "printers.hpp"
#include "service_rules.hpp"

namespace capstan::network {
namespace {

using Op = sdk::AdmissionRequest::Operation;

sdk::ObjectPtr build_service(const std::function<void(Service::Builder)>& fill, const char* name = "web") {
  return sdk::testing::build<Service>([&](Service::Builder root) {
    root.setApiVersion("v1");
    root.setKind("Service");
    root.getMetadata().setName(name);
    root.getMetadata().setNamespace("default");
    fill(root);
  });
}

void one_port(Service::Builder s, int port = 80) {
  auto p = s.getSpec().initPorts(1);
  p[0].setPort(port);
}

sdk::AdmissionResult admit(ServiceAllocator& alloc, sdk::ObjectPtr obj, sdk::ObjectPtr old = nullptr, bool dry = false) {
  sdk::AdmissionRequest req;
  req.operation = old ? Op::kUpdate : Op::kCreate;
  req.kind = "Service";
  req.object = std::move(obj);
  req.old_object = std::move(old);
  req.dry_run = dry;
  return admit_service(req, alloc);
}

sdk::ObjectPtr result(const sdk::AdmissionResult& r) {
  EXPECT_TRUE(r.allowed) << (r.causes.empty() ? r.message : r.causes[0].field + ": " + r.causes[0].message);
  if (r.mutated.empty()) return nullptr;
  return sdk::Object::from_bytes(r.mutated.data(), r.mutated.size());
}

std::string causes(const sdk::AdmissionResult& r) {
  std::string out;
  for (auto& c : r.causes) out += c.field + ": " + c.message + "\n";
  return out;
}

// What the allocator's informer would do once the object is stored.
void commit(ServiceAllocator& alloc, const sdk::ObjectPtr& obj) {
  alloc.set_committed(obj->ns() + "/" + obj->name(), holdings_of(obj->as<Service>(), alloc.config().service_cidr));
}

TEST(Service, DefaultsAndAllocatesClusterIP) {
  ServiceAllocator alloc;
  auto out = result(admit(alloc, build_service([](Service::Builder s) { one_port(s); })));
  ASSERT_TRUE(out);
  auto spec = out->as<Service>().getSpec();
  EXPECT_EQ(std::string(spec.getType()), "ClusterIP");
  EXPECT_EQ(std::string(spec.getSessionAffinity()), "None");
  EXPECT_EQ(std::string(spec.getPorts()[0].getProtocol()), "TCP");
  EXPECT_EQ(spec.getPorts()[0].getTargetPort().getInt(), 80);
  auto ip = machinery::parse_ipv4(spec.getClusterIP().cStr());
  ASSERT_TRUE(ip);
  EXPECT_TRUE(alloc.config().service_cidr.contains(*ip));
  EXPECT_GE(*ip, 0x0a600100u) << "dynamic addresses come from above the static band";
  ASSERT_EQ(spec.getClusterIPs().size(), 1u);
  EXPECT_EQ(spec.getClusterIPs()[0], spec.getClusterIP());
  EXPECT_EQ(spec.getPorts()[0].getNodePort(), 0);
}

TEST(Service, ExplicitClusterIPHonouredThenTaken) {
  ServiceAllocator alloc;
  auto first = result(admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setClusterIP("10.96.0.50");
  }, "a")));
  EXPECT_EQ(std::string(first->as<Service>().getSpec().getClusterIP()), "10.96.0.50");
  auto r = admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setClusterIP("10.96.0.50");
  }, "b"));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r), "spec.clusterIP: Invalid value: \"10.96.0.50\": failed to allocate IP 10.96.0.50: provided IP is already allocated\n");
  auto out = admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setClusterIP("10.1.2.3");
  }, "c"));
  ASSERT_FALSE(out.allowed);
  EXPECT_NE(causes(out).find("spec.clusterIP: Invalid value: \"10.1.2.3\""), std::string::npos) << causes(out);
  EXPECT_NE(causes(out).find("The range of valid IPs is 10.96.0.0/16"), std::string::npos);
}

TEST(Service, HeadlessGetsNoAddress) {
  ServiceAllocator alloc;
  auto out = result(admit(alloc, build_service([](Service::Builder s) { s.getSpec().setClusterIP("None"); })));
  EXPECT_EQ(std::string(out->as<Service>().getSpec().getClusterIP()), "None");
  EXPECT_EQ(alloc.used_ips(), 0u);
  auto r = admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setClusterIP("None");
    s.getSpec().setType("NodePort");
  }));
  EXPECT_FALSE(r.allowed);
}

TEST(Service, NodePortExplicitAndConflict) {
  ServiceAllocator alloc;
  auto out = result(admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("NodePort");
    s.getSpec().getPorts()[0].setNodePort(30036);
  }, "hello-node-svc")));
  commit(alloc, out);
  EXPECT_EQ(out->as<Service>().getSpec().getPorts()[0].getNodePort(), 30036);
  EXPECT_EQ(std::string(out->as<Service>().getSpec().getExternalTrafficPolicy()), "Cluster");
  auto r = admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("NodePort");
    s.getSpec().getPorts()[0].setNodePort(30036);
  }, "other"));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r), "spec.ports[0].nodePort: Invalid value: 30036: provided port is already allocated\n");
  // The refused request gave back the cluster IP it reserved.
  EXPECT_EQ(alloc.used_ips(), 1u);
  auto range = admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("NodePort");
    s.getSpec().getPorts()[0].setNodePort(40000);
  }, "x"));
  EXPECT_EQ(causes(range), "spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767\n");
  auto automatic = result(admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("LoadBalancer");
  }, "lb")));
  int np = automatic->as<Service>().getSpec().getPorts()[0].getNodePort();
  EXPECT_GE(np, 30000);
  EXPECT_LE(np, 32767);
  EXPECT_NE(np, 30036);
}

TEST(Service, ReleasedOnDelete) {
  ServiceAllocator alloc;
  auto out = result(admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("NodePort");
    s.getSpec().getPorts()[0].setNodePort(30100);
    s.getSpec().setClusterIP("10.96.0.77");
  }, "a")));
  commit(alloc, out);
  EXPECT_FALSE(admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setClusterIP("10.96.0.77");
  }, "b")).allowed);
  alloc.forget("default/a");
  EXPECT_TRUE(admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("NodePort");
    s.getSpec().getPorts()[0].setNodePort(30100);
    s.getSpec().setClusterIP("10.96.0.77");
  }, "b")).allowed);
}

TEST(Service, PendingReservationsExpire) {
  AllocatorConfig cfg;
  cfg.pending_ttl = std::chrono::seconds(5);
  ServiceAllocator alloc(cfg);
  auto t0 = ServiceAllocator::Clock::now();
  EXPECT_EQ(alloc.reserve_ip("ns/a", 0x0a600005, t0), ServiceAllocator::Result::kOk);
  EXPECT_EQ(alloc.reserve_ip("ns/b", 0x0a600005, t0 + std::chrono::seconds(1)), ServiceAllocator::Result::kTaken);
  EXPECT_EQ(alloc.reserve_ip("ns/b", 0x0a600005, t0 + std::chrono::seconds(10)), ServiceAllocator::Result::kOk);
}

TEST(Service, ConcurrentCreatesGetDistinctValues) {
  AllocatorConfig cfg;
  cfg.service_cidr = *machinery::parse_cidr("10.96.0.0/24", true);
  cfg.node_port_min = 30000;
  cfg.node_port_max = 30199;
  ServiceAllocator alloc(cfg);
  std::mutex mu;
  std::set<std::string> ips;
  std::set<int> ports;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto out = result(admit(alloc, build_service([](Service::Builder s) {
          one_port(s);
          s.getSpec().setType("NodePort");
        }, ("s" + std::to_string(t) + "-" + std::to_string(i)).c_str())));
        std::lock_guard lock(mu);
        ips.insert(out->as<Service>().getSpec().getClusterIP().cStr());
        ports.insert(out->as<Service>().getSpec().getPorts()[0].getNodePort());
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ips.size(), 200u);
  EXPECT_EQ(ports.size(), 200u);
}

TEST(Service, Validation) {
  ServiceAllocator alloc;
  auto two_unnamed = admit(alloc, build_service([](Service::Builder s) {
    auto p = s.getSpec().initPorts(2);
    p[0].setPort(80);
    p[1].setPort(443);
  }));
  EXPECT_EQ(causes(two_unnamed), "spec.ports[0].name: Required value\nspec.ports[1].name: Required value\n");
  auto no_ports = admit(alloc, build_service([](Service::Builder) {}));
  EXPECT_EQ(causes(no_ports), "spec.ports: Required value\n");
  auto bad_type = admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("Foo");
  }));
  EXPECT_EQ(causes(bad_type),
            "spec.type: Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"\n");
  auto node_port_on_cluster_ip = admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().getPorts()[0].setNodePort(30001);
  }));
  EXPECT_EQ(causes(node_port_on_cluster_ip), "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'\n");
  auto bad_name = admit(alloc, build_service([](Service::Builder s) { one_port(s); }, "1abc"));
  EXPECT_NE(causes(bad_name).find("metadata.name: Invalid value: \"1abc\": a DNS-1035 label"), std::string::npos);
  auto affinity = result(admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setSessionAffinity("ClientIP");
  }, "sticky")));
  EXPECT_EQ(affinity->as<Service>().getSpec().getSessionAffinityConfig().getClientIP().getTimeoutSeconds().getValue(), 10800);
  auto named_target = result(admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().getPorts()[0].initTargetPort().setStr("http");
  }, "named")));
  EXPECT_EQ(std::string(named_target->as<Service>().getSpec().getPorts()[0].getTargetPort().getStr()), "http");
}

TEST(Service, UpdateKeepsAllocatedValues) {
  ServiceAllocator alloc;
  auto created = result(admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("NodePort");
  })));
  commit(alloc, created);
  auto old_spec = created->as<Service>().getSpec();
  // The client sends the spec without clusterIP and nodePort (kubectl apply of the original file).
  auto updated = result(admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("NodePort");
    s.getSpec().getSelector();
  }), created));
  auto spec = updated->as<Service>().getSpec();
  EXPECT_EQ(std::string(spec.getClusterIP()), std::string(old_spec.getClusterIP()));
  EXPECT_EQ(spec.getPorts()[0].getNodePort(), old_spec.getPorts()[0].getNodePort());
  // Changing the address is refused.
  auto moved = admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("NodePort");
    s.getSpec().setClusterIP("10.96.0.99");
  }), created);
  EXPECT_EQ(causes(moved), "spec.clusterIP: Invalid value: \"10.96.0.99\": field is immutable\n");
  // Back to ClusterIP: the node port the client sent back unchanged goes away.
  auto back = result(admit(alloc, build_service([&](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("ClusterIP");
    s.getSpec().getPorts()[0].setNodePort(old_spec.getPorts()[0].getNodePort());
  }), created));
  EXPECT_EQ(back->as<Service>().getSpec().getPorts()[0].getNodePort(), 0);
  EXPECT_EQ(std::string(back->as<Service>().getSpec().getClusterIP()), std::string(old_spec.getClusterIP()));
}

TEST(Service, DryRunKeepsNothing) {
  ServiceAllocator alloc;
  auto r = admit(alloc, build_service([](Service::Builder s) {
    one_port(s);
    s.getSpec().setType("NodePort");
    s.getSpec().getPorts()[0].setNodePort(30036);
  }), nullptr, true);
  EXPECT_TRUE(r.allowed);
  EXPECT_EQ(alloc.used_ips(), 0u);
  EXPECT_EQ(alloc.used_ports(), 0u);
}

TEST(Printers, ServiceColumns) {
  ServiceAllocator alloc;
  auto svc = build_service([](Service::Builder s) {
    auto spec = s.getSpec();
    spec.setType("NodePort");
    spec.setClusterIP("10.96.0.20");
    auto p = spec.initPorts(2);
    p[0].setPort(80);
    p[0].setNodePort(30036);
    p[0].setProtocol("TCP");
    p[1].setPort(53);
    p[1].setProtocol("UDP");
    auto sel = spec.initSelector(2);
    sel[0].setKey("tier");
    sel[0].setValue("web");
    sel[1].setKey("app");
    sel[1].setValue("hello");
  });
  EXPECT_EQ(print_service(svc), (std::vector<std::string>{"<none>", "80:30036/TCP,53/UDP", "app=hello,tier=web"}));
  auto lb = build_service([](Service::Builder s) {
    s.getSpec().setType("LoadBalancer");
    one_port(s);
  });
  EXPECT_EQ(print_service(lb)[0], "<pending>");
}

TEST(Printers, EndpointsColumn) {
  capnp::MallocMessageBuilder msg;
  auto ep = msg.initRoot<core::v1::Endpoints>();
  auto s = ep.initSubsets(1)[0];
  auto a = s.initAddresses(4);
  for (unsigned i = 0; i < 4; ++i) a[i].setIp("10.244.0." + std::to_string(i + 2));
  s.initPorts(1)[0].setPort(80);
  auto bytes = sdk::serialize(msg);
  auto obj = sdk::Object::from_bytes(bytes.data(), bytes.size());
  EXPECT_EQ(print_endpoints(obj)[0], "10.244.0.2:80,10.244.0.3:80,10.244.0.4:80 + 1 more...");
}

}  // namespace
}  // namespace capstan::network
