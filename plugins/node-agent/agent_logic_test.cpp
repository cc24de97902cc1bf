#include <gtest/gtest.h>

#include "agent_logic.hpp"

using namespace capstan::agent;
using S = ContainerView::State;

TEST(Backoff, DoublesFromTenSecondsToFiveMinutes) {
  EXPECT_EQ(restart_backoff(0).count(), 10);
  EXPECT_EQ(restart_backoff(1).count(), 20);
  EXPECT_EQ(restart_backoff(2).count(), 40);
  EXPECT_EQ(restart_backoff(3).count(), 80);
  EXPECT_EQ(restart_backoff(4).count(), 160);
  EXPECT_EQ(restart_backoff(5).count(), 300);
  EXPECT_EQ(restart_backoff(50).count(), 300);
  // kubelet restarts the first exit at once, then waits 10 s, 20 s, ...
  EXPECT_EQ(crash_backoff(0).count(), 0);
  EXPECT_EQ(crash_backoff(1).count(), 10);
  EXPECT_EQ(crash_backoff(2).count(), 20);
  EXPECT_EQ(crash_backoff(7).count(), 300);
}

TEST(Restart, Policies) {
  EXPECT_TRUE(should_restart("Always", 0));
  EXPECT_TRUE(should_restart("", 1));
  EXPECT_TRUE(should_restart("OnFailure", 1));
  EXPECT_FALSE(should_restart("OnFailure", 0));
  EXPECT_FALSE(should_restart("Never", 1));
}

TEST(Phase, PendingUntilStarted) {
  EXPECT_EQ(pod_phase("Always", {}, {{S::kWaiting}}), "Pending");
  EXPECT_EQ(pod_phase("Always", {}, {{S::kRunning}, {S::kWaiting}}), "Pending");
  EXPECT_EQ(pod_phase("Always", {{S::kRunning}}, {{S::kWaiting}}), "Pending");
  EXPECT_EQ(pod_phase("Always", {{S::kTerminated, 1}}, {{S::kWaiting}}), "Pending");  // init retried
}

TEST(Phase, Running) {
  EXPECT_EQ(pod_phase("Always", {{S::kTerminated, 0}}, {{S::kRunning}}), "Running");
  EXPECT_EQ(pod_phase("Always", {}, {{S::kBackOff}}), "Running");
  EXPECT_EQ(pod_phase("Never", {}, {{S::kRunning}, {S::kTerminated, 1}}), "Running");
}

TEST(Phase, TerminalFromExitCodes) {
  EXPECT_EQ(pod_phase("Never", {}, {{S::kTerminated, 0}, {S::kTerminated, 0}}), "Succeeded");
  EXPECT_EQ(pod_phase("Never", {}, {{S::kTerminated, 0}, {S::kTerminated, 2}}), "Failed");
  EXPECT_EQ(pod_phase("OnFailure", {}, {{S::kTerminated, 0}}), "Succeeded");
  EXPECT_EQ(pod_phase("Never", {{S::kTerminated, 1}}, {{S::kWaiting}}), "Failed");
}

