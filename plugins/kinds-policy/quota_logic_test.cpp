// Quota evaluators and the admission check: usage, scopes, constraints and messages.
#include "quota_logic.hpp"

#include <gtest/gtest.h>

namespace capstan::policy {
namespace {

Quantity q(const char* s) { return *Quantity::parse(s); }

PodFacts pod(const char* cpu_req, const char* cpu_lim) {
  PodFacts p;
  ContainerResources c{"c", {}, {}};
  if (cpu_req) c.requests["cpu"] = q(cpu_req);
  if (cpu_lim) c.limits["cpu"] = q(cpu_lim);
  p.resources.containers.push_back(c);
  p.phase = "Pending";
  return p;
}

TEST(QuotaLogic, PodUsage) {
  auto u = pod_usage(pod("500m", "1"));
  EXPECT_EQ(pretty(u), "count/pods=1,cpu=500m,limits.cpu=1,pods=1,requests.cpu=500m");
  PodFacts done = pod("500m", "1");
  done.phase = "Succeeded";
  EXPECT_EQ(pretty(pod_usage(done)), "count/pods=1");
}

TEST(QuotaLogic, ScopesSelectPods) {
  QuotaFacts best{"q", {}, {}, {}, {{"BestEffort", "Exists", {}}}};
  PodFacts be = pod(nullptr, nullptr);
  EXPECT_TRUE(quota_matches(best, &be));
  PodFacts burst = pod("1", nullptr);
  EXPECT_FALSE(quota_matches(best, &burst));
  EXPECT_FALSE(quota_matches(best, nullptr));  // scoped quotas track pods only
  QuotaFacts term{"q", {}, {}, {}, {{"Terminating", "Exists", {}}}};
  burst.active_deadline = true;
  EXPECT_TRUE(quota_matches(term, &burst));
  QuotaFacts not_term{"q", {}, {}, {}, {{"NotTerminating", "Exists", {}}}};
  EXPECT_FALSE(quota_matches(not_term, &burst));
}

TEST(QuotaLogic, ExceededMessage) {
  QuotaFacts f{"mem-cpu-demo", {}, {{"requests.cpu", q("1")}, {"limits.cpu", q("2")}},
               {{"requests.cpu", q("500m")}, {"limits.cpu", q("1")}}, {}};
  std::string error;
  auto used = charge(f, pod_usage(pod("900m", "1")), error);
  EXPECT_FALSE(used);
  EXPECT_EQ(error, "exceeded quota: mem-cpu-demo, requested: requests.cpu=900m, used: requests.cpu=500m, limited: requests.cpu=1");
  used = charge(f, pod_usage(pod("500m", "1")), error);
  ASSERT_TRUE(used);
  EXPECT_EQ(pretty(*used), "limits.cpu=2,requests.cpu=1");
}

TEST(QuotaLogic, MustSpecify) {
  PodResources p;
  p.containers.push_back({"b", {}, {}});
  p.containers.push_back({"a", {{"cpu", q("1")}}, {}});
  EXPECT_EQ(pod_constraints({"limits.cpu", "requests.cpu", "pods"}, p), "must specify limits.cpu for: a,b; requests.cpu for: b");
  EXPECT_EQ(pod_constraints({"pods"}, p), "");
}

TEST(QuotaLogic, ObjectCounts) {
  EXPECT_EQ(pretty(object_count_usage("", "configmaps")), "configmaps=1,count/configmaps=1");
  EXPECT_EQ(pretty(object_count_usage("apps", "deployments")), "count/deployments.apps=1");
  EXPECT_TRUE(tracks("apps", "deployments", "count/deployments.apps"));
  EXPECT_FALSE(tracks("apps", "deployments", "pods"));
  EXPECT_TRUE(tracks("", "pods", "requests.memory"));
  EXPECT_EQ(pretty(claim_usage({{"storage", q("1Gi")}}, "fast")),
            "fast.storageclass.storage.k8s.io/persistentvolumeclaims=1,fast.storageclass.storage.k8s.io/requests.storage=1Gi,"
            "requests.storage=1Gi");
}

}  // namespace
}  // namespace capstan::policy
