#include "capstan/machinery/codec/protobuf_responses.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "capstan/machinery/codec/protobuf_wire.hpp"
#include "testing_builtin_kinds.hpp"

namespace capstan::schema {
namespace {

using nlohmann::json;
using testing::builtin_kind;
using testing::builtin_kinds;

std::string b(std::initializer_list<int> bytes) {
  std::string s;
  for (int c : bytes) s += static_cast<char>(c);
  return s;
}

TEST(ProtobufResponses, StatusAsKubeApiserverWritesIt) {
  const json status = {{"kind", "Status"},
                       {"apiVersion", "v1"},
                       {"metadata", json::object()},
                       {"status", "Failure"},
                       {"message", "configmaps \"x\" not found"},
                       {"reason", "NotFound"},
                       {"details", {{"name", "x"}, {"kind", "configmaps"}}},
                       {"code", 404}};
  const std::string body = encode_status(status);
  ProtobufEnvelope env;
  std::string error;
  ASSERT_TRUE(parse_envelope(body, env, error)) << error;
  EXPECT_EQ(env.api_version, "v1");
  EXPECT_EQ(env.kind, "Status");
  std::string want;
  want += b({0x0a, 0x06, 0x0a, 0x00, 0x12, 0x00, 0x1a, 0x00});  // metadata: ListMeta, its strings empty
  pb::put_bytes_field(want, 2, "Failure");
  pb::put_bytes_field(want, 3, "configmaps \"x\" not found");
  pb::put_bytes_field(want, 4, "NotFound");
  want += b({0x2a, 0x15, 0x0a, 0x01, 'x', 0x12, 0x00, 0x1a, 0x0a});
  want += "configmaps";
  want += b({0x28, 0x00, 0x32, 0x00});  // retryAfterSeconds 0, uid ""
  want += b({0x30, 0x94, 0x03});        // code 404
  EXPECT_EQ(std::string(env.raw), want);
}

TEST(ProtobufResponses, StatusCauses) {
  const json status = {{"status", "Failure"},
                       {"reason", "Invalid"},
                       {"code", 422},
                       {"details",
                        {{"name", "x"},
                         {"causes", {{{"reason", "FieldValueRequired"}, {"message", "Required value"}, {"field", "spec.x"}}}},
                         {"retryAfterSeconds", 3}}}};
  ProtobufEnvelope env;
  std::string error;
  const std::string body = encode_status(status);
  ASSERT_TRUE(parse_envelope(body, env, error));
  std::string cause;
  pb::put_bytes_field(cause, 1, "FieldValueRequired");
  pb::put_bytes_field(cause, 2, "Required value");
  pb::put_bytes_field(cause, 3, "spec.x");
  std::string wrapped;
  pb::put_bytes_field(wrapped, 4, cause);
  EXPECT_NE(env.raw.find(wrapped), std::string::npos);
  EXPECT_NE(env.raw.find(b({0x28, 0x03})), std::string::npos);
}

TEST(ProtobufResponses, ListsCarryListMetaAndItems) {
  const auto& kind = builtin_kind("ConfigMap");
  ProtobufCodec codec(builtin_kinds().model());
  ListMeta meta;
  meta.resource_version = "42";
  meta.continue_token = "next";
  meta.remaining_item_count = 7;
  ProtobufListEncoder list(codec, meta);
  std::vector<std::string> items;
  for (const char* name : {"a", "b"}) {
    capnp::MallocMessageBuilder m;
    auto root = m.initRoot<capnp::DynamicStruct>(kind.schema);
    DecodeReport report;
    builtin_kinds().codec().decode({{"metadata", {{"name", name}}}, {"data", {{"k", "v"}}}}, root, report);
    list.add(root.asReader());
    items.push_back(codec.encode(root.asReader()));
  }
  list.add_encoded(items[0]);
  const std::string body = list.finish("v1", "ConfigMapList");
  ProtobufEnvelope env;
  std::string error;
  ASSERT_TRUE(parse_envelope(body, env, error));
  EXPECT_EQ(env.kind, "ConfigMapList");
  std::string want = b({0x0a, 0x0e, 0x0a, 0x00, 0x12, 0x02, '4', '2', 0x1a, 0x04, 'n', 'e', 'x', 't', 0x20, 0x07});
  for (const auto& i : {items[0], items[1], items[0]}) pb::put_bytes_field(want, 2, i);
  EXPECT_EQ(std::string(env.raw), want);
}

TEST(ProtobufResponses, PartialObjectMetadata) {
  ProtobufCodec codec(builtin_kinds().model());
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<capnp::DynamicStruct>(builtin_kind("Pod").schema);
  DecodeReport report;
  builtin_kinds().codec().decode(
      {{"metadata", {{"name", "p"}, {"labels", {{"a", "b"}}}}}, {"spec", {{"nodeName", "n1"}}}}, pod, report);
  const std::string body = encode_partial_object_metadata(codec, pod.asReader());
  ProtobufEnvelope env;
  std::string error;
  ASSERT_TRUE(parse_envelope(body, env, error));
  EXPECT_EQ(env.api_version, "meta.k8s.io/v1");
  EXPECT_EQ(env.kind, "PartialObjectMetadata");
  std::string want;
  pb::put_bytes_field(want, 1, codec.encode(pod.asReader().get("metadata").as<capnp::DynamicStruct>()));
  EXPECT_EQ(std::string(env.raw), want);
  EXPECT_EQ(env.raw.find("n1"), std::string::npos);

  ProtobufListEncoder list(codec, ListMeta{});
  list.add_metadata(pod.asReader());
  ASSERT_TRUE(parse_envelope(list.finish("meta.k8s.io/v1", "PartialObjectMetadataList"), env, error));
  EXPECT_EQ(env.kind, "PartialObjectMetadataList");
  std::string item;
  pb::put_bytes_field(item, 2, want);
  EXPECT_NE(env.raw.find(item), std::string::npos);
}

TEST(ProtobufResponses, WatchEventsAreLengthFramed) {
  const std::string object = wrap_envelope("v1", "ConfigMap", "raw");
  const std::string frame = encode_watch_event("ADDED", object);
  ASSERT_GE(frame.size(), 4u);
  const uint32_t n = (static_cast<uint8_t>(frame[0]) << 24) | (static_cast<uint8_t>(frame[1]) << 16) |
                     (static_cast<uint8_t>(frame[2]) << 8) | static_cast<uint8_t>(frame[3]);
  EXPECT_EQ(n, frame.size() - 4);
  const std::string_view event(frame.data() + 4, n);
  EXPECT_EQ(event, encode_watch_event_message("ADDED", object));
  pb::Reader r(event);
  pb::Field f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.number, 1u);
  EXPECT_EQ(f.bytes, "ADDED");
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.number, 2u);
  pb::Reader raw(f.bytes);
  ASSERT_TRUE(raw.next(f));
  EXPECT_EQ(f.number, 1u);
  EXPECT_EQ(f.bytes, object);  // the object keeps its envelope inside the event
}

}  // namespace
}  // namespace capstan::schema
