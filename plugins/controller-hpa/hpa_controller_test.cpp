// The HPA controller on the SDK's fake host: scaling a Deployment up from its pods' PodMetrics,
// the status (currentMetrics, conditions) and Events, and the conditions when metrics are missing.
#include "hpa_controller.hpp"

#include <gtest/gtest.h>

#include "capstan/machinery/resources.hpp"
#include "capstan/metrics_v1beta1.capnp.h"
#include "capstan/testing/fake_host.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::hpa {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::json;
using machinery::kHorizontalPodAutoscalers;
using machinery::kPods;
using machinery::kPodMetrics;
using machinery::kDeployments;
using machinery::kEvents;

class HpaControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.add_kind({kHorizontalPodAutoscalers, "HorizontalPodAutoscaler", true, capnp::Schema::from<autoscaling::v2::HorizontalPodAutoscaler>(), true});
    fake_.add_kind({kPodMetrics, "PodMetrics", true, capnp::Schema::from<metrics::v1beta1::PodMetrics>(), false});
    // The kernel serves deployments/scale; the fake applies the replica count itself.
    fake_.set_reactor([this](const sdk::testing::FakeCall& call) -> std::optional<sdk::Status> {
      if (call.verb != "patch" || call.subresource != "scale") return std::nullopt;
      fake_.patch(kDeployments, call.ns, call.name, call.object);
      return sdk::Status{};
    });
    fake_.put(kDeployments, {{"metadata", {{"name", "web"}, {"namespace", "default"}}},
                             {"spec", {{"replicas", 2}, {"selector", {{"matchLabels", {{"app", "web"}}}}},
                                       {"template", {{"metadata", {{"labels", {{"app", "web"}}}}},
                                                     {"spec", {{"containers", {{{"name", "c"}, {"image", "x"}}}}}}}}}}});
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }
  void start() {
    // One sync per test: the next (after 60 s) would see the new count and say ReadyForNewScale.
    controller_ = std::make_unique<HpaController>(fake_.host(), HpaController::Options{std::chrono::seconds(60)});
    controller_->start();
  }
  void pod(const std::string& name, const std::string& cpu_usage) {
    const std::string t = machinery::format_rfc3339(machinery::now_seconds() - 600);
    fake_.put(kPods, {{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "web"}}}}},
                      {"spec", {{"containers", {{{"name", "c"}, {"image", "x"}, {"resources", {{"requests", {{"cpu", "100m"}}}}}}}}}},
                      {"status", {{"phase", "Running"}, {"startTime", t},
                                  {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", t}}}}}}});
    if (!cpu_usage.empty())
      fake_.put(kPodMetrics, {{"metadata", {{"name", name}, {"namespace", "default"}}},
                              {"timestamp", machinery::format_rfc3339(machinery::now_seconds())}, {"window", "15s"},
                              {"containers", {{{"name", "c"}, {"usage", {{"cpu", cpu_usage}, {"memory", "1Mi"}}}}}}});
  }
  void hpa() {
    fake_.put(kHorizontalPodAutoscalers, {{"metadata", {{"name", "web"}, {"namespace", "default"}}},
                      {"spec", {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}}},
                                {"minReplicas", 1}, {"maxReplicas", 10},
                                {"metrics", {{{"type", "Resource"}, {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", 50}}}}}}}}}}});
  }
  json status(const std::string& path) { return FakeHost::at(*fake_.get(kHorizontalPodAutoscalers, "default", "web"), "status." + path); }
  std::string condition(const std::string& type) {
    for (auto& c : status("conditions"))
      if (c["type"] == type) return c["status"].get<std::string>() + "/" + c["reason"].get<std::string>();
    return "";
  }
  FakeHost fake_;
  std::unique_ptr<HpaController> controller_;
};

TEST_F(HpaControllerTest, ScalesUpFromPodMetrics) {
  pod("web-1", "90m");
  pod("web-2", "90m");
  hpa();
  start();
  ASSERT_TRUE(FakeHost::eventually([&] {
    return FakeHost::at(*fake_.get(kDeployments, "default", "web"), "spec.replicas") == 4;
  }));
  ASSERT_TRUE(FakeHost::eventually([&] { return status("desiredReplicas") == 4; }));
  EXPECT_EQ(status("currentMetrics")[0]["resource"]["current"]["averageUtilization"], 90);
  EXPECT_EQ(status("currentMetrics")[0]["resource"]["current"]["averageValue"], "90m");
  EXPECT_FALSE(status("lastScaleTime").is_null());
  EXPECT_EQ(condition("AbleToScale"), "True/SucceededRescale");
  EXPECT_EQ(condition("ScalingActive"), "True/ValidMetricFound");
  // Events are written in the background.
  EXPECT_TRUE(FakeHost::eventually([&] {
    for (auto& e : fake_.list(kEvents, "default"))
      if (e["reason"] == "SuccessfulRescale" &&
          e["message"] == "New size: 4; reason: cpu resource utilization (percentage of request) above target")
        return true;
    return false;
  }));
}

TEST_F(HpaControllerTest, NoMetricsIsReportedNotActedOn) {
  pod("web-1", "");
  pod("web-2", "");
  hpa();
  start();
  ASSERT_TRUE(FakeHost::eventually([&] { return condition("ScalingActive") == "False/FailedGetResourceMetric"; }));
  EXPECT_EQ(FakeHost::at(*fake_.get(kDeployments, "default", "web"), "spec.replicas"), 2);
  EXPECT_EQ(status("currentReplicas"), 2);
  EXPECT_TRUE(FakeHost::eventually([&] {
    for (auto& e : fake_.list(kEvents, "default"))
      if (e["reason"] == "FailedComputeMetricsReplicas" &&
          e["message"].get<std::string>().find("invalid metrics (1 invalid out of 1)") == 0)
        return true;
    return false;
  }));
}

}  // namespace
}  // namespace capstan::hpa
