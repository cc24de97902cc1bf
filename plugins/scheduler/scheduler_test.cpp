// Unit tests of the scheduler's pure parts: quantities, each filter with fake nodes, scoring
// (spread vs bin pack), the FitError message, the cache's assumed-pod accounting, the queue.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "algorithm.hpp"
#include "cache.hpp"
#include "capstan/core_v1.capnp.h"
#include "conversion.hpp"
#include "framework.hpp"
#include "policies.hpp"
#include "scheduling_queue.hpp"

namespace capstan::scheduler {
namespace {

NodeInfo make_node(std::string name, int64_t cpu = 4000, int64_t mem = int64_t{8} << 30, int64_t pods = 110) {
  NodeInfo n;
  n.name = std::move(name);
  n.allocatable_cpu_milli = cpu;
  n.allocatable_memory_bytes = mem;
  n.allocatable_pods = pods;
  return n;
}

PodInfo make_pod(int64_t cpu = 0, int64_t mem = 0) {
  PodInfo p;
  p.ns = "default";
  p.name = "p";
  p.cpu_milli = p.nonzero_cpu_milli = cpu;
  p.memory_bytes = p.nonzero_memory_bytes = mem;
  if (!cpu) p.nonzero_cpu_milli = kDefaultMilliCpuRequest;
  if (!mem) p.nonzero_memory_bytes = kDefaultMemoryRequest;
  return p;
}

TEST(NodeResourcesFit, ReportsEachInsufficientResource) {
  NodeResourcesFit fit;
  NodeInfo n = make_node("n", 1000, 1 << 30, 2);
  EXPECT_TRUE(fit.filter(make_pod(1000, 1 << 30), n).ok());
  n.requested_cpu_milli = 500;
  auto s = fit.filter(make_pod(600), n);
  EXPECT_EQ(s.code(), Status::Code::kUnschedulable);
  EXPECT_EQ(s.reasons(), std::vector<std::string>{"Insufficient cpu"});
  n.requested_memory_bytes = 1 << 30;
  n.pod_count = 2;
  s = fit.filter(make_pod(600, 1), n);
  EXPECT_EQ(s.reasons(), (std::vector<std::string>{"Too many pods", "Insufficient cpu", "Insufficient memory"}));
  // A pod requesting nothing only needs a pod slot.
  n.pod_count = 1;
  EXPECT_TRUE(fit.filter(make_pod(), n).ok());
}

TEST(NodeName, MatchesOnlyTheNamedNode) {
  NodeName f;
  PodInfo p = make_pod();
  EXPECT_TRUE(f.filter(p, make_node("a")).ok());
  p.node_name = "a";
  EXPECT_TRUE(f.filter(p, make_node("a")).ok());
  auto s = f.filter(p, make_node("b"));
  EXPECT_EQ(s.code(), Status::Code::kUnschedulableAndUnresolvable);
}

TEST(NodeUnschedulable, RejectsCordonedNodesUnlessTolerated) {
  NodeUnschedulable f;
  NodeInfo n = make_node("a");
  PodInfo p = make_pod();
  EXPECT_TRUE(f.filter(p, n).ok());
  n.unschedulable = true;
  auto s = f.filter(p, n);
  EXPECT_EQ(s.code(), Status::Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(s.message(), "node(s) were unschedulable");
  p.tolerations.push_back({"node.kubernetes.io/unschedulable", "Exists", "", "NoSchedule"});
  EXPECT_TRUE(f.filter(p, n).ok());
}

TEST(NodeAffinity, NodeSelectorMustMatchAllLabels) {
  NodeAffinity f;
  NodeInfo n = make_node("a");
  n.labels = {{"disk", "ssd"}, {"zone", "z1"}};
  PodInfo p = make_pod();
  p.node_selector = {{"disk", "ssd"}};
  EXPECT_TRUE(f.filter(p, n).ok());
  p.node_selector["zone"] = "z2";
  auto s = f.filter(p, n);
  EXPECT_EQ(s.code(), Status::Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(s.message(), "node(s) didn't match Pod's node affinity/selector");
}

TEST(VolumeBinding, ClaimsAndVolumeNodeAffinity) {
  using Op = Requirement::Op;
  NodeInfo a = make_node("node-a"), b = make_node("node-b");
  a.labels = {{"topology.hostpath.csi.capstan.io/node", "node-a"}};
  b.labels = {{"topology.hostpath.csi.capstan.io/node", "node-b"}};
  VolumeBinding f;
  PodInfo p = make_pod();
  EXPECT_TRUE(f.filter(p, a).ok()) << "no claims";
  p.volume_affinity = {{NodeSelectorTerm{{{"topology.hostpath.csi.capstan.io/node", Op::kIn, {"node-a"}}}, {}}}};
  EXPECT_TRUE(f.filter(p, a).ok());
  auto s = f.filter(p, b);
  EXPECT_EQ(s.message(), kErrReasonVolumeNodeConflict);
  EXPECT_EQ(s.code(), Status::Code::kUnschedulableAndUnresolvable);
  p.volume_error = kErrReasonUnboundImmediate;
  EXPECT_EQ(f.filter(p, a).message(), kErrReasonUnboundImmediate);
}

TEST(NodeAffinity, RequiredTermsWithEveryOperator) {
  using Op = Requirement::Op;
  NodeInfo n = make_node("node-1");
  n.labels = {{"zone", "z1"}, {"cores", "16"}};
  auto term = [](std::vector<Requirement> reqs) { return NodeSelectorTerm{std::move(reqs), {}}; };
  EXPECT_TRUE(term_matches(term({{"zone", Op::kIn, {"z0", "z1"}}}), n));
  EXPECT_FALSE(term_matches(term({{"zone", Op::kIn, {"z2"}}}), n));
  EXPECT_TRUE(term_matches(term({{"zone", Op::kNotIn, {"z2"}}}), n));
  EXPECT_TRUE(term_matches(term({{"missing", Op::kNotIn, {"z2"}}}), n));
  EXPECT_FALSE(term_matches(term({{"zone", Op::kNotIn, {"z1"}}}), n));
  EXPECT_TRUE(term_matches(term({{"zone", Op::kExists, {}}}), n));
  EXPECT_FALSE(term_matches(term({{"gpu", Op::kExists, {}}}), n));
  EXPECT_TRUE(term_matches(term({{"gpu", Op::kDoesNotExist, {}}}), n));
  EXPECT_TRUE(term_matches(term({{"cores", Op::kGt, {"8"}}}), n));
  EXPECT_FALSE(term_matches(term({{"cores", Op::kGt, {"16"}}}), n));
  EXPECT_TRUE(term_matches(term({{"cores", Op::kLt, {"32"}}}), n));
  EXPECT_FALSE(term_matches(term({{"zone", Op::kLt, {"32"}}}), n));  // not an integer
  EXPECT_FALSE(term_matches(term({{"zone", Op::kIn, {"z1"}}, {"gpu", Op::kExists, {}}}), n));  // ANDed
  EXPECT_FALSE(term_matches(NodeSelectorTerm{}, n));  // an empty term matches nothing
  EXPECT_TRUE(term_matches(NodeSelectorTerm{{}, {{"metadata.name", Op::kIn, {"node-1"}}}}, n));

  NodeAffinity f;
  PodInfo p = make_pod();
  p.has_required_affinity = true;
  p.required_terms = {term({{"zone", Op::kIn, {"z9"}}}), term({{"cores", Op::kGt, {"4"}}})};  // ORed
  EXPECT_TRUE(f.filter(p, n).ok());
  p.required_terms.pop_back();
  EXPECT_EQ(f.filter(p, n).message(), kErrReasonAffinity);
}

TEST(TaintToleration, NoScheduleAndNoExecuteMustBeTolerated) {
  TaintToleration f;
  NodeInfo n = make_node("a");
  n.taints = {{"dedicated", "gpu", "NoSchedule"}};
  PodInfo p = make_pod();
  auto s = f.filter(p, n);
  EXPECT_EQ(s.code(), Status::Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(s.message(), "node(s) had untolerated taint {dedicated: gpu}");
  p.tolerations = {{"dedicated", "Equal", "cpu", "NoSchedule"}};
  EXPECT_FALSE(f.filter(p, n).ok());
  p.tolerations = {{"dedicated", "", "gpu", ""}};  // Equal by default, any effect
  EXPECT_TRUE(f.filter(p, n).ok());
  p.tolerations = {{"dedicated", "Exists", "", "NoSchedule"}};
  EXPECT_TRUE(f.filter(p, n).ok());
  p.tolerations = {{"", "Exists", "", ""}};  // tolerates everything
  n.taints.push_back({"x", "y", "NoExecute"});
  EXPECT_TRUE(f.filter(p, n).ok());
  p.tolerations = {{"dedicated", "Exists", "", ""}};
  EXPECT_EQ(f.filter(p, n).message(), "node(s) had untolerated taint {x: y}");
  n.taints = {{"soft", "", "PreferNoSchedule"}};  // never filters
  EXPECT_TRUE(f.filter(make_pod(), n).ok());
}

TEST(Config, ParsesScoring) {
  EXPECT_EQ(SchedulerConfig::parse("").scoring, SchedulerConfig::Scoring::kLeastAllocated);
  EXPECT_EQ(SchedulerConfig::parse(R"({"scoring":"LeastAllocated"})").scoring, SchedulerConfig::Scoring::kLeastAllocated);
  EXPECT_EQ(SchedulerConfig::parse(R"({"scoring":"MostAllocated"})").scoring, SchedulerConfig::Scoring::kMostAllocated);
  EXPECT_THROW(SchedulerConfig::parse(R"({"scoring":"Random"})"), std::invalid_argument);
  EXPECT_THROW(SchedulerConfig::parse("{"), std::invalid_argument);
}

// Two nodes, one half full: spreading picks the empty one, bin packing the fuller one.
std::string choose(SchedulerConfig::Scoring scoring) {
  SchedulerConfig config;
  config.scoring = scoring;
  Framework fw(default_registry(), Profile::default_profile(), config);
  GenericScheduler algo(fw, nullptr, 1);
  NodeInfo empty = make_node("empty"), busy = make_node("busy");
  busy.requested_cpu_milli = busy.nonzero_requested_cpu_milli = 2000;
  busy.requested_memory_bytes = busy.nonzero_requested_memory_bytes = int64_t{4} << 30;
  busy.pod_count = 1;
  std::vector<NodeInfo*> nodes{&empty, &busy};
  auto r = algo.schedule(make_pod(500, 1 << 30), nodes);
  EXPECT_TRUE(r.ok());
  return r.node;
}

TEST(Scoring, LeastAllocatedSpreadsMostAllocatedPacks) {
  EXPECT_EQ(choose(SchedulerConfig::Scoring::kLeastAllocated), "empty");
  EXPECT_EQ(choose(SchedulerConfig::Scoring::kMostAllocated), "busy");
}

TEST(Scoring, PreferredAffinityWeights) {
  Framework fw(default_registry(), Profile::default_profile(), {});
  GenericScheduler algo(fw, nullptr, 1);
  NodeInfo a = make_node("a"), b = make_node("b");
  b.labels = {{"zone", "z1"}};
  PodInfo p = make_pod(100);
  p.preferred_terms = {{50, {{{"zone", Requirement::Op::kIn, {"z1"}}}, {}}}};
  std::vector<NodeInfo*> nodes{&a, &b};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(algo.schedule(p, nodes).node, "b");
}

TEST(Scoring, TiesAreBrokenAtRandom) {
  Framework fw(default_registry(), Profile::default_profile(), {});
  GenericScheduler algo(fw, nullptr, 7);
  std::vector<NodeInfo> infos{make_node("a"), make_node("b"), make_node("c")};
  std::vector<NodeInfo*> nodes{&infos[0], &infos[1], &infos[2]};
  std::set<std::string> chosen;
  for (int i = 0; i < 60; ++i) chosen.insert(algo.schedule(make_pod(100), nodes).node);
  EXPECT_EQ(chosen.size(), 3u);
}

TEST(FitError, CountsReasonsSortedAsKubernetes) {
  EXPECT_EQ(fit_error_message(3, {{"Insufficient cpu", 3}}), "0/3 nodes are available: 3 Insufficient cpu.");
  EXPECT_EQ(fit_error_message(5, {{"node(s) were unschedulable", 1}, {"Insufficient cpu", 2}, {"Insufficient memory", 2}}),
            "0/5 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu, 2 Insufficient memory.");
  EXPECT_EQ(fit_error_message(0, {}), "no nodes available to schedule pods");
}

TEST(FitError, FromAFailedCycle) {
  Framework fw(default_registry(), Profile::default_profile(), {});
  GenericScheduler algo(fw, nullptr, 1);
  NodeInfo small1 = make_node("s1", 1000), small2 = make_node("s2", 1000), cordoned = make_node("c", 8000);
  cordoned.unschedulable = true;
  NodeInfo tainted = make_node("t", 8000);
  tainted.taints = {{"k", "v", "NoSchedule"}};
  std::vector<NodeInfo*> nodes{&small1, &small2, &cordoned, &tainted};
  auto r = algo.schedule(make_pod(2000), nodes);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.failure_message(),
            "0/4 nodes are available: 1 node(s) had untolerated taint {k: v}, 1 node(s) were unschedulable, "
            "2 Insufficient cpu.");
}

TEST(Algorithm, ParallelFilterOverManyNodes) {
  Framework fw(default_registry(), Profile::default_profile(), {});
  Parallelizer par(2);
  GenericScheduler algo(fw, &par, 1);
  std::vector<NodeInfo> infos;
  for (int i = 0; i < 2000; ++i) infos.push_back(make_node("n" + std::to_string(i), i == 1234 ? 8000 : 1000));
  std::vector<NodeInfo*> nodes;
  for (auto& n : infos) nodes.push_back(&n);
  auto r = algo.schedule(make_pod(4000), nodes);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.node, "n1234");
  auto fail = algo.schedule(make_pod(9000), nodes);
  EXPECT_EQ(fail.failure_message(), "0/2000 nodes are available: 2000 Insufficient cpu.");
  EXPECT_EQ(GenericScheduler::num_feasible_nodes_to_find(50), 50u);
  EXPECT_EQ(GenericScheduler::num_feasible_nodes_to_find(5000), 500u);
}

// The cycle alone (no store) must leave room for >= 2,000 pods/s with 5,000 nodes; the bound is
// loose so a loaded CI machine does not flake, the rate is printed.
TEST(Algorithm, ThroughputWith5000Nodes) {
  Framework fw(default_registry(), Profile::default_profile(), {});
  Parallelizer par(std::max(0, static_cast<int>(std::thread::hardware_concurrency()) - 1));
  GenericScheduler algo(fw, &par, 1);
  SchedulerCache cache;
  for (int i = 0; i < 5000; ++i) {
    NodeInfo n = make_node("node-" + std::to_string(i), 32000, int64_t{64} << 30, 110);
    n.labels = {{"kubernetes.io/hostname", n.name}, {"zone", "z" + std::to_string(i % 3)}};
    cache.set_node(std::move(n));
  }
  PodInfo p = make_pod(100, 128 << 20);
  p.node_selector = {{"zone", "z1"}};
  const int kPods = 3000;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kPods; ++i) {
    auto lock = cache.lock();
    auto r = algo.schedule(p, cache.nodes(lock));
    ASSERT_TRUE(r.ok());
    cache.assume(lock, "ns/p" + std::to_string(i), r.node, p.requests());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("scheduling cycles: %.0f pods/s with 5000 nodes\n", kPods / secs);
  EXPECT_GT(kPods / secs, 200.0);
}

TEST(Cache, AssumedPodsTakeTheSlotAtOnce) {
  SchedulerCache cache;
  cache.set_node(make_node("n1", 1000, 1 << 30, 110));
  Framework fw(default_registry(), Profile::default_profile(), {});
  GenericScheduler algo(fw, nullptr, 1);
  PodInfo p = make_pod(600);
  {
    auto lock = cache.lock();
    auto r = algo.schedule(p, cache.nodes(lock));
    ASSERT_TRUE(r.ok());
    cache.assume(lock, "default/a", r.node, p.requests());
  }
  EXPECT_TRUE(cache.is_assumed("default/a"));
  {
    // The second pod does not fit while the first is only assumed.
    auto lock = cache.lock();
    auto r = algo.schedule(p, cache.nodes(lock));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.failure_message(), "0/1 nodes are available: 1 Insufficient cpu.");
  }
  // The informer confirms: still counted once.
  cache.add_pod("default/a", "n1", p.requests());
  EXPECT_FALSE(cache.is_assumed("default/a"));
  NodeInfo n;
  ASSERT_TRUE(cache.get_node("n1", n));
  EXPECT_EQ(n.requested_cpu_milli, 600);
  EXPECT_EQ(n.pod_count, 1);
  cache.forget("default/a");  // confirmed pods are not forgotten
  ASSERT_TRUE(cache.get_node("n1", n));
  EXPECT_EQ(n.pod_count, 1);
  cache.remove_pod("default/a");
  ASSERT_TRUE(cache.get_node("n1", n));
  EXPECT_EQ(n.requested_cpu_milli, 0);
  EXPECT_EQ(n.pod_count, 0);

  // A failed binding gives the slot back.
  {
    auto lock = cache.lock();
    cache.assume(lock, "default/b", "n1", p.requests());
  }
  cache.forget("default/b");
  ASSERT_TRUE(cache.get_node("n1", n));
  EXPECT_EQ(n.pod_count, 0);
}

TEST(Cache, NodeUpdatesKeepRequestsAndPodsMayPrecedeTheirNode) {
  SchedulerCache cache;
  cache.add_pod("ns/p", "late", {300, 100, 300, 100});
  EXPECT_EQ(cache.node_count(), 0u);
  EXPECT_TRUE(cache.set_node(make_node("late")));
  NodeInfo n;
  ASSERT_TRUE(cache.get_node("late", n));
  EXPECT_EQ(n.requested_cpu_milli, 300);
  EXPECT_FALSE(cache.set_node(make_node("late")));  // nothing relevant changed (heartbeat)
  NodeInfo relabelled = make_node("late");
  relabelled.labels["x"] = "y";
  EXPECT_TRUE(cache.set_node(relabelled));
  cache.set_node(make_node("other"));
  cache.remove_node("late");
  EXPECT_EQ(cache.node_count(), 1u);
  auto lock = cache.lock();
  EXPECT_EQ(cache.nodes(lock)[0]->name, "other");
}

TEST(Conversion, RequestsAreMaxOfContainersSumAndInitContainers) {
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<core::v1::Pod>();
  pod.initMetadata().setName("p");
  auto spec = pod.initSpec();
  auto containers = spec.initContainers(2);
  auto r0 = containers[0].initResources().initRequests(2);
  r0[0].setKey("cpu");
  r0[0].setValue("250m");
  r0[1].setKey("memory");
  r0[1].setValue("64Mi");
  auto l1 = containers[1].initResources().initLimits(1);  // no request: the limit counts
  l1[0].setKey("cpu");
  l1[0].setValue("500m");
  auto init = spec.initInitContainers(1);
  auto ri = init[0].initResources().initRequests(2);
  ri[0].setKey("cpu");
  ri[0].setValue("100m");
  ri[1].setKey("memory");
  ri[1].setValue("1Gi");
  auto sel = spec.initNodeSelector(1);
  sel[0].setKey("disk");
  sel[0].setValue("ssd");
  auto tol = spec.initTolerations(1);
  tol[0].setKey("k");
  tol[0].setOperator("Exists");
  auto info = pod_info_from(pod.asReader());
  EXPECT_EQ(info.cpu_milli, 750);
  EXPECT_EQ(info.memory_bytes, int64_t{1} << 30);
  EXPECT_EQ(info.node_selector.at("disk"), "ssd");
  ASSERT_EQ(info.tolerations.size(), 1u);
  EXPECT_EQ(info.tolerations[0].op, "Exists");
  EXPECT_FALSE(info.has_required_affinity);
}

TEST(Conversion, NodeAllocatableDefaultsToCapacity) {
  capnp::MallocMessageBuilder m;
  auto node = m.initRoot<core::v1::Node>();
  node.initMetadata().setName("n");
  auto status = node.initStatus();
  auto alloc = status.initAllocatable(1);
  alloc[0].setKey("cpu");
  alloc[0].setValue("2");
  auto cap = status.initCapacity(3);
  cap[0].setKey("cpu");
  cap[0].setValue("4");
  cap[1].setKey("memory");
  cap[1].setValue("4Gi");
  cap[2].setKey("pods");
  cap[2].setValue("110");
  auto info = node_info_from(node.asReader());
  EXPECT_EQ(info.allocatable_cpu_milli, 2000);
  EXPECT_EQ(info.allocatable_memory_bytes, int64_t{4} << 30);
  EXPECT_EQ(info.allocatable_pods, 110);
}

TEST(SchedulingQueue, UnschedulablePodsWaitForAClusterChange) {
  SchedulingQueue q;
  q.add("ns/a");
  q.add("ns/a");
  q.add("ns/b");
  EXPECT_EQ(q.active_size(), 2u);
  std::string key;
  ASSERT_TRUE(q.pop(key, std::chrono::milliseconds(10)));
  EXPECT_EQ(key, "ns/a");
  q.add_unschedulable("ns/a", 1);
  q.update("ns/a", 1);  // its own status write: stays parked
  EXPECT_TRUE(q.is_unschedulable("ns/a"));
  q.update("ns/a", 2);  // the spec changed
  EXPECT_FALSE(q.is_unschedulable("ns/a"));
  ASSERT_TRUE(q.pop(key, std::chrono::milliseconds(10)));
  ASSERT_TRUE(q.pop(key, std::chrono::milliseconds(10)));
  q.add_unschedulable("ns/a", 2);
  q.add_unschedulable("ns/b", 1);
  q.flush_unschedulable(std::chrono::hours(1));
  EXPECT_EQ(q.unschedulable_size(), 2u);
  q.move_all_to_active();
  EXPECT_EQ(q.active_size(), 2u);
  EXPECT_EQ(q.unschedulable_size(), 0u);
  q.shut_down();
  EXPECT_FALSE(q.pop(key, std::chrono::milliseconds(10)));
}

}  // namespace
}  // namespace capstan::scheduler
