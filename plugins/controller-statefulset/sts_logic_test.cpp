// The StatefulSet controller's ordering rules, one sync at a time.
#include "sts_logic.hpp"

#include <gtest/gtest.h>

namespace capstan::statefulset {
namespace {

PodView running(int ordinal, const std::string& revision = "r1", bool ready = true) {
  return {"web-" + std::to_string(ordinal), ordinal, "Running", ready, 0, false, revision};
}
PodView pending(int ordinal, const std::string& revision = "r1") {
  return {"web-" + std::to_string(ordinal), ordinal, "Pending", false, 0, false, revision};
}

SetView set(int replicas) {
  SetView s;
  s.replicas = replicas;
  s.current_revision = "r1";
  s.update_revision = "r1";
  return s;
}

std::vector<int> creates(const Step& s) {
  std::vector<int> out;
  for (const auto& c : s.create) out.push_back(c.ordinal);
  return out;
}

TEST(StatefulSetLogic, OrdinalsAndNames) {
  EXPECT_EQ(ordinal_of("web-0", "web"), 0);
  EXPECT_EQ(ordinal_of("web-12", "web"), 12);
  EXPECT_EQ(ordinal_of("my-web-3", "my-web"), 3);
  EXPECT_FALSE(ordinal_of("web-3", "my-web"));
  EXPECT_FALSE(ordinal_of("webx-3", "web"));
  EXPECT_FALSE(ordinal_of("web-", "web"));
  EXPECT_FALSE(ordinal_of("web-a1", "web"));
  EXPECT_EQ(claim_name("data", "web", 2), "data-web-2");
}

TEST(StatefulSetLogic, OrderedReadyCreatesOneAtATimeAfterThePreviousIsReady) {
  EXPECT_EQ(creates(plan(set(3), {}, 0)), std::vector<int>{0});
  // web-0 exists but is not Running and Ready: nothing more.
  Step s = plan(set(3), {pending(0)}, 0);
  EXPECT_TRUE(s.create.empty());
  EXPECT_EQ(s.waiting, "waiting for web-0 to be Running and Ready");
  s = plan(set(3), {running(0, "r1", false)}, 0);
  EXPECT_TRUE(s.create.empty());
  EXPECT_EQ(creates(plan(set(3), {running(0)}, 0)), std::vector<int>{1});
  EXPECT_EQ(creates(plan(set(3), {running(0), running(1)}, 0)), std::vector<int>{2});
  // A hole below is filled first.
  EXPECT_EQ(creates(plan(set(3), {running(1)}, 0)), std::vector<int>{0});
  EXPECT_TRUE(plan(set(3), {running(0), running(1), running(2)}, 0).create.empty());
}

TEST(StatefulSetLogic, MinReadySecondsDelaysTheNext) {
  SetView s = set(2);
  s.min_ready_seconds = 10;
  PodView p = running(0);
  p.ready_since = 100;
  EXPECT_TRUE(plan(s, {p}, 105).create.empty());
  EXPECT_EQ(creates(plan(s, {p}, 110)), std::vector<int>{1});
}

TEST(StatefulSetLogic, ParallelCreatesEveryMissingPod) {
  SetView s = set(3);
  s.parallel = true;
  EXPECT_EQ(creates(plan(s, {}, 0)), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(creates(plan(s, {pending(1)}, 0)), (std::vector<int>{0, 2}));
}

TEST(StatefulSetLogic, ScaleDownRemovesTheHighestFirstOneAtATime) {
  Step s = plan(set(1), {running(0), running(1), running(2)}, 0);
  EXPECT_EQ(s.remove, std::vector<std::string>{"web-2"});
  // The next one waits for the previous to be gone.
  PodView dying = running(2);
  dying.deleting = true;
  s = plan(set(1), {running(0), running(1), dying}, 0);
  EXPECT_TRUE(s.remove.empty());
  EXPECT_EQ(s.waiting, "waiting for web-2 to terminate");
  // An unhealthy replica halts scale-down; an unhealthy condemned pod does not stop the one
  // above it (upstream checks the target's own health), and is itself removed when its turn comes.
  s = plan(set(1), {running(0, "r1", false), running(1), running(2)}, 0);
  EXPECT_TRUE(s.remove.empty()) << s.waiting;
  s = plan(set(1), {running(0), running(1, "r1", false), running(2)}, 0);
  EXPECT_EQ(s.remove, std::vector<std::string>{"web-2"});
  s = plan(set(1), {running(0), running(1, "r1", false)}, 0);
  EXPECT_EQ(s.remove, std::vector<std::string>{"web-1"});
  s = plan(set(1), {running(0), running(1), running(2, "r1", false)}, 0);
  EXPECT_EQ(s.remove, std::vector<std::string>{"web-2"});
  SetView p = set(0);
  p.parallel = true;
  EXPECT_EQ(plan(p, {running(0), running(1)}, 0).remove, (std::vector<std::string>{"web-1", "web-0"}));
}

TEST(StatefulSetLogic, FailedPodIsDeletedToBeRecreated) {
  PodView failed = running(0);
  failed.phase = "Failed";
  Step s = plan(set(2), {failed}, 0);
  EXPECT_EQ(s.remove, std::vector<std::string>{"web-0"});
  EXPECT_TRUE(s.create.empty());
}

TEST(StatefulSetLogic, RollingUpdateFromTheHighestOrdinalDownToThePartition) {
  SetView s = set(3);
  s.update_revision = "r2";
  std::vector<PodView> pods = {running(0), running(1), running(2)};
  EXPECT_EQ(plan(s, pods, 0).remove, std::vector<std::string>{"web-2"});
  pods[2] = pending(2, "r2");  // recreated at r2, not ready yet: wait
  EXPECT_TRUE(plan(s, pods, 0).remove.empty());
  pods[2] = running(2, "r2");
  EXPECT_EQ(plan(s, pods, 0).remove, std::vector<std::string>{"web-1"});
  s.partition = 2;  // ordinals below 2 stay at the current revision
  EXPECT_TRUE(plan(s, pods, 0).remove.empty());
  // A pod below the partition that is recreated gets the current revision.
  Step c = plan(s, {running(0), running(2, "r2")}, 0);
  ASSERT_EQ(c.create.size(), 1u);
  EXPECT_EQ(c.create[0].revision, "r1");
  s.on_delete = true;
  s.partition = 0;
  EXPECT_TRUE(plan(s, {running(0), running(1), running(2)}, 0).remove.empty());
}

TEST(StatefulSetLogic, StatusCountsAndCompletion) {
  SetView s = set(3);
  s.update_revision = "r2";
  std::vector<PodView> pods = {running(0), running(1, "r2"), pending(2, "r2")};
  Counts c = count(s, pods, 0);
  EXPECT_EQ(c, (Counts{3, 2, 2, 1, 2}));
  EXPECT_EQ(complete_rolling_update(s, c), (std::pair<std::string, int32_t>{"r1", 1}));
  pods = {running(0, "r2"), running(1, "r2"), running(2, "r2")};
  c = count(s, pods, 0);
  EXPECT_EQ(complete_rolling_update(s, c), (std::pair<std::string, int32_t>{"r2", 3}));
}

TEST(StatefulSetLogic, StartOrdinal) {
  SetView s = set(2);
  s.start = 5;
  EXPECT_EQ(creates(plan(s, {}, 0)), std::vector<int>{5});
  EXPECT_EQ(plan(s, {running(0), running(5), running(6)}, 0).remove, std::vector<std::string>{"web-0"});
}

}  // namespace
}  // namespace capstan::statefulset
