#include "runtime_truth.hpp"

#include <gtest/gtest.h>

using namespace capstan::agent;

TEST(PlanSandboxes, NoneMeansAFirstSandbox) {
  auto p = plan_sandboxes({});
  EXPECT_EQ(p.adopt, "");
  EXPECT_EQ(p.dead, "");
  EXPECT_EQ(p.next_attempt, 0u);
  EXPECT_TRUE(p.remove.empty());
}

TEST(PlanSandboxes, TheNewestReadySandboxIsAdoptedAndOlderOnesGo) {
  auto p = plan_sandboxes({{"old", 0, false, 10}, {"live", 1, true, 20}});
  EXPECT_EQ(p.adopt, "live");
  EXPECT_EQ(p.dead, "");
  EXPECT_EQ(p.next_attempt, 1u);
  EXPECT_EQ(p.remove, std::vector<std::string>{"old"});
}

TEST(PlanSandboxes, ADeadNewestSandboxMeansTheNextAttempt) {
  // After a power cut: the sandbox of attempt 2 is not ready; a new one takes attempt 3, so its
  // name (name_namespace_uid_attempt) is not the one the dead sandbox reserves.
  auto p = plan_sandboxes({{"b", 2, false, 30}, {"a", 1, false, 20}});
  EXPECT_EQ(p.adopt, "");
  EXPECT_EQ(p.dead, "b");
  EXPECT_EQ(p.next_attempt, 3u);
  EXPECT_EQ(p.remove, std::vector<std::string>{"a"});
}

TEST(PlanSandboxes, OfOneAttemptTheLatestCreatedWins) {
  auto p = plan_sandboxes({{"first", 0, true, 10}, {"second", 0, true, 20}});
  EXPECT_EQ(p.adopt, "second");
  EXPECT_EQ(p.remove, std::vector<std::string>{"first"});
}

TEST(PickContainers, NewestAttemptIsCurrentThePreviousOneIsLastState) {
  auto picks = pick_containers({{"c0", "app", 0, 10}, {"c2", "app", 2, 30}, {"c1", "app", 1, 20}, {"s0", "side", 0, 5}});
  ASSERT_EQ(picks.size(), 2u);
  EXPECT_EQ(picks["app"].current, "c2");
  EXPECT_EQ(picks["app"].previous, "c1");
  EXPECT_EQ(picks["app"].attempt, 2u);
  EXPECT_EQ(picks["side"].current, "s0");
  EXPECT_EQ(picks["side"].previous, "");
  EXPECT_EQ(picks["side"].attempt, 0u);
}

TEST(RelistSignature, StableOrderAndSensitiveToState) {
  const auto a = relist_signature({{"s", 0}}, {{"b", 1}, {"a", 1}});
  EXPECT_EQ(a, relist_signature({{"s", 0}}, {{"a", 1}, {"b", 1}}));
  EXPECT_NE(a, relist_signature({{"s", 0}}, {{"a", 1}, {"b", 2}}));  // b exited
  EXPECT_NE(a, relist_signature({{"s", 1}}, {{"a", 1}, {"b", 1}}));  // sandbox not ready
  EXPECT_NE(a, relist_signature({{"s", 0}}, {{"a", 1}}));            // b gone
}
