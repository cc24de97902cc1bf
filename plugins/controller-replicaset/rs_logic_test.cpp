#include "rs_logic.hpp"

#include <gtest/gtest.h>

using namespace capstan::replicaset;

TEST(ReplicaSetLogic, ReplicaDiff) {
  EXPECT_EQ(replica_diff(3, 0), 3);
  EXPECT_EQ(replica_diff(3, 3), 0);
  EXPECT_EQ(replica_diff(2, 5), -3);
  EXPECT_EQ(replica_diff(1000, 0), 500);
  EXPECT_EQ(replica_diff(0, 1000, 500), -500);
}

TEST(ReplicaSetLogic, ActiveAndAvailable) {
  PodInfo p;
  p.phase = "Running";
  EXPECT_TRUE(is_active(p));
  p.deleting = true;
  EXPECT_FALSE(is_active(p));
  p.deleting = false;
  p.phase = "Failed";
  EXPECT_FALSE(is_active(p));
  PodInfo r;
  r.ready = true;
  r.ready_since = 1000;
  EXPECT_TRUE(is_available(r, 0, 1000));
  EXPECT_FALSE(is_available(r, 10, 1005));
  EXPECT_EQ(seconds_until_available(r, 10, 1005), 5);
  EXPECT_TRUE(is_available(r, 10, 1010));
  r.ready = false;
  EXPECT_FALSE(is_available(r, 0, 1010));
}

TEST(ReplicaSetLogic, DeletionOrder) {
  PodInfo running_old{.name = "a", .created = 100, .node_name = "n1", .phase = "Running", .ready = true, .ready_since = 110};
  PodInfo running_new{.name = "b", .created = 200, .node_name = "n1", .phase = "Running", .ready = true, .ready_since = 210};
  PodInfo pending{.name = "c", .created = 50, .node_name = "n1", .phase = "Pending"};
  PodInfo unscheduled{.name = "d", .created = 10, .phase = "Pending"};
  PodInfo not_ready{.name = "e", .created = 20, .node_name = "n1", .phase = "Running"};
  auto v = pods_to_delete({running_old, running_new, pending, unscheduled, not_ready}, 5);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0].name, "d");
  EXPECT_EQ(v[1].name, "c");
  EXPECT_EQ(v[2].name, "e");
  EXPECT_EQ(v[3].name, "b");  // ready for less time
  EXPECT_EQ(v[4].name, "a");
  EXPECT_EQ(pods_to_delete({running_old, running_new}, 1)[0].name, "b");
  // Same readiness: newest first.
  PodInfo x{.name = "x", .created = 1, .phase = "Pending"}, y{.name = "y", .created = 2, .phase = "Pending"};
  EXPECT_EQ(pods_to_delete({x, y}, 1)[0].name, "y");
}

TEST(ReplicaSetLogic, CountsAndTime) {
  Labels tmpl{{"app", "web"}, {"tier", "fe"}};
  PodInfo a{.name = "a", .labels = {{"app", "web"}, {"tier", "fe"}}, .ready = true, .ready_since = 100};
  PodInfo b{.name = "b", .labels = {{"app", "web"}}, .ready = true, .ready_since = 195};
  PodInfo c{.name = "c", .labels = {{"app", "web"}, {"tier", "fe"}, {"x", "y"}}};
  auto counts = count_pods({a, b, c}, tmpl, 10, 200);
  EXPECT_EQ(counts.replicas, 3);
  EXPECT_EQ(counts.fully_labeled, 2);
  EXPECT_EQ(counts.ready, 2);
  EXPECT_EQ(counts.available, 1);
  EXPECT_EQ(counts.recheck_in, 5);
}
