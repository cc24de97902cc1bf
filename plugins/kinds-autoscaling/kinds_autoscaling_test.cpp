// HorizontalPodAutoscaler admission and columns, with objects decoded from their JSON as the API
// would decode them.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include <nlohmann/json.hpp>

#include "capstan/autoscaling_v2.capnp.h"
#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/testing/json_objects.hpp"
#include "hpa_kind.hpp"

namespace capstan::autoscaling_kinds {
namespace {

using nlohmann::json;
using autoscaling::v2::HorizontalPodAutoscaler;
using Op = sdk::AdmissionRequest::Operation;

sdk::ObjectPtr object(const json& j) { return sdk::testing::object_from_json<HorizontalPodAutoscaler>(j); }

json to_json(const std::string& bytes) { return sdk::testing::json_of<HorizontalPodAutoscaler>(bytes); }

sdk::AdmissionResult admit(const json& j) {
  sdk::AdmissionRequest req;
  req.operation = Op::kCreate;
  req.kind = "HorizontalPodAutoscaler";
  req.object = object(j);
  return admit_hpa(req);
}

json hpa(json spec) {
  return {{"apiVersion", "autoscaling/v2"}, {"kind", "HorizontalPodAutoscaler"},
          {"metadata", {{"name", "web"}, {"namespace", "default"}}}, {"spec", std::move(spec)}};
}

const json kRef = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}};

std::string causes(const sdk::AdmissionResult& r) {
  std::string out;
  for (const auto& c : r.causes) out += c.field + ": " + c.message + "\n";
  return out;
}

TEST(Hpa, Defaults) {
  auto r = admit(hpa({{"scaleTargetRef", kRef}, {"maxReplicas", 5}}));
  ASSERT_TRUE(r.allowed) << causes(r);
  json out = to_json(r.mutated);
  EXPECT_EQ(out["spec"]["minReplicas"], 1);
  EXPECT_EQ(out["spec"]["metrics"][0]["type"], "Resource");
  EXPECT_EQ(out["spec"]["metrics"][0]["resource"]["name"], "cpu");
  EXPECT_EQ(out["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 80);
  EXPECT_FALSE(out["spec"].contains("behavior"));  // only a given behavior is filled in

  r = admit(hpa({{"scaleTargetRef", kRef}, {"maxReplicas", 5}, {"behavior", {{"scaleDown", {{"selectPolicy", "Min"}}}}}}));
  ASSERT_TRUE(r.allowed) << causes(r);
  out = to_json(r.mutated);
  EXPECT_EQ(out["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"], 300);
  EXPECT_EQ(out["spec"]["behavior"]["scaleDown"]["selectPolicy"], "Min");
  EXPECT_EQ(out["spec"]["behavior"]["scaleUp"]["policies"].size(), 2u);
  EXPECT_EQ(out["spec"]["behavior"]["scaleUp"]["stabilizationWindowSeconds"], 0);
}

TEST(Hpa, Validation) {
  auto r = admit(hpa({{"scaleTargetRef", {{"name", "web"}}}, {"minReplicas", 3}, {"maxReplicas", 2},
                      {"metrics", {{{"type", "Resource"}, {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}}}}}},
                                   {{"type", "Bogus"}}}}}));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r),
            "spec.scaleTargetRef.kind: Required value\n"
            "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`\n"
            "spec.metrics[0].resource.target.averageUtilization: Required value: must populate target.averageUtilization when "
            "target.type is Utilization\n"
            "spec.metrics[1].type: Unsupported value: \"Bogus\": supported values: \"ContainerResource\", \"External\", "
            "\"Object\", \"Pods\", \"Resource\"\n");
  r = admit(hpa({{"scaleTargetRef", kRef}, {"minReplicas", 0}, {"maxReplicas", 0}}));
  ASSERT_FALSE(r.allowed);
  EXPECT_NE(causes(r).find("spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"), std::string::npos);
  EXPECT_NE(causes(r).find("spec.maxReplicas: Invalid value: 0: must be greater than 0"), std::string::npos);
}

TEST(Hpa, Columns) {
  json h = hpa({{"scaleTargetRef", kRef}, {"minReplicas", 1}, {"maxReplicas", 3},
                {"metrics", {{{"type", "Resource"}, {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", 50}}}}}}}}});
  EXPECT_EQ(print_hpa(object(h)), (std::vector<std::string>{"Deployment/web", "cpu: <unknown>/50%", "1", "3", "0"}));
  h["status"] = {{"currentReplicas", 2},
                 {"currentMetrics", {{{"type", "Resource"}, {"resource", {{"name", "cpu"}, {"current", {{"averageUtilization", 45}, {"averageValue", "45m"}}}}}}}}};
  EXPECT_EQ(print_hpa(object(h)), (std::vector<std::string>{"Deployment/web", "cpu: 45%/50%", "1", "3", "2"}));
  json mem = {{"type", "Resource"}, {"resource", {{"name", "memory"}, {"target", {{"type", "AverageValue"}, {"averageValue", "100Mi"}}}}}};
  h["spec"]["metrics"].push_back(mem);
  h["spec"]["metrics"].push_back(mem);
  EXPECT_EQ(print_hpa(object(h))[1], "cpu: 45%/50%, memory: <unknown>/100Mi + 1 more...");
}

}  // namespace
}  // namespace capstan::autoscaling_kinds
