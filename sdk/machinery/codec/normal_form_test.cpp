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

}  // namespace
}  // namespace capstan::schema
