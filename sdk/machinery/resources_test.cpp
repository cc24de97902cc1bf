#include "capstan/machinery/resources.hpp"

#include <gtest/gtest.h>

namespace capstan::machinery {
namespace {

// The shape of sdk::Resource (the SDK is a layer above this library).
struct Resource {
  std::string group, version, resource;
};

std::string describe(const Resource& r) { return r.group + "/" + r.version + "/" + r.resource; }

// Usable where a constant expression is required: no object is constructed at load time.
static_assert(kPods.resource == "pods" && kPods.group.empty());
static_assert(kLeases == GroupVersionResource{"coordination.k8s.io", "v1", "leases"});

TEST(Resources, ConvertToTheSdkShape) {
  EXPECT_EQ(describe(kEndpointSlices), "discovery.k8s.io/v1/endpointslices");
  Resource r = kPodMetrics;
  EXPECT_EQ(describe(r), "metrics.k8s.io/v1beta1/pods");
  EXPECT_NE(kPodMetrics, kPods);  // same plural, another group
}

}  // namespace
}  // namespace capstan::machinery
