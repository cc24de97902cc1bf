#include "capstan/machinery/codec/normal_form.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/codec/json_codec.hpp"

namespace capstan::schema {
namespace {

TEST(NormalForm, MapEntriesSortedAndLastDuplicateKept) {
  SchemaModel model;
  capnp::MallocMessageBuilder m;
  auto cm = m.initRoot<core::v1::ConfigMap>();
  auto data = cm.initData(4);
  const char* entries[][2] = {{"b", "2"}, {"a", "1"}, {"c", "old"}, {"c", "new"}};
  for (unsigned i = 0; i < 4; ++i) {
    data[i].setKey(entries[i][0]);
    data[i].setValue(entries[i][1]);
  }
  auto labels = cm.initMetadata().initLabels(2);
  labels[0].setKey("z");
  labels[1].setKey("y");
  capnp::DynamicStruct::Builder root = cm;
  EXPECT_TRUE(normalize(model, root));
  auto out = cm.asReader().getData();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(std::string(out[0].getKey().cStr()), "a");
  EXPECT_EQ(std::string(out[1].getKey().cStr()), "b");
  EXPECT_EQ(std::string(out[2].getKey().cStr()), "c");
  EXPECT_EQ(std::string(out[2].getValue().cStr()), "new");
  EXPECT_EQ(std::string(cm.asReader().getMetadata().getLabels()[0].getKey().cStr()), "y");
  // Now normal: nothing to do, and the JSON decoder's output is normal already.
  EXPECT_FALSE(normalize(model, root));
  capnp::MallocMessageBuilder decoded;
  auto d = decoded.initRoot<capnp::DynamicStruct>(capnp::Schema::from<core::v1::ConfigMap>());
  DecodeReport report;
  JsonCodec(model).decode(nlohmann::json::parse(R"({"data":{"k2":"v","k1":"v"}})"), d, report);
  EXPECT_FALSE(normalize(model, d));
}

TEST(NormalForm, MapsInsideListsOfStructs) {
  SchemaModel model;
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<core::v1::Pod>();
  auto c = pod.initSpec().initContainers(1);
  auto limits = c[0].initResources().initLimits(2);
  limits[0].setKey("memory");
  limits[0].setValue("1Gi");
  limits[1].setKey("cpu");
  limits[1].setValue("1");
  capnp::DynamicStruct::Builder root = pod;
  EXPECT_TRUE(normalize(model, root));
  EXPECT_EQ(std::string(pod.asReader().getSpec().getContainers()[0].getResources().getLimits()[0].getKey().cStr()), "cpu");
}

// Zero Go values and absent fields are one object: the JSON encoder writes both alike (a new
// Service's `"status":{"loadBalancer":{}}`), so decoding that JSON back, or a plugin writing the
// empty structs, must give the message an object without them has.
TEST(NormalForm, ZeroGoValuesAreAbsent) {
  SchemaModel model;
  JsonCodec codec(model);
  auto decode = [&](capnp::MallocMessageBuilder& m, const char* text) {
    auto root = m.initRoot<capnp::DynamicStruct>(capnp::Schema::from<core::v1::Pod>());
    DecodeReport report;
    codec.decode(nlohmann::json::parse(text), root, report);
    EXPECT_TRUE(report.type_errors.empty());
    return root;
  };
  capnp::MallocMessageBuilder plain, zeros;
  auto a = decode(plain, R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}})");
  auto b = decode(zeros, R"({"metadata":{"name":"p","ownerReferences":[],"labels":{},"creationTimestamp":null},
    "spec":{"containers":[{"name":"c","resources":{},"args":[]}],"volumes":[]},"status":{}})");
  auto pod = b.asReader().as<core::v1::Pod>();
  EXPECT_FALSE(pod.hasStatus());
  EXPECT_FALSE(pod.getMetadata().hasOwnerReferences());
  EXPECT_FALSE(pod.getMetadata().hasLabels());
  EXPECT_FALSE(pod.getSpec().hasVolumes());
  EXPECT_FALSE(pod.getSpec().getContainers()[0].hasResources());
  EXPECT_FALSE(pod.getSpec().getContainers()[0].hasArgs());
  EXPECT_EQ(codec.encode(a.asReader()), codec.encode(b.asReader()));

  // Pointers keep their empty values: emptyDir: {} is a volume source, not nothing; a required
  // list (containers) stays even when empty.
  capnp::MallocMessageBuilder pointers;
  auto p = decode(pointers, R"({"spec":{"containers":[],"volumes":[{"name":"v","emptyDir":{}}],
    "securityContext":{}}})").asReader().as<core::v1::Pod>();
  EXPECT_TRUE(p.getSpec().hasContainers());
  EXPECT_TRUE(p.getSpec().getVolumes()[0].hasEmptyDir());
  EXPECT_TRUE(p.getSpec().hasSecurityContext());

  // A plugin's message with an empty status struct is normalized the same way.
  capnp::MallocMessageBuilder m;
  auto built = m.initRoot<core::v1::Pod>();
  built.initMetadata().setName("p");
  built.initStatus();
  capnp::DynamicStruct::Builder root = built;
  EXPECT_TRUE(normalize(model, root));
  EXPECT_FALSE(built.asReader().hasStatus());
  EXPECT_FALSE(normalize(model, root));
}

}  // namespace
}  // namespace capstan::schema
