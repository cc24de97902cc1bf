// LimitRanger: defaults and the min / max / ratio messages byte for byte as kube-apiserver's.
#include "limit_ranger.hpp"

#include <gtest/gtest.h>

namespace capstan::policy {
namespace {

Quantity q(const char* s) { return *Quantity::parse(s); }

LimitItem container_item() {
  LimitItem i;
  i.type = "Container";
  i.max = {{"cpu", q("1")}, {"memory", q("1Gi")}};
  i.min = {{"cpu", q("100m")}};
  default_limit_range_item(i);
  return i;
}

TEST(LimitRanger, ItemDefaultsFollowUpstream) {
  LimitItem i = container_item();
  EXPECT_EQ(i.default_limit.at("cpu").to_string(), "1");           // default <- max
  EXPECT_EQ(i.default_request.at("cpu").to_string(), "1");         // defaultRequest <- default
  EXPECT_EQ(i.default_request.at("memory").to_string(), "1Gi");
  LimitItem pod{"Pod", {{"cpu", q("2")}}, {}, {}, {}, {}};
  default_limit_range_item(pod);
  EXPECT_TRUE(pod.default_limit.empty());
}

TEST(LimitRanger, DefaultsMissingRequestsAndLimitsAndAnnotates) {
  LimitItem i{"Container", {}, {}, {{"cpu", q("500m")}, {"memory", q("256Mi")}}, {{"cpu", q("250m")}, {"memory", q("128Mi")}}, {}};
  PodResources pod;
  pod.containers.push_back({"web", {}, {{"memory", q("512Mi")}}});
  pod.init_containers.push_back({"init", {}, {}});
  const std::string a = apply_defaults(pod, {i});
  EXPECT_EQ(a, "LimitRanger plugin set: cpu request for container web; cpu limit for container web; "
               "cpu, memory request for init container init; cpu, memory limit for init container init");
  EXPECT_EQ(pod.containers[0].requests.at("memory").to_string(), "512Mi");  // request <- its own limit
  EXPECT_EQ(pod.containers[0].limits.at("cpu").to_string(), "500m");
  EXPECT_EQ(pod.containers[0].requests.at("cpu").to_string(), "250m");
  PodResources full;
  full.containers.push_back({"c", {{"cpu", q("1")}, {"memory", q("1")}}, {{"cpu", q("1")}, {"memory", q("1")}}});
  EXPECT_EQ(apply_defaults(full, {i}), "");
}

TEST(LimitRanger, MaxMinAndRatioMessages) {
  LimitItem i = container_item();
  PodResources pod;
  pod.containers.push_back({"c", {{"cpu", q("2")}}, {{"cpu", q("2")}, {"memory", q("64Mi")}}});
  EXPECT_EQ(aggregate(validate_pod(pod, {i})), "maximum cpu usage per Container is 1, but limit is 2");

  pod.containers[0] = {"c", {{"cpu", q("50m")}}, {{"cpu", q("500m")}, {"memory", q("64Mi")}}};
  EXPECT_EQ(aggregate(validate_pod(pod, {i})), "minimum cpu usage per Container is 100m, but request is 50m");

  pod.containers[0] = {"c", {}, {}};
  EXPECT_EQ(aggregate(validate_pod(pod, {i})),
            "[minimum cpu usage per Container is 100m.  No request is specified, "
            "maximum cpu usage per Container is 1.  No limit is specified, "
            "maximum memory usage per Container is 1Gi.  No limit is specified]");

  LimitItem ratio{"Container", {}, {}, {}, {}, {{"cpu", q("2")}}};
  pod.containers[0] = {"c", {{"cpu", q("100m")}}, {{"cpu", q("500m")}}};
  EXPECT_EQ(aggregate(validate_pod(pod, {ratio})),
            "cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000");
  pod.containers[0] = {"c", {}, {{"cpu", q("500m")}}};
  EXPECT_EQ(aggregate(validate_pod(pod, {ratio})),
            "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0");
}

TEST(LimitRanger, PodItemsCheckTheSumAndPvcItemsTheRequest) {
  LimitItem pod_item{"Pod", {{"memory", q("1Gi")}}, {}, {}, {}, {}};
  PodResources pod;
  pod.containers.push_back({"a", {{"memory", q("600Mi")}}, {{"memory", q("600Mi")}}});
  pod.containers.push_back({"b", {{"memory", q("600Mi")}}, {{"memory", q("600Mi")}}});
  EXPECT_EQ(aggregate(validate_pod(pod, {pod_item})), "maximum memory usage per Pod is 1Gi, but limit is 1200Mi");

  LimitItem pvc{"PersistentVolumeClaim", {{"storage", q("2Gi")}}, {{"storage", q("1Gi")}}, {}, {}, {}};
  EXPECT_EQ(aggregate(validate_pvc({{"storage", q("5Gi")}}, {pvc})),
            "maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi");
  EXPECT_EQ(aggregate(validate_pvc({{"storage", q("500Mi")}}, {pvc})),
            "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi");
  EXPECT_TRUE(validate_pvc({{"storage", q("1Gi")}}, {pvc}).empty());
}

}  // namespace
}  // namespace capstan::policy
