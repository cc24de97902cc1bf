// ProtobufCodec over the built-in kinds loaded at run time from a plugin manifest, as the kernel
// loads them: the wire semantics (Go's value and pointer fields, maps, merges, packed scalars,
// unknown fields), bad input, and the envelope.

#include "capstan/machinery/codec/protobuf_codec.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include <string>

#include "capstan/plugin.capnp.h"
#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "capstan/machinery/codec/protobuf_wire.hpp"
#include "testing_builtin_kinds.hpp"

namespace capstan::schema {
namespace {

using nlohmann::json;
using testing::builtin_kind;
using testing::builtin_kinds;

ProtobufCodec& codec() {
  static ProtobufCodec c(builtin_kinds().model());
  return c;
}

// JSON -> capnp, failing the test on any decode problem.
void from_json(const json& in, capnp::DynamicStruct::Builder out) {
  DecodeReport report;
  builtin_kinds().codec().decode(in, out, report);
  ASSERT_TRUE(report.type_errors.empty()) << report.type_errors.front().message;
  ASSERT_TRUE(report.unknown_fields.empty()) << report.unknown_fields.front();
}

std::string encode_json(const std::string& kind, const json& in) {
  capnp::MallocMessageBuilder m;
  auto root = m.initRoot<capnp::DynamicStruct>(builtin_kind(kind).schema);
  from_json(in, root);
  return codec().encode(root.asReader());
}

struct Decoded {
  DecodeReport report;
  json object;
};

Decoded decode_json(const std::string& kind, std::string_view message) {
  capnp::MallocMessageBuilder m;
  auto root = m.initRoot<capnp::DynamicStruct>(builtin_kind(kind).schema);
  Decoded d;
  codec().decode(message, root, d.report);
  if (d.report.type_errors.empty()) d.object = builtin_kinds().codec().encode(root.asReader());
  return d;
}

// `in` as the JSON codec writes it back (Go's encoding/json presence rules: value structs always,
// unset metav1.Time as null, see go_json_presence.hpp): what the protobuf path must also give.
json as_go(const std::string& kind, const json& in) {
  capnp::MallocMessageBuilder m;
  auto root = m.initRoot<capnp::DynamicStruct>(builtin_kind(kind).schema);
  from_json(in, root);
  return builtin_kinds().codec().encode(root.asReader());
}

json roundtrip(const std::string& kind, const json& in) {
  auto d = decode_json(kind, encode_json(kind, in));
  EXPECT_TRUE(d.report.type_errors.empty()) << d.report.type_errors.front().message;
  EXPECT_TRUE(d.report.unknown_fields.empty());
  return d.object;
}

std::string b(std::initializer_list<int> bytes) {
  std::string s;
  for (int c : bytes) s += static_cast<char>(c);
  return s;
}

// A message from nested (number, bytes) pieces, for hand-written wire input.
std::string msg(uint32_t number, const std::string& body) {
  std::string out;
  pb::put_bytes_field(out, number, body);
  return out;
}
std::string var(uint32_t number, uint64_t v) {
  std::string out;
  pb::put_varint_field(out, number, v);
  return out;
}

TEST(ProtobufCodec, ConfigMapAsGoWritesIt) {
  // What kubectl 1.33 sends for `kubectl create configmap x --from-literal=a=b`: every ObjectMeta
  // value field is written, empty ones included, and creationTimestamp is an empty message.
  const std::string expected = b({0x0a, 0x11, 0x0a, 0x01, 'x', 0x12, 0x00, 0x1a, 0x00, 0x22, 0x00, 0x2a, 0x00, 0x32,
                                  0x00, 0x38, 0x00, 0x42, 0x00, 0x12, 0x06, 0x0a, 0x01, 'a', 0x12, 0x01, 'b'});
  EXPECT_EQ(encode_json("ConfigMap", {{"metadata", {{"name", "x"}}}, {"data", {{"a", "b"}}}}), expected);
  auto d = decode_json("ConfigMap", expected);
  ASSERT_TRUE(d.report.type_errors.empty());
  EXPECT_TRUE(d.report.unknown_fields.empty());
  // The unset creationTimestamp (a Go value metav1.Time) reads back as JSON null, as Go writes it.
  EXPECT_EQ(d.object, json({{"metadata", {{"name", "x"}, {"creationTimestamp", nullptr}}}, {"data", {{"a", "b"}}}}));
}

TEST(ProtobufCodec, PointersKeepPresenceValuesDoNot) {
  const json pod = {
      {"metadata", {{"name", "p"}}},
      {"spec",
       {{"containers", {{{"name", "c"}, {"image", "i"}}}},
        {"volumes",
         {{{"name", "scratch"}, {"emptyDir", json::object()}},
          {{"name", "host"}, {"hostPath", {{"path", "/data"}, {"type", ""}}}}}},
        {"terminationGracePeriodSeconds", 0},
        {"enableServiceLinks", false}}}};
  // emptyDir: {} (a pointer) and hostPath.type: "" (a *string) survive; 0 and false held by
  // pointers survive.
  const json back = roundtrip("Pod", pod);
  EXPECT_EQ(back, as_go("Pod", pod));
  EXPECT_EQ(back["spec"]["volumes"][0]["emptyDir"], json::object());
  EXPECT_EQ(back["spec"]["volumes"][1]["hostPath"]["type"], "");
  EXPECT_EQ(back["spec"]["terminationGracePeriodSeconds"], 0);
  EXPECT_EQ(back["spec"]["enableServiceLinks"], false);
}

TEST(ProtobufCodec, ZeroValuesOfGoValueFieldsReadAsUnset) {
  // generation (a Go int64, not a pointer) is written as 0 when unset, and 0 reads as unset.
  const std::string cm = encode_json("ConfigMap", {{"metadata", {{"name", "x"}}}});
  EXPECT_NE(cm.find(b({0x38, 0x00})), std::string::npos);
  EXPECT_EQ(decode_json("ConfigMap", cm).object, json({{"metadata", {{"name", "x"}, {"creationTimestamp", nullptr}}}}));
  // A Deployment's replicas is a pointer: 0 is kept, unset stays unset.
  EXPECT_EQ(roundtrip("Deployment", {{"spec", {{"replicas", 0}}}})["spec"]["replicas"], 0);
  EXPECT_FALSE(roundtrip("Deployment", {{"spec", {{"paused", true}}}})["spec"].contains("replicas"));
  // A value struct holding only zero values: Go writes `status {}` on the wire and `"status":{}`
  // in JSON for every Deployment.
  EXPECT_EQ(roundtrip("Deployment", {{"metadata", {{"name", "d"}}}})["status"], json::object());
}

TEST(ProtobufCodec, TimesAndDurations) {
  const json pm = {{"metadata", {{"name", "p"}, {"creationTimestamp", "2024-05-06T07:08:09Z"}}},
                   {"timestamp", "2024-05-06T07:08:10Z"},
                   {"window", "1m30s"}};
  EXPECT_EQ(roundtrip("PodMetrics", pm), pm);
  const json lease = {{"spec",
                       {{"holderIdentity", "node-1"},
                        {"acquireTime", "2024-05-06T07:08:09.123456Z"},
                        {"renewTime", "2024-05-06T07:08:10.000001Z"}}}};
  EXPECT_EQ(roundtrip("Lease", lease), as_go("Lease", lease));
  EXPECT_EQ(roundtrip("Lease", lease)["spec"], lease["spec"]);
  // metav1.Time has whole seconds: a fraction is dropped on the wire, as Go drops it. Offsets
  // come back in UTC.
  EXPECT_EQ(roundtrip("PodMetrics", {{"timestamp", "2024-05-06T09:08:10.5+02:00"}})["timestamp"], "2024-05-06T07:08:10Z");
}

TEST(ProtobufCodec, IntOrStringBothWays) {
  const json dep = {{"spec",
                     {{"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", 0}, {"maxSurge", "25%"}}}}},
                      {"template",
                       {{"spec",
                         {{"containers",
                           {{{"name", "c"},
                             {"livenessProbe", {{"httpGet", {{"path", "/"}, {"port", "http"}}}}},
                             {"readinessProbe", {{"tcpSocket", {{"port", 8080}}}}}}}}}}}}}}};
  const json back = roundtrip("Deployment", dep);
  EXPECT_EQ(back, as_go("Deployment", dep));
  EXPECT_EQ(back["spec"]["strategy"], dep["spec"]["strategy"]);
  EXPECT_EQ(back["spec"]["template"]["spec"]["containers"][0]["livenessProbe"],
            dep["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]);
  EXPECT_EQ(back["spec"]["template"]["spec"]["containers"][0]["readinessProbe"],
            dep["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]);
}

TEST(ProtobufCodec, MapsAreSortedAndTheLastKeyWins) {
  // Two entries for "a": Go's map keeps the last; entries come back sorted.
  std::string data = msg(2, msg(1, "z") + msg(2, "1")) + msg(2, msg(1, "a") + msg(2, "old")) +
                     msg(2, msg(1, "a") + msg(2, "new")) + msg(3, msg(1, "bin"));
  auto d = decode_json("ConfigMap", data);
  ASSERT_TRUE(d.report.type_errors.empty());
  EXPECT_EQ(d.object["data"], json({{"a", "new"}, {"z", "1"}}));
  // A binaryData entry without a value is a nil []byte; an empty one is present.
  EXPECT_EQ(d.object["binaryData"], json({{"bin", ""}}));
  const std::string bin = encode_json("ConfigMap", {{"binaryData", {{"k", "AAEC"}}}});
  EXPECT_NE(bin.find(b({0x1a, 0x08, 0x0a, 0x01, 'k', 0x12, 0x03, 0x00, 0x01, 0x02})), std::string::npos);
}

TEST(ProtobufCodec, RepeatedMessagesMergeAndScalarsMayBePacked) {
  // spec given twice, each with one container: protobuf merges them into one spec with both.
  const std::string spec1 = msg(2, msg(1, "a"));
  const std::string spec2 = msg(2, msg(1, "b")) + msg(3, "Never");
  std::string pod = msg(2, spec1) + msg(2, spec2);
  auto d = decode_json("Pod", pod);
  ASSERT_TRUE(d.report.type_errors.empty()) << d.report.type_errors.front().message;
  // (`resources` is a Go value struct: written empty.)
  EXPECT_EQ(d.object["spec"]["containers"],
            json::array({{{"name", "a"}, {"resources", json::object()}}, {{"name", "b"}, {"resources", json::object()}}}));
  EXPECT_EQ(d.object["spec"]["restartPolicy"], "Never");

  // securityContext.supplementalGroups packed (wire type 2) and unpacked in one message.
  std::string packed;
  pb::put_varint(packed, 1000);
  pb::put_varint(packed, 2000);
  const std::string psc = msg(4, packed) + var(4, 3000);
  d = decode_json("Pod", msg(2, msg(14, psc)));
  ASSERT_TRUE(d.report.type_errors.empty()) << d.report.type_errors.front().message;
  EXPECT_EQ(d.object["spec"]["securityContext"]["supplementalGroups"], json::array({1000, 2000, 3000}));
}

TEST(ProtobufCodec, UnknownFieldsAreSkippedAndReportedWhenTheyHoldAValue) {
  // PodSpec 33 (topologySpreadConstraints) carries a value; 35 (setHostnameAsFQDN) is false;
  // PodStatus 14 (resize) is "" as Go writes every value field.
  std::string spec = msg(2, msg(1, "c")) + msg(33, msg(1, "x")) + var(35, 0);
  std::string pod = msg(2, spec) + msg(3, msg(14, ""));
  auto d = decode_json("Pod", pod);
  ASSERT_TRUE(d.report.type_errors.empty());
  EXPECT_EQ(d.report.unknown_fields, std::vector<std::string>{"spec.#33"});
  EXPECT_EQ(d.object["spec"]["containers"][0]["name"], "c");
}

void expect_error(const std::string& kind, const std::string& data, const std::string& field, const std::string& text) {
  auto d = decode_json(kind, data);
  ASSERT_EQ(d.report.type_errors.size(), 1u) << "no error for " << field;
  EXPECT_EQ(d.report.type_errors[0].field, field);
  EXPECT_NE(d.report.type_errors[0].message.find(text), std::string::npos) << d.report.type_errors[0].message;
}

TEST(ProtobufCodec, BadInputNamesTheField) {
  // containerPort (ContainerPort field 3) sent length-delimited in the second port.
  const std::string ports = msg(6, var(3, 80)) + msg(6, msg(3, "eighty"));
  expect_error("Pod", msg(2, msg(2, msg(1, "c") + ports)), "spec.containers[0].ports[1].containerPort",
               "has wire type length-delimited, want varint");
  expect_error("Pod", msg(2, msg(2, b({0x32, 0x05, 0x18}))), "spec.containers[0]", "past the end");
  expect_error("Pod", msg(2, msg(2, msg(6, b({0x18, 0xff})))), "spec.containers[0].ports[0]", "unexpected EOF");
  expect_error("Pod", b({0x12, 0x09}), "<root>", "past the end");
  expect_error("Pod", b({0x12}), "<root>", "unexpected EOF");
  expect_error("ConfigMap", msg(1, msg(1, "\xff\xfe")), "metadata.name", "invalid UTF-8");
  expect_error("ConfigMap", msg(2, msg(1, "\xc0\x80") + msg(2, "v")), "data", "invalid UTF-8");
  expect_error("Deployment", msg(2, msg(4, msg(2, msg(1, var(1, 7))))), "spec.strategy.rollingUpdate.maxUnavailable",
               "has type 7");
  expect_error("Pod", msg(1, msg(8, var(1, 1ull << 62))), "metadata.creationTimestamp", "outside the years");
  expect_error("ConfigMap", msg(1, msg(17, msg(7, msg(1, "{not json")))), "metadata.managedFields[0].fieldsV1",
               "valid JSON");
}

TEST(ProtobufCodec, DeepNestingAndHugeListsAreRefused) {
  // Nesting is bounded by the limit even though the schema itself is finite: PodSpec inside
  // PodTemplateSpec... at depth 3 with a limit of 2.
  ProtobufCodec shallow(builtin_kinds().model(), ProtobufLimits{2, size_t{1} << 20});
  capnp::MallocMessageBuilder m;
  auto root = m.initRoot<capnp::DynamicStruct>(builtin_kind("Pod").schema);
  DecodeReport report;
  shallow.decode(msg(2, msg(2, msg(1, "c"))), root, report);
  ASSERT_EQ(report.type_errors.size(), 1u);
  EXPECT_NE(report.type_errors[0].message.find("nested deeper than 2"), std::string::npos);

  // 100,000 empty containers (2 bytes each on the wire, far more as capnp structs).
  std::string spec;
  for (int i = 0; i < 100000; ++i) spec += b({0x12, 0x00});
  ProtobufCodec small(builtin_kinds().model(), ProtobufLimits{64, 100000});
  capnp::MallocMessageBuilder m2;
  auto root2 = m2.initRoot<capnp::DynamicStruct>(builtin_kind("Pod").schema);
  DecodeReport r2;
  small.decode(msg(2, spec), root2, r2);
  ASSERT_EQ(r2.type_errors.size(), 1u);
  EXPECT_EQ(r2.type_errors[0].field, "spec.containers");
  EXPECT_NE(r2.type_errors[0].message.find("100000 elements"), std::string::npos);
}

TEST(ProtobufCodec, EnvelopeCarriesTheTypeMeta) {
  capnp::MallocMessageBuilder m;
  auto cm = m.initRoot<capnp::DynamicStruct>(builtin_kind("ConfigMap").schema);
  from_json({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "x"}}}}, cm);
  const std::string body = codec().encode_object(cm.asReader());
  ASSERT_EQ(body.substr(0, 4), std::string("k8s\0", 4));
  ProtobufEnvelope env;
  std::string error;
  ASSERT_TRUE(parse_envelope(body, env, error)) << error;
  EXPECT_EQ(env.api_version, "v1");
  EXPECT_EQ(env.kind, "ConfigMap");
  EXPECT_EQ(env.raw, codec().encode(cm.asReader()));

  auto decode_object = [&](const std::string& data, const char* api_version, const char* kind) {
    capnp::MallocMessageBuilder out;
    auto root = out.initRoot<capnp::DynamicStruct>(builtin_kind("ConfigMap").schema);
    Decoded d;
    codec().decode_object(data, root, api_version, kind, d.report);
    d.object = builtin_kinds().codec().encode(root.asReader());
    return d;
  };
  auto d = decode_object(body, "v1", "ConfigMap");
  ASSERT_TRUE(d.report.type_errors.empty());
  EXPECT_EQ(d.object,
            json({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "x"}, {"creationTimestamp", nullptr}}}}));

  d = decode_object(body, "v1", "Secret");
  ASSERT_EQ(d.report.type_errors.size(), 1u);
  EXPECT_EQ(d.report.type_errors[0].field, "kind");
  EXPECT_EQ(d.report.type_errors[0].message, "the kind in the data (ConfigMap) does not match the expected kind (Secret)");
  d = decode_object(body, "apps/v1", "ConfigMap");
  EXPECT_EQ(d.report.type_errors.at(0).message,
            "the API version in the data (v1) does not match the expected API version (apps/v1)");
  // An envelope without a TypeMeta takes the expected one.
  d = decode_object(wrap_envelope("", "", env.raw), "v1", "ConfigMap");
  ASSERT_TRUE(d.report.type_errors.empty());
  EXPECT_EQ(d.object["kind"], "ConfigMap");
  for (const std::string& bad : {std::string(), std::string("k8s"), std::string("{\"kind\":\"ConfigMap\"}"),
                                 std::string("k8s\0", 4), std::string("k8s\0\x0a\x05", 6)}) {
    d = decode_object(bad, "v1", "ConfigMap");
    EXPECT_EQ(d.report.type_errors.size(), 1u) << bad;
  }
}

TEST(ProtobufCodec, EncodeErrorsNameTheField) {
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<capnp::DynamicStruct>(builtin_kind("Pod").schema);
  from_json({{"status", {{"conditions", {{{"type", "Ready"}, {"lastTransitionTime", "yesterday"}}}}}}}, pod);
  try {
    codec().encode(pod.asReader());
    FAIL() << "no error";
  } catch (const ProtobufEncodeError& e) {
    EXPECT_EQ(e.field, "status.conditions[0].lastTransitionTime");
    EXPECT_NE(std::string(e.what()).find("not an RFC 3339 time"), std::string::npos) << e.what();
  }
}

TEST(ProtobufCodec, EveryFieldOfEveryBuiltinKindHasANumber) {
  for (const auto* k : builtin_kinds().all()) {
    const auto gaps = codec().unnumbered_fields(k->schema);
    EXPECT_TRUE(gaps.empty()) << k->kind << ": " << gaps.front();
  }
  const auto gaps = codec().unnumbered_fields(capnp::Schema::from<capstan::plugin::PluginManifest>());
  EXPECT_FALSE(gaps.empty());
}

TEST(ProtobufCodec, KindsWithoutNumbersAreNotSupported) {
  for (const auto* k : builtin_kinds().all()) EXPECT_TRUE(codec().supports(k->schema)) << k->kind;
  // A struct without `$K8s.proto` numbers (as a custom resource's kind may be) has no protobuf form.
  EXPECT_FALSE(codec().supports(capnp::Schema::from<capstan::plugin::PluginManifest>()));
}

}  // namespace
}  // namespace capstan::schema
