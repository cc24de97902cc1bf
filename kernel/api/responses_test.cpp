// The API's answers in each negotiated form, and protobuf request bodies, over the object service
// with the core kinds (ConfigMap and Secret carry protobuf numbers).

#include "api/responses.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "api/meta_protobuf.hpp"
#include "api/object_service.hpp"
#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "capstan/machinery/codec/protobuf_wire.hpp"
#include "testing/core_kinds_manifest.hpp"

namespace capstan::api {
namespace {

using nlohmann::json;

class ResponsesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto manifest = capstan::testing::core_kinds_manifest();
    kinds.register_manifest("test.core", manifest.data(), manifest.size());
    store.open([this](const std::string& key, uint64_t rev, std::string&& bytes) {
      return service.rehydrate(key, rev, std::move(bytes));
    });
    configmap = kinds.by_kind("", "v1", "ConfigMap");
    secret = kinds.by_kind("", "v1", "Secret");
    ASSERT_NE(configmap, nullptr);
    ASSERT_NE(secret, nullptr);
    ASSERT_TRUE(kinds.protobuf().supports(configmap->schema));
  }

  // A ConfigMap body as kubectl 1.33 sends it: protobuf, in its envelope.
  std::string protobuf_body(const schema::Kind& kind, const json& object) {
    auto decoded = service.decode(kind, object, schema::UnknownFieldPolicy{});
    return kinds.protobuf().encode_object(decoded.draft.reader(), kind.api_version(), kind.kind);
  }

  WriteOutcome create_protobuf(const schema::Kind& kind, const std::string& body) {
    auto promise = std::make_shared<std::promise<WriteOutcome>>();
    auto future = promise->get_future();
    try {
      service.create(kind, "default", service.decode_protobuf(kind, body, schema::UnknownFieldPolicy{}), {},
                     [promise](WriteOutcome o) { promise->set_value(std::move(o)); });
    } catch (const ApiError& e) {
      WriteOutcome o;
      o.error = e;
      promise->set_value(std::move(o));
    }
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return future.get();
  }

  static json cm(const std::string& name) {
    return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"k", "v"}}}};
  }

  ResponseEncoder encoder(MediaType media, Transform transform = Transform::kNone) {
    Negotiated n;
    n.media = media;
    n.transform = transform;
    return ResponseEncoder(kinds, *configmap, n, false);
  }

  std::unique_ptr<schema::KindRegistry> kinds_owner = std::make_unique<schema::KindRegistry>();
  schema::KindRegistry& kinds = *kinds_owner;
  store::EventBus bus;
  store::Store store{"", bus};
  ObjectService service{kinds, store, nullptr};
  const schema::Kind* configmap = nullptr;
  const schema::Kind* secret = nullptr;
};

TEST_F(ResponsesTest, ProtobufCreateAndGetRoundTrip) {
  auto created = create_protobuf(*configmap, protobuf_body(*configmap, cm("one")));
  ASSERT_FALSE(created.error) << created.error->what();
  json stored = json::parse(created.object->json);
  EXPECT_EQ(stored["data"]["k"], "v");
  EXPECT_EQ(stored["metadata"]["namespace"], "default");

  Reply r = encoder(MediaType::kProtobuf).object(200, created.object);
  EXPECT_EQ(r.content_type, "application/vnd.kubernetes.protobuf");
  schema::ProtobufEnvelope env;
  std::string error;
  ASSERT_TRUE(schema::parse_envelope(r.body, env, error)) << error;
  EXPECT_EQ(env.api_version, "v1");
  EXPECT_EQ(env.kind, "ConfigMap");
  // Decoding the answer gives the stored object back (JSON -> protobuf -> JSON).
  auto again = service.decode_protobuf(*configmap, r.body, schema::UnknownFieldPolicy{});
  json back = service.kinds().codec().encode(again.draft.reader());
  EXPECT_EQ(back["data"], stored["data"]);
  EXPECT_EQ(back["metadata"]["uid"], stored["metadata"]["uid"]);
  EXPECT_EQ(back["metadata"]["resourceVersion"], stored["metadata"]["resourceVersion"]);
  // The revision's protobuf form is encoded once and shared.
  EXPECT_TRUE(created.object->protobuf.built());
  EXPECT_EQ(&protobuf_form(kinds, *configmap, *created.object), &protobuf_form(kinds, *configmap, *created.object));
}

TEST_F(ResponsesTest, ProtobufListCarriesItemsAndListMeta) {
  auto a = create_protobuf(*configmap, protobuf_body(*configmap, cm("a")));
  auto b = create_protobuf(*configmap, protobuf_body(*configmap, cm("b")));
  ASSERT_FALSE(a.error);
  ASSERT_FALSE(b.error);
  Reply r = encoder(MediaType::kProtobuf).list({a.object, b.object}, b.object->revision, "tok");
  EXPECT_EQ(r.content_type, "application/vnd.kubernetes.protobuf");
  schema::ProtobufEnvelope env;
  std::string error;
  ASSERT_TRUE(schema::parse_envelope(r.body, env, error)) << error;
  EXPECT_EQ(env.kind, "ConfigMapList");
  // ConfigMapList {metadata = 1 ListMeta {resourceVersion = 2, continue = 3}, items = 2}.
  schema::pb::Reader reader(env.raw);
  schema::pb::Field f;
  int items = 0;
  std::string rv, cont;
  while (reader.next(f)) {
    if (f.number == 2) ++items;
    if (f.number == 1) {
      schema::pb::Reader meta(f.bytes);
      schema::pb::Field m;
      while (meta.next(m)) {
        if (m.number == 2) rv = std::string(m.bytes);
        if (m.number == 3) cont = std::string(m.bytes);
      }
    }
  }
  EXPECT_TRUE(reader.error().empty()) << reader.error();
  EXPECT_EQ(items, 2);
  EXPECT_EQ(rv, std::to_string(b.object->revision));
  EXPECT_EQ(cont, "tok");
}

TEST_F(ResponsesTest, JsonAndYamlAnswers) {
  auto a = create_protobuf(*configmap, protobuf_body(*configmap, cm("a")));
  ASSERT_FALSE(a.error);
  Reply j = encoder(MediaType::kJson).object(200, a.object);
  EXPECT_EQ(j.content_type, "application/json");
  EXPECT_EQ(j.body, a.object->json + "\n");
  Reply y = encoder(MediaType::kYaml).object(200, a.object);
  EXPECT_EQ(y.content_type, "application/yaml");
  EXPECT_NE(y.body.find("kind: ConfigMap\n"), std::string::npos) << y.body;
  EXPECT_NE(y.body.find("data:\n  k: v\n"), std::string::npos) << y.body;
  EXPECT_NE(y.body.find("  name: a\n"), std::string::npos) << y.body;
  Reply l = encoder(MediaType::kJson).list({a.object}, a.object->revision, "");
  json list = json::parse(l.body);
  EXPECT_EQ(list["kind"], "ConfigMapList");
  EXPECT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(l.body.rfind("{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{", 0), 0u) << l.body;
}

TEST_F(ResponsesTest, PartialObjectMetadata) {
  auto a = create_protobuf(*configmap, protobuf_body(*configmap, cm("a")));
  ASSERT_FALSE(a.error);
  json p = json::parse(encoder(MediaType::kJson, Transform::kPartialObjectMetadata).object(200, a.object).body);
  EXPECT_EQ(p["kind"], "PartialObjectMetadata");
  EXPECT_EQ(p["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(p["metadata"]["name"], "a");
  EXPECT_FALSE(p.contains("data"));
  json pl = json::parse(encoder(MediaType::kJson, Transform::kPartialObjectMetadataList).list({a.object}, 7, "").body);
  EXPECT_EQ(pl["kind"], "PartialObjectMetadataList");
  EXPECT_EQ(pl["items"][0]["kind"], "PartialObjectMetadata");
  Reply pb = encoder(MediaType::kProtobuf, Transform::kPartialObjectMetadataList).list({a.object}, 7, "");
  schema::ProtobufEnvelope env;
  std::string error;
  ASSERT_TRUE(schema::parse_envelope(pb.body, env, error)) << error;
  EXPECT_EQ(env.api_version, "meta.k8s.io/v1");
  EXPECT_EQ(env.kind, "PartialObjectMetadataList");
  // A list form asked of a single object (and the reverse) is 406, with upstream's message.
  try {
    encoder(MediaType::kJson, Transform::kPartialObjectMetadataList).object(200, a.object);
    ADD_FAILURE() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code, 406);
    EXPECT_STREQ(e.what(),
                 "you requested PartialObjectMetadataList, but the requested object is not a list (*core.ConfigMap)");
  }
  EXPECT_THROW(encoder(MediaType::kJson, Transform::kPartialObjectMetadata).list({a.object}, 7, ""), ApiError);
}

TEST_F(ResponsesTest, ProtobufWatchEventsAreLengthFramed) {
  auto a = create_protobuf(*configmap, protobuf_body(*configmap, cm("a")));
  ASSERT_FALSE(a.error);
  auto enc = encoder(MediaType::kProtobuf);
  EXPECT_STREQ(enc.stream_content_type(), "application/vnd.kubernetes.protobuf;stream=watch");
  for (const std::string& frame : {enc.watch_event("ADDED", a.object), enc.watch_bookmark(a.object->revision),
                                   enc.watch_error(ApiError(410, "Expired", "too old"))}) {
    ASSERT_GE(frame.size(), 4u);
    const auto* p = reinterpret_cast<const unsigned char*>(frame.data());
    const size_t length = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
    EXPECT_EQ(length, frame.size() - 4);
    // WatchEvent {type = 1, object = 2 RawExtension {raw = 1}}: the object is enveloped.
    schema::pb::Reader reader(std::string_view(frame).substr(4));
    schema::pb::Field f;
    bool enveloped = false;
    while (reader.next(f)) {
      if (f.number != 2) continue;
      schema::pb::Reader raw(f.bytes);
      schema::pb::Field r;
      while (raw.next(r))
        if (r.number == 1) enveloped = r.bytes.substr(0, 4) == schema::kProtobufMagic;
    }
    EXPECT_TRUE(reader.error().empty()) << reader.error();
    EXPECT_TRUE(enveloped);
  }
}

TEST_F(ResponsesTest, JsonWatchEventsAndTables) {
  auto a = create_protobuf(*configmap, protobuf_body(*configmap, cm("a")));
  ASSERT_FALSE(a.error);
  auto enc = encoder(MediaType::kJson);
  std::string line = enc.watch_event("ADDED", a.object);
  EXPECT_EQ(line, "{\"type\":\"ADDED\",\"object\":" + a.object->json + "}\n");
  EXPECT_EQ(enc.watch_error(ApiError(410, "Expired", "too old")),
            R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old","reason":"Expired","code":410}})"
            "\n");
  auto table = encoder(MediaType::kJson, Transform::kTable);
  json first = json::parse(table.watch_event("ADDED", a.object));
  json second = json::parse(table.watch_event("MODIFIED", a.object));
  EXPECT_EQ(first["object"]["kind"], "Table");
  EXPECT_TRUE(first["object"].contains("columnDefinitions"));
  EXPECT_FALSE(second["object"].contains("columnDefinitions"));  // sent once per stream
}

TEST_F(ResponsesTest, ErrorsInTheNegotiatedForm) {
  ApiError e(404, "NotFound", "configmaps \"x\" not found");
  e.with_details("x", "", "configmaps");
  const std::string json_accept = "application/json";
  Reply j = error_reply(e, &json_accept, true);
  EXPECT_EQ(j.content_type, "application/json");
  EXPECT_EQ(j.body,
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"configmaps"},"code":404})"
            "\n");
  const std::string pb_accept = "application/vnd.kubernetes.protobuf, */*";
  Reply p = error_reply(e, &pb_accept, true);
  EXPECT_EQ(p.content_type, "application/vnd.kubernetes.protobuf");
  schema::ProtobufEnvelope env;
  std::string error;
  ASSERT_TRUE(schema::parse_envelope(p.body, env, error)) << error;
  EXPECT_EQ(env.kind, "Status");
  // A kind without protobuf: JSON.
  EXPECT_EQ(error_reply(e, &pb_accept, false).content_type, "application/json");
}

ApiError decode_error(ObjectService& service, const schema::Kind& kind, const std::string& body) {
  try {
    service.decode_protobuf(kind, body, schema::UnknownFieldPolicy{});
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return ApiError(0, "", "");
}

TEST_F(ResponsesTest, BadProtobufBodiesAre400AndStoreNothing) {
  const std::string good = protobuf_body(*configmap, cm("a"));
  // No magic.
  EXPECT_EQ(decode_error(service, *configmap, "{\"kind\":\"ConfigMap\"}").code, 400);
  // Truncated (a length past the end).
  EXPECT_EQ(decode_error(service, *configmap, good.substr(0, good.size() - 3)).code, 400);
  // A truncated varint right after the magic.
  EXPECT_EQ(decode_error(service, *configmap, std::string("k8s\0\x0a\xff", 6)).code, 400);
  // An envelope of another kind than the URL's.
  const std::string secret_body = protobuf_body(*secret, {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "s"}}}});
  ApiError wrong = decode_error(service, *configmap, secret_body);
  EXPECT_EQ(wrong.code, 400);
  EXPECT_NE(std::string(wrong.what()).find("Secret"), std::string::npos) << wrong.what();
  uint64_t revision = 0;
  EXPECT_TRUE(service.list(*configmap, Selection::parse(*configmap, "default", "", ""), &revision).empty());
}

TEST_F(ResponsesTest, ProtobufDeleteOptionsAndEviction) {
  // DeleteOptions {gracePeriodSeconds = 1: 0, propagationPolicy = 4: "Foreground", dryRun = 5: "All"}.
  std::string message;
  message += '\x08';
  message += '\x00';
  message += "\x22\x0a" "Foreground";
  message += "\x2a\x03" "All";
  json d = decode_delete_options_protobuf(schema::wrap_envelope("v1", "DeleteOptions", message));
  EXPECT_EQ(d["gracePeriodSeconds"], 0);
  EXPECT_EQ(d["propagationPolicy"], "Foreground");
  EXPECT_EQ(d["dryRun"], json::array({"All"}));
  // A wrong wire type (propagationPolicy as a varint) names the field.
  try {
    decode_delete_options_protobuf(schema::wrap_envelope("v1", "DeleteOptions", std::string("\x20\x01", 2)));
    ADD_FAILURE() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code, 400);
    ASSERT_FALSE(e.causes.empty());
    EXPECT_EQ(e.causes[0].field, "propagationPolicy");
  }
  // Eviction {metadata = 1 {name = 1}, deleteOptions = 2 {gracePeriodSeconds = 1}}.
  std::string eviction = std::string("\x0a\x03\x0a\x01p\x12\x02\x08\x05", 9);
  json ev = decode_action_protobuf(true, "Eviction", schema::wrap_envelope("policy/v1", "Eviction", eviction));
  EXPECT_EQ(ev["metadata"]["name"], "p");
  EXPECT_EQ(ev["deleteOptions"]["gracePeriodSeconds"], 5);
  EXPECT_THROW(decode_action_protobuf(true, "Eviction", schema::wrap_envelope("v1", "Binding", eviction)), ApiError);
}

}  // namespace
}  // namespace capstan::api
