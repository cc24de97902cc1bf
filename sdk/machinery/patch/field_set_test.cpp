#include "capstan/machinery/patch/field_set.hpp"

#include <gtest/gtest.h>

namespace capstan::patch {
namespace {

TEST(FieldSet, RoundTripsUpstreamEncoding) {
  json v1 = json::parse(
      R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}}}})");
  FieldSet s = FieldSet::from_fields_v1(v1);
  EXPECT_EQ(s.to_fields_v1(), v1);
  EXPECT_TRUE(s.children.at("f:metadata").children.at("f:labels").member);
  EXPECT_FALSE(s.children.at("f:metadata").member);
}

TEST(FieldSet, SubtractIntersectUnite) {
  FieldSet a = FieldSet::from_fields_v1(json::parse(R"({"f:spec":{"f:replicas":{},"f:paused":{}}})"));
  FieldSet b = FieldSet::from_fields_v1(json::parse(R"({"f:spec":{"f:replicas":{}},"f:data":{}})"));
  EXPECT_EQ(a.intersect(b).to_fields_v1(), json::parse(R"({"f:spec":{"f:replicas":{}}})"));
  FieldSet c = a;
  c.subtract(b);
  EXPECT_EQ(c.to_fields_v1(), json::parse(R"({"f:spec":{"f:paused":{}}})"));
  c.subtract(a);
  EXPECT_TRUE(c.empty());
  a.unite(b);
  EXPECT_EQ(a.to_fields_v1(), json::parse(R"({"f:data":{},"f:spec":{"f:paused":{},"f:replicas":{}}})"));
}

TEST(FieldSet, PathStrings) {
  EXPECT_EQ(field_path_string({"f:spec", "f:replicas"}), ".spec.replicas");
  EXPECT_EQ(field_path_string({"f:spec", "f:ports", R"(k:{"port":80,"protocol":"TCP"})", "f:name"}),
            R"(.spec.ports[port=80,protocol="TCP"].name)");
  EXPECT_EQ(field_path_string({"f:metadata", "f:finalizers", R"(v:"a")"}), R"(.metadata.finalizers[="a"])");
}

TEST(FieldSet, MalformedFieldsV1Is400) {
  try {
    FieldSet::from_fields_v1(json::parse(R"({"f:a":1})"));
    FAIL();
  } catch (const PatchError& e) {
    EXPECT_EQ(e.code, 400);
  }
}

}  // namespace
}  // namespace capstan::patch
