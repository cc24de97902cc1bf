// The resource metrics publisher's pure parts: CPU rates, quantities, durations, /proc parsing,
// the per-sandbox rate tracker and the objects it writes.
#include "metrics_publisher.hpp"

#include <gtest/gtest.h>

#include "capstan/metrics_v1beta1.capnp.h"

using namespace capstan::agent::metrics;

TEST(MetricsRate, NanocoresBetweenTwoReadings) {
  // 0.25 s of CPU over 1 s = a quarter core.
  EXPECT_EQ(cpu_rate_nanocores({1'000'000'000, 0}, {2'000'000'000, 250'000'000}), 250'000'000u);
  // 1 ms of CPU over 15 s.
  EXPECT_EQ(cpu_rate_nanocores({0, 5'000'000}, {15'000'000'000, 6'000'000}), 66'667u);
  // Two cores busy.
  EXPECT_EQ(cpu_rate_nanocores({0, 0}, {1'000'000'000, 2'000'000'000}), 2'000'000'000u);
}

TEST(MetricsRate, NoRateWithoutElapsedTimeOrAfterAReset) {
  EXPECT_FALSE(cpu_rate_nanocores({5, 10}, {5, 20}));
  EXPECT_FALSE(cpu_rate_nanocores({6, 10}, {5, 20}));
  EXPECT_FALSE(cpu_rate_nanocores({1, 100}, {2'000'000'000, 50}));  // restarted container
}

TEST(MetricsQuantity, CanonicalCpu) {
  EXPECT_EQ(cpu_quantity(0), "0");
  EXPECT_EQ(cpu_quantity(2'000'000'000), "2");
  EXPECT_EQ(cpu_quantity(250'000'000), "250m");
  EXPECT_EQ(cpu_quantity(1'000'000), "1m");
  EXPECT_EQ(cpu_quantity(1'500'000'000), "1500m");
  EXPECT_EQ(cpu_quantity(1'500'000), "1500u");
  EXPECT_EQ(cpu_quantity(1'234'567), "1234567n");
}

TEST(MetricsQuantity, CanonicalMemory) {
  EXPECT_EQ(memory_quantity(0), "0");
  EXPECT_EQ(memory_quantity(1 << 20), "1Mi");
  EXPECT_EQ(memory_quantity(64ull << 20), "64Mi");
  EXPECT_EQ(memory_quantity(1234 * 1024), "1234Ki");
  EXPECT_EQ(memory_quantity(3ull << 30), "3Gi");
  EXPECT_EQ(memory_quantity(1'000'001), "1000001");
}

TEST(MetricsDuration, GoDurationStrings) {
  EXPECT_EQ(go_duration(0), "0s");
  EXPECT_EQ(go_duration(500'000'000), "500ms");
  EXPECT_EQ(go_duration(15'000'000'000), "15s");
  EXPECT_EQ(go_duration(15'002'400'000), "15.002s");
  EXPECT_EQ(go_duration(1'250'000'000), "1.25s");
  EXPECT_EQ(go_duration(60'500'000'000), "1m0.5s");
  EXPECT_EQ(go_duration(3'600'000'000'000), "1h0m0s");
}

TEST(MetricsProc, StatAndMeminfo) {
  const std::string stat =
      "cpu  100 20 30 1000 50 5 5 10 7 0\n"
      "cpu0 50 10 15 500 25 2 3 5 0 0\n";
  // busy = 100+20+30+5+5+10 = 170 ticks of 10 ms.
  EXPECT_EQ(parse_proc_stat_busy_ns(stat, 100), 1'700'000'000u);
  EXPECT_EQ(parse_proc_stat_busy_ns("cpu  1 2 3 4\n", 100), 60'000'000u);  // old kernels: 4 fields
  EXPECT_FALSE(parse_proc_stat_busy_ns("intr 1 2 3\n", 100));
  EXPECT_FALSE(parse_proc_stat_busy_ns("cpu  1 x\n", 100));
  EXPECT_FALSE(parse_proc_stat_busy_ns(stat, 0));

  const std::string meminfo =
      "MemTotal:       24000000 kB\n"
      "MemFree:        20000000 kB\n"
      "MemAvailable:   22000000 kB\n"
      "Buffers:           1000 kB\n";
  EXPECT_EQ(parse_meminfo_working_set(meminfo), 2'000'000ull * 1024);
  EXPECT_FALSE(parse_meminfo_working_set("MemTotal: 10 kB\n"));
  EXPECT_FALSE(parse_meminfo_working_set("MemTotal: 99999999999999999999 kB\nMemAvailable: 1 kB\n"));
  EXPECT_FALSE(parse_meminfo_working_set(""));
}

TEST(MetricsTracker, ReportsASandboxOnceEveryContainerHasARate) {
  RateTracker t;
  const int64_t s = 1'000'000'000;
  // First round: no rates.
  EXPECT_TRUE(t.update({{"c1", "app", "sb1", 10 * s, 0, 1 << 20}, {"c2", "side", "sb1", 10 * s, 0, 2 << 20}}).empty());
  // Second round: c3 (new container of sb1) has no rate yet, so sb1 waits; sb2 is new too.
  auto u = t.update({{"c1", "app", "sb1", 11 * s, 100'000'000, 1 << 20},
                     {"c2", "side", "sb1", 11 * s, 0, 2 << 20},
                     {"c3", "extra", "sb1", 11 * s, 0, 0},
                     {"c9", "x", "sb2", 11 * s, 0, 0}});
  EXPECT_TRUE(u.empty());
  // Third round over 2 s.
  u = t.update({{"c1", "app", "sb1", 13 * s, 300'000'000, 1 << 20},
                {"c2", "side", "sb1", 13 * s, 20'000'000, 2 << 20},
                {"c3", "extra", "sb1", 13 * s, 2'000'000, 4096},
                {"c9", "x", "sb2", 13 * s, 0, 0}});
  ASSERT_EQ(u.size(), 2u);
  const auto& sb1 = u["sb1"];
  ASSERT_EQ(sb1.containers.size(), 3u);
  EXPECT_EQ(sb1.containers[0].name, "app");  // sorted by name
  EXPECT_EQ(sb1.containers[0].nanocores, 100'000'000u);
  EXPECT_EQ(sb1.containers[0].memory_bytes, 1u << 20);
  EXPECT_EQ(sb1.containers[1].name, "extra");
  EXPECT_EQ(sb1.containers[1].nanocores, 1'000'000u);
  EXPECT_EQ(sb1.containers[2].nanocores, 10'000'000u);
  EXPECT_EQ(sb1.time_ns, 13 * s);
  EXPECT_EQ(sb1.window_ns, 2 * s);
  EXPECT_EQ(u["sb2"].containers[0].nanocores, 0u);
}

TEST(MetricsTracker, KeepsTheNewestInstanceAndSkipsStoppedOnes) {
  RateTracker t;
  const int64_t s = 1'000'000'000;
  t.update({{"old", "app", "sb", 5 * s, 50, 10}, {"new", "app", "sb", 10 * s, 0, 1 << 20}, {"dead", "d", "sb", 0, 0, 0}});
  auto u = t.update({{"old", "app", "sb", 5 * s, 50, 10}, {"new", "app", "sb", 11 * s, 500'000'000, 1 << 20}});
  ASSERT_EQ(u.size(), 1u);
  ASSERT_EQ(u["sb"].containers.size(), 1u);
  EXPECT_EQ(u["sb"].containers[0].nanocores, 500'000'000u);
  // A reading at the same instant as the previous one keeps the previous one for the next round.
  u = t.update({{"new", "app", "sb", 11 * s, 500'000'000, 1 << 20}});
  EXPECT_TRUE(u.empty());
  u = t.update({{"new", "app", "sb", 12 * s, 600'000'000, 1 << 20}});
  EXPECT_EQ(u["sb"].containers[0].nanocores, 100'000'000u);
}

TEST(MetricsObjects, PodMetricsOwnedByThePodWithItsLabels) {
  PodUsage u{"default", "web-1", "uid-1", {{"app", "web"}}, {{"nginx", 12'000'000, 5 << 20}}, 1'700'000'000'000'000'000,
             15'000'000'000};
  capnp::MallocMessageBuilder m;
  build_pod_metrics(m, u);
  auto pm = m.getRoot<capstan::metrics::v1beta1::PodMetrics>().asReader();
  EXPECT_EQ(std::string(pm.getApiVersion().cStr()), "metrics.k8s.io/v1beta1");
  EXPECT_EQ(std::string(pm.getKind().cStr()), "PodMetrics");
  EXPECT_EQ(std::string(pm.getMetadata().getNamespace().cStr()), "default");
  ASSERT_EQ(pm.getMetadata().getLabels().size(), 1u);
  EXPECT_EQ(std::string(pm.getMetadata().getLabels()[0].getValue().cStr()), "web");
  ASSERT_EQ(pm.getMetadata().getOwnerReferences().size(), 1u);
  auto owner = pm.getMetadata().getOwnerReferences()[0];
  EXPECT_EQ(std::string(owner.getKind().cStr()), "Pod");
  EXPECT_EQ(std::string(owner.getUid().cStr()), "uid-1");
  EXPECT_EQ(std::string(pm.getTimestamp().cStr()), "2023-11-14T22:13:20Z");
  EXPECT_EQ(std::string(pm.getWindow().cStr()), "15s");
  ASSERT_EQ(pm.getContainers().size(), 1u);
  auto usage = pm.getContainers()[0].getUsage();
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(std::string(usage[0].getKey().cStr()), "cpu");
  EXPECT_EQ(std::string(usage[0].getValue().cStr()), "12m");
  EXPECT_EQ(std::string(usage[1].getKey().cStr()), "memory");
  EXPECT_EQ(std::string(usage[1].getValue().cStr()), "5Mi");

  // The signature ignores time and window, not values or labels.
  PodUsage later = u;
  later.time_ns += 15'000'000'000;
  later.window_ns = 14'000'000'000;
  EXPECT_EQ(signature(u), signature(later));
  later.containers[0].nanocores = 13'000'000;
  EXPECT_NE(signature(u), signature(later));
  PodUsage relabelled = u;
  relabelled.labels[0].second = "api";
  EXPECT_NE(signature(u), signature(relabelled));
}

TEST(MetricsObjects, NodeMetrics) {
  NodeUsage u{"node-a", "uid-n", {{"kubernetes.io/hostname", "node-a"}}, 1'500'000'000, 3ull << 30, 0, 1'000'000'000};
  capnp::MallocMessageBuilder m;
  build_node_metrics(m, u);
  auto nm = m.getRoot<capstan::metrics::v1beta1::NodeMetrics>().asReader();
  EXPECT_EQ(std::string(nm.getKind().cStr()), "NodeMetrics");
  EXPECT_EQ(std::string(nm.getMetadata().getName().cStr()), "node-a");
  EXPECT_EQ(std::string(nm.getMetadata().getNamespace().cStr()), "");
  EXPECT_EQ(std::string(nm.getMetadata().getOwnerReferences()[0].getKind().cStr()), "Node");
  EXPECT_EQ(std::string(nm.getUsage()[0].getValue().cStr()), "1500m");
  EXPECT_EQ(std::string(nm.getUsage()[1].getValue().cStr()), "3Gi");
  EXPECT_EQ(std::string(nm.getWindow().cStr()), "1s");
}

TEST(MetricsOptions, IntervalDefaultsAndOverrides) {
  EXPECT_EQ(parse_publisher_options("", false).interval_seconds, 15);
  EXPECT_EQ(parse_publisher_options("{}", true).interval_seconds, 0);
  EXPECT_EQ(parse_publisher_options(R"({"metricsInterval":1})", true).interval_seconds, 1);
  EXPECT_EQ(parse_publisher_options(R"({"metricsInterval":0})", false).interval_seconds, 0);
  EXPECT_EQ(parse_publisher_options(R"({"metricsInterval":-3})", false).interval_seconds, 0);
  EXPECT_EQ(parse_publisher_options(R"({"metricsInterval":"x"})", false).interval_seconds, 15);
  EXPECT_EQ(parse_publisher_options("not json", false).interval_seconds, 15);
}
