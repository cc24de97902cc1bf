// Disruption budgets: the numbers the controller keeps, the eviction verdicts with upstream's
// messages, and what an allowed eviction writes into the budget's status.
#include "disruption_logic.hpp"

#include <gtest/gtest.h>

#include "capstan/machinery/time.hpp"
#include "capstan/testing/json_objects.hpp"

namespace capstan::policy {
namespace {

using nlohmann::json;
using sdk::testing::object_from_json;

sdk::ObjectPtr budget(json spec, json status = json::object(), int generation = 1) {
  return object_from_json<policy::v1::PodDisruptionBudget>(
      {{"metadata", {{"name", "web"}, {"namespace", "ns"}, {"generation", generation}}}, {"spec", spec}, {"status", status}});
}

sdk::ObjectPtr pod(bool ready, const char* phase = "Running") {
  return object_from_json<core::v1::Pod>(
      {{"metadata", {{"name", "p"}, {"namespace", "ns"}, {"labels", {{"app", "web"}}}}},
       {"status", {{"phase", phase}, {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}});
}

TEST(Disruption, NumbersForMinAvailableAndMaxUnavailable) {
  const int64_t now = 1'000'000;
  std::vector<BudgetPod> pods = {{"a", true, false}, {"b", true, false}, {"c", false, false}};
  auto n = budget_numbers(budget({{"minAvailable", 2}})->as<policy::v1::PodDisruptionBudget>(), pods, std::nullopt, now);
  EXPECT_EQ(n.expected, 3);
  EXPECT_EQ(n.desired, 2);
  EXPECT_EQ(n.current, 2);
  EXPECT_EQ(n.allowed, 0);
  n = budget_numbers(budget({{"maxUnavailable", "50%"}})->as<policy::v1::PodDisruptionBudget>(), pods, 4, now);
  EXPECT_EQ(n.expected, 4);
  EXPECT_EQ(n.desired, 2);  // 4 - ceil(50% of 4)
  EXPECT_EQ(n.allowed, 0);
  n = budget_numbers(budget({{"maxUnavailable", 1}})->as<policy::v1::PodDisruptionBudget>(), pods, std::nullopt, now);
  EXPECT_EQ(n.error, "found no controllers for pods selected by the budget");
  // A pod the eviction handler recorded a moment ago does not count as healthy.
  auto recorded = budget({{"minAvailable", 1}}, {{"disruptedPods", {{"a", machinery::format_rfc3339(now - 10)}}}});
  n = budget_numbers(recorded->as<policy::v1::PodDisruptionBudget>(), pods, std::nullopt, now);
  EXPECT_EQ(n.current, 1);
  EXPECT_EQ(n.allowed, 0);
}

TEST(Disruption, EvictionVerdicts) {
  auto none = budget({{"minAvailable", 2}, {"selector", {{"matchLabels", {{"app", "web"}}}}}},
                     {{"observedGeneration", 1}, {"currentHealthy", 2}, {"desiredHealthy", 2}, {"expectedPods", 2}});
  auto v = decide_eviction(1, none->as<policy::v1::PodDisruptionBudget>(), pod(true)->as<core::v1::Pod>());
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.code, 429);
  EXPECT_EQ(v.reason, "TooManyRequests");
  EXPECT_EQ(v.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  EXPECT_EQ(v.cause, "The disruption budget web needs 2 healthy pods and has 2 currently");
  EXPECT_TRUE(budget_selects(none->as<policy::v1::PodDisruptionBudget>(), pod(true)->as<core::v1::Pod>()));

  auto stale = budget({{"minAvailable", 1}}, {{"observedGeneration", 1}, {"disruptionsAllowed", 1}}, 2);
  v = decide_eviction(1, stale->as<policy::v1::PodDisruptionBudget>(), pod(true)->as<core::v1::Pod>());
  EXPECT_EQ(v.cause, "The disruption budget web is still being processed by the server.");

  auto one = budget({{"minAvailable", 1}}, {{"observedGeneration", 1}, {"disruptionsAllowed", 1}, {"currentHealthy", 2}, {"desiredHealthy", 1}});
  v = decide_eviction(1, one->as<policy::v1::PodDisruptionBudget>(), pod(true)->as<core::v1::Pod>());
  EXPECT_TRUE(v.allowed);
  EXPECT_TRUE(v.decrement);
  // An unready pod while the budget is met takes nothing from it.
  v = decide_eviction(1, one->as<policy::v1::PodDisruptionBudget>(), pod(false)->as<core::v1::Pod>());
  EXPECT_TRUE(v.allowed);
  EXPECT_FALSE(v.decrement);
  v = decide_eviction(2, one->as<policy::v1::PodDisruptionBudget>(), pod(true)->as<core::v1::Pod>());
  EXPECT_EQ(v.code, 500);
  EXPECT_EQ(v.message, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
  EXPECT_TRUE(can_ignore_budget(pod(true, "Pending")->as<core::v1::Pod>()));
  EXPECT_FALSE(can_ignore_budget(pod(true)->as<core::v1::Pod>()));
}

TEST(Disruption, RecordedEvictionAndStatus) {
  auto one = budget({{"minAvailable", 1}}, {{"observedGeneration", 1}, {"disruptionsAllowed", 1}});
  capnp::MallocMessageBuilder msg;
  msg.setRoot(one->as<policy::v1::PodDisruptionBudget>());
  auto b = msg.getRoot<policy::v1::PodDisruptionBudget>();
  record_disruption(b, "p", 1'000'000);
  auto s = b.asReader().getStatus();
  EXPECT_EQ(s.getDisruptionsAllowed(), 0);
  ASSERT_EQ(s.getDisruptedPods().size(), 1u);
  EXPECT_EQ(std::string(s.getDisruptedPods()[0].getKey()), "p");
  ASSERT_EQ(s.getConditions().size(), 1u);
  EXPECT_EQ(std::string(s.getConditions()[0].getReason()), "InsufficientPods");
  // disruptedPods is a map of metav1.Time in JSON, as upstream writes it.
  json j = sdk::testing::json_of<policy::v1::PodDisruptionBudget>(sdk::serialize(msg));
  EXPECT_EQ(j["status"]["disruptedPods"], json({{"p", machinery::format_rfc3339(1'000'000)}}));

  BudgetNumbers n{2, 1, 2, 1, ""};
  std::vector<BudgetPod> pods = {{"p", true, false}, {"q", true, false}};
  EXPECT_TRUE(write_budget_status(b, n, pods, 1'000'000 + 200));  // the record is past the 120 s timeout
  s = b.asReader().getStatus();
  EXPECT_EQ(s.getDisruptedPods().size(), 0u);
  EXPECT_EQ(s.getDisruptionsAllowed(), 1);
  EXPECT_EQ(std::string(s.getConditions()[0].getStatus()), "True");
  EXPECT_EQ(std::string(s.getConditions()[0].getReason()), "SufficientPods");
  EXPECT_FALSE(write_budget_status(b, n, pods, 1'000'000 + 300));  // nothing to change
}

}  // namespace
}  // namespace capstan::policy
