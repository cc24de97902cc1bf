// write_json gives the same value as JsonCodec::encode, in declaration order, with Go's escaping.

#include "capstan/machinery/codec/json_writer.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include "capstan/apps_v1.capnp.h"
#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/plugin.capnp.h"
#include "capstan/machinery/codec/json_codec.hpp"

namespace capstan::schema {
namespace {

using nlohmann::json;

struct Fixture {
  SchemaModel model;
  JsonCodec codec{model};
};

Fixture& fx() {
  static Fixture* f = new Fixture();
  return *f;
}

// Decodes `in` into a message of `schema`, then checks that the writer's text parses to what
// JsonCodec::encode gives; returns the text.
std::string check_same(capnp::StructSchema schema, const json& in) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::DynamicStruct>(schema);
  DecodeReport report;
  fx().codec.decode(in, root, report);
  EXPECT_TRUE(report.type_errors.empty());
  const json expected = fx().codec.encode(root.asReader());
  const std::string text = write_json(fx().model, root.asReader()).text;
  EXPECT_EQ(json::parse(text), expected) << text;
  return text;
}

TEST(JsonWriter, PodMatchesCodecAndKeepsDeclarationOrder) {
  const json pod = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "7",
                 "labels": {"b": "2", "a": "1"}, "annotations": {"note": "x<y&z"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "r1",
                                      "controller": true}],
                 "finalizers": ["f1"], "generation": 3, "creationTimestamp": "2026-01-02T03:04:05Z"},
    "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                             "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}},
                             "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5}}],
             "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "nodeName": "n1"},
    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
               "containerStatuses": [{"name": "c", "ready": false, "restartCount": 0, "image": "nginx", "imageID": ""}]}
  })");
  const std::string text = check_same(capnp::Schema::from<core::v1::Pod>(), pod);
  // Go's order: apiVersion, kind, metadata, spec, status; inside metadata name before namespace.
  EXPECT_LT(text.find("\"apiVersion\""), text.find("\"kind\""));
  EXPECT_LT(text.find("\"kind\""), text.find("\"metadata\""));
  EXPECT_LT(text.find("\"metadata\""), text.find("\"spec\""));
  EXPECT_LT(text.find("\"spec\""), text.find("\"status\""));
  EXPECT_LT(text.find("\"name\":\"web\""), text.find("\"namespace\""));
  // Maps are written with sorted keys, as Go writes maps.
  EXPECT_LT(text.find("\"a\":\"1\""), text.find("\"b\":\"2\""));
  // HTML characters are escaped as Go's encoder does.
  EXPECT_NE(text.find("x\\u003cy\\u0026z"), std::string::npos) << text;
}

TEST(JsonWriter, DeploymentWithOptionalScalarsAndIntOrString) {
  const json d = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
    "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "x"}},
             "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
             "template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}
  })");
  const std::string text = check_same(capnp::Schema::from<apps::v1::Deployment>(), d);
  EXPECT_NE(text.find("\"replicas\":0"), std::string::npos);
  EXPECT_NE(text.find("\"maxSurge\":\"25%\""), std::string::npos);
  EXPECT_NE(text.find("\"maxUnavailable\":1"), std::string::npos);
}

TEST(JsonWriter, ConfigMapBinaryDataAndManagedFields) {
  const json cm = json::parse(R"({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "c", "managedFields": [{"manager": "kubectl", "operation": "Update", "apiVersion": "v1",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}}]},
    "data": {"a": "caf\u00e9 \n\t\"q\"\\"}, "binaryData": {"bin": "AAEC/w=="}
  })");
  check_same(capnp::Schema::from<core::v1::ConfigMap>(), cm);
}

TEST(JsonWriter, ResourceVersionSlot) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::DynamicStruct>(capnp::Schema::from<core::v1::ConfigMap>());
  DecodeReport report;
  fx().codec.decode(json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","uid":"u"},"data":{"k":"v"}})"),
                    root, report);
  JsonWriteOptions options;
  options.resource_version_slot = true;
  JsonText out = write_json(fx().model, root.asReader(), options);
  ASSERT_NE(out.resource_version_at, std::string::npos);
  std::string text = out.text;
  text.insert(out.resource_version_at, "42");
  auto parsed = json::parse(text);
  EXPECT_EQ(parsed["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(parsed["data"]["k"], "v");
}

// Go's encoding/json writes value structs always and drops empty omitempty lists and maps; the
// schemas' protobuf annotations say which fields are Go values (go_json_presence.hpp).
TEST(JsonWriter, GoValueStructsAreAlwaysWritten) {
  const json svc = json::parse(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},
    "spec":{"ports":[{"port":80}],"selector":{"app":"x"}}})");
  const std::string text = check_same(capnp::Schema::from<core::v1::Service>(), svc);
  // A new Service's status, as kube-apiserver answers it.
  EXPECT_NE(text.find(R"("status":{"loadBalancer":{}})"), std::string::npos) << text;
  // ServicePort.targetPort is an IntOrString value: Go writes its zero value.
  EXPECT_NE(text.find(R"("targetPort":0)"), std::string::npos) << text;
}

TEST(JsonWriter, TemplateMetadataHasNullCreationTimestamp) {
  const json d = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
    "spec":{"selector":{"matchLabels":{"app":"x"}},
            "template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})");
  const std::string text = check_same(capnp::Schema::from<apps::v1::Deployment>(), d);
  // metav1.Time is a value in ObjectMeta: unset, Go writes null.
  EXPECT_NE(text.find(R"("template":{"metadata":{"creationTimestamp":null,"labels":{"app":"x"}})"), std::string::npos)
      << text;
  // The root's metadata of a draft has no creationTimestamp yet: null as well.
  EXPECT_NE(text.find(R"("metadata":{"name":"d","creationTimestamp":null})"), std::string::npos) << text;
  // Value structs of the spec (strategy) and the status are written empty.
  EXPECT_NE(text.find(R"("strategy":{})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("status":{})"), std::string::npos) << text;
}

TEST(JsonWriter, EmptyOmitemptyListsAndMapsAreDropped) {
  const json pod = json::parse(R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"p","ownerReferences":[],"labels":{},"finalizers":[],"generateName":""},
    "spec":{"containers":[{"name":"c","image":"i","args":[],"env":[]}],"volumes":[]}})");
  const std::string text = check_same(capnp::Schema::from<core::v1::Pod>(), pod);
  for (const char* gone : {"ownerReferences", "labels", "finalizers", "generateName", "args", "env", "volumes"})
    EXPECT_EQ(text.find(std::string("\"") + gone + "\""), std::string::npos) << gone << " in " << text;
  // A required list (no omitempty upstream) is kept even when empty.
  const json empty = json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[]}})");
  EXPECT_NE(check_same(capnp::Schema::from<core::v1::Pod>(), empty).find(R"("containers":[])"), std::string::npos);
}

TEST(JsonWriter, RequiredStringsAreWrittenEmpty) {
  // NodeSystemInfo's strings have no omitempty: Go writes a new Node's
  // `"nodeInfo":{"machineID":"",...}`, and a server that checks required fields accepts it.
  const json node = json::parse(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n"}})");
  const std::string text = check_same(capnp::Schema::from<core::v1::Node>(), node);
  EXPECT_NE(text.find(R"("nodeInfo":{"machineID":"","systemUUID":"")"), std::string::npos) << text;
}

TEST(JsonWriter, PointerFieldsKeepTheirEmptyValues) {
  const json d = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
    "spec":{"replicas":0,"selector":{},"template":{"spec":{"containers":[{"name":"c","image":"i"}],
            "volumes":[{"name":"v","emptyDir":{}}]}}}})");
  const std::string text = check_same(capnp::Schema::from<apps::v1::Deployment>(), d);
  EXPECT_NE(text.find(R"("replicas":0)"), std::string::npos) << text;       // *int32
  EXPECT_NE(text.find(R"("emptyDir":{})"), std::string::npos) << text;      // *EmptyDirVolumeSource
  EXPECT_NE(text.find(R"("selector":{})"), std::string::npos) << text;      // *LabelSelector
}

TEST(JsonWriter, FieldsWithoutProtobufNumbersAreWrittenWhenSet) {
  // A struct without protobuf numbers (as a plugin's kind without them, served like a custom
  // resource): what is set is written, empty lists included; absent structs are not invented.
  const json k = json::parse(R"({"group":"g","shortNames":[],"subresources":[]})");
  const std::string text = check_same(capnp::Schema::from<plugin::KindInfo>(), k);
  EXPECT_NE(text.find(R"("shortNames":[])"), std::string::npos) << text;
  EXPECT_EQ(text.find("scale"), std::string::npos) << text;
}

TEST(JsonWriter, StringEscaping) {
  auto lit = [](std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
  };
  EXPECT_EQ(lit("plain"), "\"plain\"");
  EXPECT_EQ(lit("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(lit(std::string("\b\f\n\r\t\x01\x1f", 7)), "\"\\b\\f\\n\\r\\t\\u0001\\u001f\"");
  EXPECT_EQ(lit("<>&"), "\"\\u003c\\u003e\\u0026\"");
  EXPECT_EQ(lit("caf\xc3\xa9 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
  EXPECT_EQ(lit("\xe2\x80\xa8"), "\"\\u2028\"");
  // Invalid UTF-8 (a lone continuation byte, an overlong form, a surrogate) becomes U+FFFD.
  EXPECT_EQ(lit("a\x80z"), "\"a\\ufffdz\"");
  EXPECT_EQ(lit("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(lit("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_NO_THROW((void)json::parse(lit("\xff\xfe bytes \x80")));
}

}  // namespace
}  // namespace capstan::schema
