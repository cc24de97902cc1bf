#include "api/scale_subresource.hpp"

#include <gtest/gtest.h>

namespace capstan::api {
namespace {

using nlohmann::json;

schema::Kind scalable() {
  schema::Kind k;
  k.kind = "Deployment";
  k.group = "apps";
  k.scale = schema::ScalePaths{".spec.replicas", ".status.replicas", ".spec.selector"};
  return k;
}

TEST(ScaleSubresource, ViewsReplicasAndSelector) {
  auto k = scalable();
  json obj = json::parse(R"({"metadata":{"name":"web","namespace":"default","uid":"u1","resourceVersion":"7",
    "labels":{"x":"y"}},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},
    "matchExpressions":[{"key":"tier","operator":"In","values":["fe","be"]}]}},"status":{"replicas":2}})");
  json s = scale_of(k, obj);
  EXPECT_EQ(s["kind"], "Scale");
  EXPECT_EQ(s["apiVersion"], "autoscaling/v1");
  EXPECT_EQ(s["metadata"]["name"], "web");
  EXPECT_EQ(s["metadata"]["resourceVersion"], "7");
  EXPECT_FALSE(s["metadata"].contains("labels"));
  EXPECT_EQ(s["spec"]["replicas"], 3);
  EXPECT_EQ(s["status"]["replicas"], 2);
  EXPECT_EQ(s["status"]["selector"], "app=web,tier in (be,fe)");
}

TEST(ScaleSubresource, AbsentFieldsAreZeroAndNoSelector) {
  auto k = scalable();
  json s = scale_of(k, json::parse(R"({"metadata":{"name":"web"},"spec":{}})"));
  EXPECT_EQ(s["spec"]["replicas"], 0);
  EXPECT_EQ(s["status"]["replicas"], 0);
  EXPECT_FALSE(s["status"].contains("selector"));
}

TEST(ScaleSubresource, SelectorMayBeAString) {
  schema::Kind k = scalable();
  k.scale->label_selector = ".status.selector";
  json s = scale_of(k, json::parse(R"({"metadata":{"name":"c"},"status":{"selector":"app=c"}})"));
  EXPECT_EQ(s["status"]["selector"], "app=c");
}

}  // namespace
}  // namespace capstan::api
