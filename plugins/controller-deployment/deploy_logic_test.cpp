#include "deploy_logic.hpp"

#include <gtest/gtest.h>

using namespace capstan::deployment;

static IntOrStr pct(const char* s) { return {true, 0, s}; }
static IntOrStr num(int i) { return {false, i, ""}; }

TEST(DeploymentLogic, ScaledValues) {
  EXPECT_EQ(scaled_value(pct("25%"), 10, true), 3);
  EXPECT_EQ(scaled_value(pct("25%"), 10, false), 2);
  EXPECT_EQ(scaled_value(num(4), 10, true), 4);
  EXPECT_EQ(scaled_value(pct("x%"), 10, true), -1);
}

TEST(DeploymentLogic, Fenceposts) {
  EXPECT_EQ(resolve_fenceposts(pct("25%"), pct("25%"), 3), std::make_pair(1, 0));
  EXPECT_EQ(resolve_fenceposts(pct("25%"), pct("25%"), 4), std::make_pair(1, 1));
  EXPECT_EQ(resolve_fenceposts(pct("25%"), pct("25%"), 10), std::make_pair(3, 2));
  EXPECT_EQ(resolve_fenceposts(num(0), num(0), 5), std::make_pair(0, 1));  // both 0: unavailable 1
  EXPECT_EQ(resolve_fenceposts(num(0), pct("10%"), 5), std::make_pair(0, 1));
}

TEST(DeploymentLogic, HashStable) {
  std::string a = "template-bytes", b = "template-bytes2";
  EXPECT_EQ(template_hash(a), template_hash(a));
  EXPECT_NE(template_hash(a), template_hash(b));
  EXPECT_EQ(fnv32a("", 0), 2166136261u);
  EXPECT_EQ(fnv32a("a", 1), 0xe40c292cu);  // FNV-1a test vector
  EXPECT_EQ(safe_encode("0123456789"), "456789bcdf");  // (48..57) % 27
  for (char ch : template_hash(a)) EXPECT_NE(std::string("bcdfghjklmnpqrstvwxz2456789").find(ch), std::string::npos);
}

TEST(DeploymentLogic, Revisions) {
  EXPECT_EQ(next_revision({}), 1);
  std::vector<RsInfo> olds{{.name = "a", .revision = 1}, {.name = "b", .revision = 3}, {.name = "c", .revision = 2}};
  EXPECT_EQ(next_revision(olds), 4);
}

TEST(DeploymentLogic, NewReplicaSetScaling) {
  // 3 desired, surge 1: fresh rollout from an old RS of 3 -> new gets 1.
  EXPECT_EQ(new_rs_new_replicas(3, 1, 3, 0), 1);
  EXPECT_EQ(new_rs_new_replicas(3, 1, 4, 1), 1);  // at max total
  EXPECT_EQ(new_rs_new_replicas(3, 1, 3, 1), 2);
  EXPECT_EQ(new_rs_new_replicas(5, 1, 3, 3), 5);  // scale-up with no old pods: straight to desired
  EXPECT_EQ(new_rs_new_replicas(2, 1, 5, 5), 2);  // scale-down
  EXPECT_EQ(new_rs_new_replicas(3, 0, 3, 0), 0);  // no surge: wait for old scale-down
}

TEST(DeploymentLogic, OldReplicaSetScaleDown) {
  // desired 3, maxUnavailable 0; old 3 available; new 1 not yet available: nothing to scale down.
  RsInfo new_rs{.name = "new", .spec_replicas = 1, .available = 0};
  std::vector<RsInfo> olds{{.name = "old", .spec_replicas = 3, .status_replicas = 3, .available = 3}};
  EXPECT_EQ(old_rs_replicas(olds, &new_rs, 3, 0), std::vector<int>{3});
  // New pod available: one old can go.
  new_rs.available = 1;
  EXPECT_EQ(old_rs_replicas(olds, &new_rs, 3, 0), std::vector<int>{2});
  // Unhealthy old replicas are removed first, even without new availability.
  new_rs.available = 0;
  std::vector<RsInfo> sick{{.name = "old", .spec_replicas = 3, .status_replicas = 3, .available = 1}};
  // all 4, minAvailable 2, new unavailable 1: at most 1 may go, and it is an unhealthy one.
  EXPECT_EQ(old_rs_replicas(sick, &new_rs, 3, 1), std::vector<int>{2});
  // maxUnavailable 1, no surge, all old available: one goes at once.
  RsInfo empty_new{.name = "new"};
  EXPECT_EQ(old_rs_replicas(olds, &empty_new, 3, 1), std::vector<int>{2});
  // Nothing old: nothing changes.
  std::vector<RsInfo> none{{.name = "old"}};
  EXPECT_EQ(old_rs_replicas(none, &new_rs, 3, 1), std::vector<int>{0});
}

TEST(DeploymentLogic, HistoryPruning) {
  std::vector<RsInfo> olds{{.name = "r1", .revision = 1, .created = 1},
                           {.name = "r2", .revision = 2, .created = 2},
                           {.name = "r3", .spec_replicas = 1, .status_replicas = 1, .revision = 3, .created = 3},
                           {.name = "r4", .revision = 4, .created = 4}};
  EXPECT_TRUE(history_to_prune(olds, 10).empty());
  EXPECT_EQ(history_to_prune(olds, 2), (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(history_to_prune(olds, 1), (std::vector<std::string>{"r1", "r2"}));  // r3 still has replicas
  EXPECT_EQ(history_to_prune(olds, 0), (std::vector<std::string>{"r1", "r2", "r4"}));
}

TEST(DeploymentLogic, CountsAndCompletion) {
  RsInfo n{.name = "n", .spec_replicas = 3, .status_replicas = 3, .ready = 3, .available = 3};
  RsInfo o{.name = "o", .spec_replicas = 0, .status_replicas = 1, .ready = 1, .available = 1};
  auto c = deployment_counts({o, n}, &n, 3);
  EXPECT_EQ(c.replicas, 4);
  EXPECT_EQ(c.updated, 3);
  EXPECT_EQ(c.available, 4);
  EXPECT_EQ(c.unavailable, 0);
  EXPECT_FALSE(deployment_complete(c, 3));  // an old pod still exists
  c = deployment_counts({n}, &n, 3);
  EXPECT_TRUE(deployment_complete(c, 3));
}
