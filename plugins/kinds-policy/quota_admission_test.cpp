// Quota admission and the quota controller on the SDK's fake host: 64 concurrent pod creates
// against a quota of 10 pods admit exactly 10, the controller's recalculation counts charges still
// in flight, and a LimitRange defaults a pod through the hook.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_policy.capnp.h"
#include "capstan/policy_v1.capnp.h"
#include "capstan/testing/fake_host.hpp"
#include "capstan/testing/json_objects.hpp"
#include "policy_admission.hpp"
#include "policy_controllers.hpp"

namespace capstan::policy {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::json;

const sdk::Resource kPodsR{"", "v1", "pods"};

class QuotaAdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.add_kind({kResourceQuotasResource, "ResourceQuota", true, capnp::Schema::from<core::v1::ResourceQuota>(), true});
    fake_.add_kind({kLimitRangesResource, "LimitRange", true, capnp::Schema::from<core::v1::LimitRange>(), false});
    fake_.add_kind({kPodDisruptionBudgetsResource, "PodDisruptionBudget", true,
                    capnp::Schema::from<policy::v1::PodDisruptionBudget>(), true});
  }
  static json pod_json(const std::string& name, const char* cpu = "100m") {
    return {{"apiVersion", "v1"}, {"kind", "Pod"},
            {"metadata", {{"name", name}, {"namespace", "team"}}},
            {"spec", {{"containers", {{{"name", "c"}, {"image", "x"}, {"resources", {{"requests", {{"cpu", cpu}}}, {"limits", {{"cpu", cpu}}}}}}}}}}};
  }
  sdk::AdmissionRequest create_request(const json& pod) {
    sdk::AdmissionRequest req;
    req.operation = sdk::AdmissionRequest::Operation::kCreate;
    req.resource = kPodsR;
    req.kind = "Pod";
    req.object = sdk::testing::object_from_json<core::v1::Pod>(pod);
    return req;
  }
  FakeHost fake_;
  sdk::Client client_{fake_.host()};
  QuotaLedger ledger_;
};

TEST_F(QuotaAdmissionTest, SixtyFourConcurrentCreatesNeverOverAdmit) {
  fake_.put(kResourceQuotasResource, {{"metadata", {{"name", "pods"}, {"namespace", "team"}}},
                                      {"spec", {{"hard", {{"pods", "10"}, {"requests.cpu", "100"}}}}},
                                      {"status", {{"hard", {{"pods", "10"}, {"requests.cpu", "100"}}},
                                                  {"used", {{"pods", "0"}, {"requests.cpu", "0"}}}}}});
  PolicyAdmission admission(client_, ledger_, nullptr);
  std::atomic<int> admitted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 64; ++i)
    threads.emplace_back([&, i] {
      auto res = admission.resource_quota(create_request(pod_json("p" + std::to_string(i))));
      if (res.allowed) {
        ++admitted;
        fake_.put(kPodsR, pod_json("p" + std::to_string(i)));  // the write admission let through
      } else {
        ++refused;
        EXPECT_EQ(res.code, 403);
        EXPECT_NE(res.message.find("is forbidden: exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10"),
                  std::string::npos)
            << res.message;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 10);
  EXPECT_EQ(refused.load(), 54);
  auto q = fake_.get(kResourceQuotasResource, "team", "pods");
  EXPECT_EQ(FakeHost::at(*q, "status.used.pods"), "10");
  EXPECT_EQ((*q)["status"]["used"]["requests.cpu"], "1");  // 10 x 100m
}

TEST_F(QuotaAdmissionTest, MustSpecifyAndStatusUnknown) {
  fake_.put(kResourceQuotasResource, {{"metadata", {{"name", "compute"}, {"namespace", "team"}}},
                                      {"spec", {{"hard", {{"limits.memory", "1Gi"}}}}}});
  PolicyAdmission admission(client_, ledger_, nullptr);
  // Before the controller's first status, status.hard is empty and, as upstream, nothing is enforced.
  EXPECT_TRUE(admission.resource_quota(create_request(pod_json("early"))).allowed);
  fake_.patch(kResourceQuotasResource, "team", "compute", {{"status", {{"hard", {{"limits.memory", "1Gi"}}}}}});
  auto res = admission.resource_quota(create_request(pod_json("a")));
  EXPECT_FALSE(res.allowed);
  EXPECT_EQ(res.message, "pods \"a\" is forbidden: failed quota: compute: must specify limits.memory for: c");
  json p = pod_json("b");
  p["spec"]["containers"][0]["resources"]["limits"]["memory"] = "64Mi";
  res = admission.resource_quota(create_request(p));
  EXPECT_EQ(res.message, "pods \"b\" is forbidden: status unknown for quota: compute");
}

TEST_F(QuotaAdmissionTest, ControllerKeepsUsedAndCountsInFlightCharges) {
  fake_.put(kPodsR, pod_json("old", "250m"));
  fake_.put(kResourceQuotasResource, {{"metadata", {{"name", "q"}, {"namespace", "team"}}},
                                      {"spec", {{"hard", {{"pods", "3"}, {"requests.cpu", "1"}}}}}});
  PolicyControllers controllers(fake_.host(), client_, ledger_);
  controllers.start();
  ASSERT_TRUE(FakeHost::eventually([&] {
    auto q = fake_.get(kResourceQuotasResource, "team", "q");
    return q && FakeHost::at(*q, "status.used.pods") == "1";
  }));
  EXPECT_EQ(FakeHost::at(*fake_.get(kResourceQuotasResource, "team", "q"), "status.hard.pods"), "3");
  PolicyAdmission admission(client_, ledger_, &controllers.quotas());
  ASSERT_TRUE(FakeHost::eventually([&] { return !controllers.quotas().list("team").empty(); }));
  ASSERT_TRUE(admission.resource_quota(create_request(pod_json("new", "500m"))).allowed);
  // The pod is not stored yet: a recalculation now must still count it.
  auto r = controllers.sync_quota("team/q");
  EXPECT_TRUE(r.error.empty()) << r.error;
  auto q = fake_.get(kResourceQuotasResource, "team", "q");
  EXPECT_EQ(FakeHost::at(*q, "status.used.pods"), "2");
  // Over the cpu: 250m + 500m + 500m > 1.
  auto res = admission.resource_quota(create_request(pod_json("third", "500m")));
  EXPECT_FALSE(res.allowed);
  EXPECT_EQ(res.message, "pods \"third\" is forbidden: exceeded quota: q, requested: requests.cpu=500m, used: "
                         "requests.cpu=750m, limited: requests.cpu=1");
  controllers.stop();
}

TEST_F(QuotaAdmissionTest, LimitRangeDefaultsAndRefuses) {
  fake_.put(kLimitRangesResource, {{"metadata", {{"name", "lr"}, {"namespace", "team"}}},
                                   {"spec", {{"limits", {{{"type", "Container"}, {"max", {{"cpu", "1"}}},
                                                          {"default", {{"cpu", "500m"}}}, {"defaultRequest", {{"cpu", "200m"}}}}}}}}});
  PolicyAdmission admission(client_, ledger_, nullptr);
  json bare = {{"metadata", {{"name", "bare"}, {"namespace", "team"}}}, {"spec", {{"containers", {{{"name", "c"}, {"image", "x"}}}}}}};
  auto res = admission.limit_ranger(create_request(bare));
  ASSERT_TRUE(res.allowed);
  ASSERT_FALSE(res.mutated.empty());
  json out = sdk::testing::json_of<core::v1::Pod>(res.mutated);
  EXPECT_EQ(out["spec"]["containers"][0]["resources"]["limits"]["cpu"], "500m");
  EXPECT_EQ(out["spec"]["containers"][0]["resources"]["requests"]["cpu"], "200m");
  EXPECT_EQ(out["metadata"]["annotations"]["kubernetes.io/limit-ranger"],
            "LimitRanger plugin set: cpu request for container c; cpu limit for container c");
  res = admission.limit_ranger(create_request(pod_json("big", "2")));
  EXPECT_FALSE(res.allowed);
  EXPECT_EQ(res.code, 403);
  EXPECT_EQ(res.message, "pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2");
}

}  // namespace
}  // namespace capstan::policy

namespace capstan::policy {
namespace {

TEST(QuotaLedger, ChargesLeaveWhenSeenObservedOrExpired) {
  QuotaLedger ledger(std::chrono::milliseconds(200));
  const ResourceList one = {{"pods", *Quantity::parse("1")}};
  ledger.record("ns", "q", "pods/a", one);
  ledger.record("ns", "q", "pods/b", one);
  ledger.record("ns", "other", "pods/c", one);
  EXPECT_EQ(pretty(ledger.pending("ns", "q", {})), "pods=2");
  EXPECT_EQ(pretty(ledger.pending("ns", "q", {"pods/a"})), "pods=1");  // a is listed now: forgotten
  EXPECT_EQ(pretty(ledger.pending("ns", "q", {})), "pods=1");
  ledger.observe("ns", "pods/b");
  EXPECT_EQ(pretty(ledger.pending("ns", "q", {})), "");
  EXPECT_EQ(pretty(ledger.pending("ns", "other", {})), "pods=1");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(pretty(ledger.pending("ns", "other", {})), "");  // its write failed: released
}

}  // namespace
}  // namespace capstan::policy
