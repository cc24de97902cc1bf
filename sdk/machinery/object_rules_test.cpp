#include "capstan/machinery/object_rules.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include <memory>

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/codec/json_codec.hpp"

namespace capstan::machinery {
namespace {

using nlohmann::json;

struct Codec {
  schema::SchemaModel model;
  schema::JsonCodec codec{model};
};
Codec& codec() {
  static Codec* c = new Codec();
  return *c;
}

struct Msg {
  std::unique_ptr<capnp::MallocMessageBuilder> m = std::make_unique<capnp::MallocMessageBuilder>();
  capnp::DynamicStruct::Builder root;
  json to_json() const { return codec().codec.encode(root.asReader()); }
};

Msg make(capnp::StructSchema schema, const json& in) {
  Msg msg;
  msg.root = msg.m->initRoot<capnp::DynamicStruct>(schema);
  schema::DecodeReport report;
  codec().codec.decode(in, msg.root, report);
  EXPECT_TRUE(report.type_errors.empty());
  return msg;
}

const ObjectKind kPod{"v1", "Pod", true, "status", true};
const ObjectKind kConfigMap{"v1", "ConfigMap", true, "", false};

capnp::StructSchema pod_schema() { return capnp::Schema::from<core::v1::Pod>(); }

TEST(ObjectRules, CreateFillsServerMetadataAndDropsStatus) {
  auto pod = make(pod_schema(), json::parse(R"({"metadata":{"name":"p","resourceVersion":"9","deletionTimestamp":"x",
      "managedFields":[{"manager":"m"}]},"spec":{"nodeName":"n"},"status":{"phase":"Running"}})"));
  prepare_create(kPod, pod.root, {"uid-1", "2026-01-02T03:04:05Z", false});
  json j = pod.to_json();
  EXPECT_EQ(j["apiVersion"], "v1");
  EXPECT_EQ(j["kind"], "Pod");
  EXPECT_EQ(j["metadata"]["uid"], "uid-1");
  EXPECT_EQ(j["metadata"]["creationTimestamp"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(j["metadata"]["generation"], 1);
  EXPECT_FALSE(j["metadata"].contains("resourceVersion"));
  EXPECT_FALSE(j["metadata"].contains("deletionTimestamp"));
  EXPECT_FALSE(j["metadata"].contains("managedFields"));
  // The status is dropped: what is left is Go's empty PodStatus.
  EXPECT_EQ(j["status"], json::object()) << j.dump();
  EXPECT_EQ(j["spec"]["nodeName"], "n");
}

TEST(ObjectRules, CreateKeepsStatusWithoutSubresourceAndManagedFieldsWhenAsked) {
  auto cm = make(capnp::Schema::from<core::v1::ConfigMap>(),
                 json::parse(R"({"metadata":{"name":"c","managedFields":[{"manager":"m"}]},"data":{"a":"b"}})"));
  prepare_create(kConfigMap, cm.root, {"u", "t", true});
  EXPECT_EQ(cm.to_json()["metadata"]["managedFields"][0]["manager"], "m");
}

TEST(ObjectRules, UpdateCarriesServerMetadataAndKeepsStatus) {
  auto old = make(pod_schema(), json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns",
      "uid":"u1","creationTimestamp":"t0","generation":4,"resourceVersion":"10","managedFields":[{"manager":"a"}]},
      "spec":{"nodeName":"n"},"status":{"phase":"Running"}})"));
  auto next = make(pod_schema(), json::parse(R"({"metadata":{"name":"p","uid":"evil","creationTimestamp":"t9",
      "generation":99,"resourceVersion":"10","labels":{"x":"y"}},"spec":{"nodeName":"n"},"status":{"phase":"Failed"}})"));
  prepare_update(kPod, old.root.asReader(), next.root, "");
  update_generation(kPod, old.root.asReader(), next.root);
  json j = next.to_json();
  EXPECT_EQ(j["metadata"]["uid"], "u1");
  EXPECT_EQ(j["metadata"]["creationTimestamp"], "t0");
  EXPECT_EQ(j["metadata"]["namespace"], "ns");
  EXPECT_EQ(j["metadata"]["generation"], 4);  // only labels changed
  EXPECT_FALSE(j["metadata"].contains("resourceVersion"));
  EXPECT_EQ(j["metadata"]["managedFields"][0]["manager"], "a");
  EXPECT_EQ(j["metadata"]["labels"]["x"], "y");
  EXPECT_EQ(j["status"]["phase"], "Running");  // the main resource cannot write status
}

TEST(ObjectRules, SpecChangeBumpsGeneration) {
  auto old = make(pod_schema(), json::parse(R"({"metadata":{"name":"p","generation":2},"spec":{"nodeName":"a"}})"));
  auto next = make(pod_schema(), json::parse(R"({"metadata":{"name":"p"},"spec":{"nodeName":"b"}})"));
  prepare_update(kPod, old.root.asReader(), next.root, "");
  update_generation(kPod, old.root.asReader(), next.root);
  EXPECT_EQ(next.to_json()["metadata"]["generation"], 3);
}

TEST(ObjectRules, StatusWriteTakesOnlyTheStatus) {
  auto old = make(pod_schema(), json::parse(R"({"metadata":{"name":"p","uid":"u","labels":{"a":"1"}},
      "spec":{"nodeName":"n"},"status":{"phase":"Pending"}})"));
  auto next = make(pod_schema(), json::parse(R"({"metadata":{"name":"p","labels":{"b":"2"}},
      "spec":{"nodeName":"other"},"status":{"phase":"Running"}})"));
  prepare_update(kPod, old.root.asReader(), next.root, "status");
  json j = next.to_json();
  EXPECT_EQ(j["status"]["phase"], "Running");
  EXPECT_EQ(j["spec"]["nodeName"], "n");
  EXPECT_EQ(j["metadata"]["labels"], json({{"a", "1"}}));
  EXPECT_EQ(j["metadata"]["uid"], "u");
}

TEST(ObjectRules, SameObjectIgnoresResourceVersionAndManagedFields) {
  auto a = make(pod_schema(), json::parse(R"({"metadata":{"name":"p","resourceVersion":"1","managedFields":[{"manager":"x"}]},
      "spec":{"nodeName":"n"}})"));
  auto b = make(pod_schema(), json::parse(R"({"metadata":{"name":"p","resourceVersion":"2"},"spec":{"nodeName":"n"}})"));
  EXPECT_TRUE(same_object(a.root.asReader(), b.root.asReader()));
  auto c = make(pod_schema(), json::parse(R"({"metadata":{"name":"p","labels":{"k":"v"}},"spec":{"nodeName":"n"}})"));
  EXPECT_FALSE(same_object(a.root.asReader(), c.root.asReader()));
  auto d = make(pod_schema(), json::parse(R"({"metadata":{"name":"p"},"spec":{"nodeName":"n","containers":[]}})"));
  EXPECT_FALSE(same_object(b.root.asReader(), d.root.asReader()));  // an empty list is not an absent one
}

TEST(ObjectRules, Finalizers) {
  auto pod = make(pod_schema(), json::parse(R"({"metadata":{"name":"p","finalizers":["a"]}})"));
  auto meta = metadata(pod.root);
  EXPECT_TRUE(has_finalizers(meta.asReader()));
  add_finalizer(meta, "orphan");
  add_finalizer(meta, "orphan");
  EXPECT_EQ(pod.to_json()["metadata"]["finalizers"], json({"a", "orphan"}));
  EXPECT_FALSE(finalized(meta.asReader()));
  mark_for_deletion(meta, "2026-01-01T00:00:00Z", 30);
  mark_for_deletion(meta, "2027-01-01T00:00:00Z", 0);  // the first mark stays
  EXPECT_EQ(pod.to_json()["metadata"]["deletionTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(pod.to_json()["metadata"]["deletionGracePeriodSeconds"], 30);
  meta.initFinalizers(0);
  EXPECT_TRUE(finalized(meta.asReader()));
}

TEST(ObjectRules, UidAndNameSuffix) {
  auto u = new_uid();
  EXPECT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(new_uid(), u);
  EXPECT_EQ(random_name_suffix().size(), 5u);
}

}  // namespace
}  // namespace capstan::machinery
