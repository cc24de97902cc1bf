// The HPA's decisions against the cases of upstream's replica calculator and normalization tests.
#include "hpa_logic.hpp"

#include <gtest/gtest.h>

namespace capstan::hpa {
namespace {

constexpr int64_t kNow = 10000;

PodView running(std::string name, int64_t request_milli) {
  PodView p;
  p.name = std::move(name);
  p.phase = "Running";
  p.has_ready_condition = true;
  p.ready_transition = kNow - 1000;
  p.start_time = kNow - 1000;
  p.request = request_milli;
  return p;
}

PodMetric usage(int64_t milli) { return {milli, kNow, 15}; }

Target utilization(int32_t pct) { return {pct, std::nullopt}; }

TEST(HpaLogic, ScalesUpByTheUsageRatio) {
  std::vector<PodView> pods{running("a", 100), running("b", 100)};
  auto c = resource_replicas(2, utilization(50), "cpu", pods, {{"a", usage(90)}, {"b", usage(90)}}, kNow);
  ASSERT_EQ(c.error, "");
  EXPECT_EQ(c.replicas, 4);  // ceil(90/50 * 2)
  EXPECT_EQ(c.utilization, 90);
  EXPECT_EQ(c.raw_average, 90);
}

TEST(HpaLogic, WithinToleranceKeepsTheCount) {
  std::vector<PodView> pods{running("a", 100), running("b", 100)};
  EXPECT_EQ(resource_replicas(2, utilization(50), "cpu", pods, {{"a", usage(54)}, {"b", usage(54)}}, kNow).replicas, 2);
  EXPECT_EQ(resource_replicas(2, utilization(50), "cpu", pods, {{"a", usage(44)}, {"b", usage(44)}}, kNow).replicas, 2);
  EXPECT_EQ(resource_replicas(2, utilization(50), "cpu", pods, {{"a", usage(20)}, {"b", usage(20)}}, kNow).replicas, 1);
}

TEST(HpaLogic, MissingMetricsCountAsFullOnScaleDown) {
  std::vector<PodView> pods{running("a", 100), running("b", 100), running("c", 100), running("d", 100)};
  auto c = resource_replicas(4, utilization(50), "cpu", pods, {{"a", usage(10)}, {"b", usage(10)}, {"c", usage(10)}}, kNow);
  EXPECT_EQ(c.replicas, 3);  // (30 + 100) / 400 = 32 % -> ceil(0.64 * 4)
  EXPECT_EQ(c.utilization, 10);  // reported from the pods that have metrics
}

TEST(HpaLogic, UnreadyPodsCountAsIdleOnScaleUp) {
  auto fresh = running("c", 100);
  fresh.start_time = kNow - 10;  // within the CPU initialization period and not ready
  fresh.ready_false = true;
  fresh.ready_transition = kNow - 10;
  std::vector<PodView> pods{running("a", 100), running("b", 100), fresh};
  auto c = resource_replicas(3, utilization(50), "cpu", pods, {{"a", usage(100)}, {"b", usage(100)}, {"c", usage(100)}}, kNow);
  EXPECT_EQ(c.replicas, 4);  // (100 + 100 + 0) / 300 = 66 % -> ceil(1.32 * 3)
}

TEST(HpaLogic, PendingAndDeletingPodsAreIgnored) {
  auto pending = running("p", 100);
  pending.phase = "Pending";
  auto gone = running("g", 100);
  gone.deleting = true;
  std::vector<PodView> pods{running("a", 100), pending, gone};
  EXPECT_EQ(resource_replicas(3, utilization(50), "cpu", pods, {{"a", usage(100)}}, kNow).replicas, 2);
}

TEST(HpaLogic, Errors) {
  auto no_request = running("a", 0);
  no_request.request.reset();
  no_request.missing_request_container = "app";
  EXPECT_EQ(resource_replicas(1, utilization(50), "cpu", {no_request}, {{"a", usage(10)}}, kNow).error,
            "missing request for cpu in container app of Pod a");
  EXPECT_EQ(resource_replicas(1, utilization(50), "cpu", {}, {}, kNow).error,
            "no pods returned by selector while calculating replica count");
  auto pending = running("a", 100);
  pending.phase = "Pending";
  EXPECT_EQ(resource_replicas(1, utilization(50), "cpu", {pending}, {{"a", usage(10)}}, kNow).error,
            "did not receive metrics for targeted pods (pods might be unready)");
}

TEST(HpaLogic, AverageValueTargets) {
  std::vector<PodView> pods{running("a", 0), running("b", 0)};
  Target t{std::nullopt, 100'000'000};  // 100Mi-ish in milli-bytes
  auto c = resource_replicas(2, t, "memory", pods, {{"a", usage(150'000'000)}, {"b", usage(150'000'000)}}, kNow);
  EXPECT_EQ(c.replicas, 3);
  EXPECT_FALSE(c.utilization);
}

TEST(HpaLogic, LimitsWithoutBehavior) {
  auto l = limit_without_behavior(1, 10, 1, 10);
  EXPECT_EQ(l.replicas, 4);
  EXPECT_EQ(l.reason, "ScaleUpLimit");
  l = limit_without_behavior(5, 20, 1, 8);
  EXPECT_EQ(l.replicas, 8);
  EXPECT_EQ(l.reason, "TooManyReplicas");
  l = limit_without_behavior(3, 0, 2, 8);
  EXPECT_EQ(l.replicas, 2);
  EXPECT_EQ(l.reason, "TooFewReplicas");
  EXPECT_EQ(limit_without_behavior(3, 5, 2, 8).reason, "DesiredWithinRange");
}

TEST(HpaLogic, DownscaleStabilization) {
  std::vector<Recommendation> h;
  EXPECT_EQ(stabilize(h, 5, kNow - 200), 5);
  EXPECT_EQ(stabilize(h, 2, kNow), 5);          // 5 was recommended 200 s ago
  EXPECT_EQ(stabilize(h, 2, kNow + 400), 2);    // both older than 300 s now
}

TEST(HpaLogic, BehaviorRates) {
  Rule up{0, "Max", {{"Pods", 4, 15}, {"Percent", 100, 15}}};
  Rule down{300, "Max", {{"Percent", 100, 15}}};
  auto l = limit_with_behavior(2, 20, 1, 50, up, down, {}, {}, kNow);
  EXPECT_EQ(l.replicas, 6);  // max(2 + 4, 2 * 2)
  EXPECT_EQ(l.reason, "ScaleUpLimit");
  // 4 were added 5 s ago: the period starts at 2, so at most 6 now.
  l = limit_with_behavior(6, 20, 1, 50, up, down, {{kNow - 5, 4}}, {}, kNow);
  EXPECT_EQ(l.replicas, 6);
  Rule slow_down{0, "Max", {{"Pods", 1, 60}}};
  EXPECT_EQ(limit_with_behavior(5, 1, 1, 50, up, slow_down, {}, {}, kNow).replicas, 4);
  Rule disabled{0, "Disabled", {}};
  EXPECT_EQ(limit_with_behavior(5, 1, 1, 50, up, disabled, {}, {}, kNow).replicas, 5);

  std::vector<Recommendation> h{{8, kNow - 100}};
  auto s = stabilize_with_behavior(h, 8, 3, up, down, kNow);
  EXPECT_EQ(s.replicas, 8);  // scale-down window 300 s holds the recent 8
  EXPECT_EQ(s.reason, "ScaleDownStabilized");
}

}  // namespace
}  // namespace capstan::hpa
