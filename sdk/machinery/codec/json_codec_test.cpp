// JsonCodec over the schemas of the core kinds (compiled in; the kernel loads the same nodes at
// run time through its KindRegistry, see kernel/schema/kind_registry_test.cpp).

#include "capstan/machinery/codec/json_codec.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "capstan/core_v1.capnp.h"

namespace capstan::schema {
namespace {

using nlohmann::json;

struct Codec {
  SchemaModel model;
  JsonCodec codec{model};
};

const JsonCodec& codec() {
  static Codec* c = new Codec();
  return c->codec;
}

struct TestKind {
  capnp::StructSchema schema;
};

TestKind kind(const std::string& name) {
  static const std::map<std::string, capnp::StructSchema> kinds = {
      {"ConfigMap", capnp::Schema::from<capstan::core::v1::ConfigMap>()},
      {"Secret", capnp::Schema::from<capstan::core::v1::Secret>()},
      {"Namespace", capnp::Schema::from<capstan::core::v1::Namespace>()},
  };
  auto it = kinds.find(name);
  if (it == kinds.end()) throw std::runtime_error("kind not in this test: " + name);
  return {it->second};
}

struct Decoded {
  DecodeReport report;
  json encoded;
};

Decoded roundtrip(const std::string& kind_name, const json& in) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::DynamicStruct>(kind(kind_name).schema);
  Decoded d;
  codec().decode(in, root, d.report);
  d.encoded = codec().encode(root.asReader());
  return d;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

const FieldError* find_error(const std::vector<FieldError>& v, const std::string& field) {
  for (const auto& e : v)
    if (e.field == field) return &e;
  return nullptr;
}

std::string fields_of(const std::vector<FieldError>& v) {
  std::string s;
  for (const auto& e : v) s += e.field + " (" + e.message + "); ";
  return s;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += e + "; ";
  return s;
}

TEST(JsonCodec, ConfigMapRoundTrip) {
  // \u00e9 and a surrogate pair arrive as JSON escapes and must survive as UTF-8.
  const json in = json::parse(R"({
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {
      "name": "cfg",
      "namespace": "default",
      "uid": "1234",
      "resourceVersion": "42",
      "creationTimestamp": "2024-01-02T03:04:05Z",
      "labels": {"app": "web", "tier": "front-end", "empty": ""},
      "annotations": {"note": "caf\u00e9 \u2603 \ud83d\ude00", "json": "{\"a\":[1,2]}"},
      "finalizers": ["example.com/one", "example.com/two"],
      "ownerReferences": [{"apiVersion": "v1", "kind": "Namespace", "name": "default", "uid": "u-1", "controller": true}]
    },
    "data": {"key": "value", "caf\u00e9": "\u00e9t\u00e9", "multi": "line1\nline2\ttab \"quoted\" \\ \u0001"},
    "binaryData": {"bin": "AAEC/w==", "empty": ""}
  })");
  auto d = roundtrip("ConfigMap", in);
  EXPECT_TRUE(d.report.type_errors.empty()) << fields_of(d.report.type_errors);
  EXPECT_TRUE(d.report.unknown_fields.empty()) << joined(d.report.unknown_fields);
  EXPECT_TRUE(d.report.missing_required.empty()) << fields_of(d.report.missing_required);
  EXPECT_EQ(d.encoded, in) << "in:  " << in.dump() << "\nout: " << d.encoded.dump();
  EXPECT_EQ(d.encoded["data"]["caf\xc3\xa9"], "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(d.encoded["metadata"]["annotations"]["note"].get<std::string>(),
            "caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80");
}

TEST(JsonCodec, BinaryDataBytesAreExact) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  const std::string b64 = base64_encode(all.data(), all.size());
  json in = {{"binaryData", {{"all", b64}}}};
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::DynamicStruct>(kind("ConfigMap").schema);
  DecodeReport report;
  codec().decode(in, root, report);
  ASSERT_TRUE(report.type_errors.empty()) << fields_of(report.type_errors);
  auto entries = root.asReader().get("binaryData").as<capnp::DynamicList>();
  ASSERT_EQ(entries.size(), 1u);
  auto value = entries[0].as<capnp::DynamicStruct>().get("value").as<capnp::Data>();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(value.begin()), value.size()), all);
  // The absent metadata is a Go value struct: written, its creationTimestamp null.
  in["metadata"] = {{"creationTimestamp", nullptr}};
  EXPECT_EQ(codec().encode(root.asReader()), in);
}

TEST(JsonCodec, NullFieldsAreSkipped) {
  const json in = json::parse(R"({
    "apiVersion": "v1", "kind": null,
    "metadata": {"name": "n", "labels": null, "generation": null, "namespace": null},
    "data": null, "binaryData": null, "immutable": null
  })");
  auto d = roundtrip("ConfigMap", in);
  EXPECT_TRUE(d.report.type_errors.empty()) << fields_of(d.report.type_errors);
  EXPECT_TRUE(d.report.unknown_fields.empty());
  EXPECT_EQ(d.encoded, json::parse(R"({"apiVersion": "v1", "metadata": {"name": "n", "creationTimestamp": null}})"))
      << d.encoded.dump();
}

TEST(JsonCodec, NullMapValueKeepsKeyWithEmptyString) {
  auto d = roundtrip("ConfigMap", json::parse(R"({"data": {"a": null, "b": "x"}})"));
  EXPECT_TRUE(d.report.type_errors.empty()) << fields_of(d.report.type_errors);
  EXPECT_EQ(d.encoded, json::parse(R"({"data": {"a": "", "b": "x"}, "metadata": {"creationTimestamp": null}})"))
      << d.encoded.dump();
}

TEST(JsonCodec, UnknownFieldsReportedWithFullPaths) {
  const json in = json::parse(R"({
    "metadata": {"name": "n", "labelz": {"a": "b"},
                 "ownerReferences": [{"apiVersion": "v1", "kind": "K", "name": "x", "uid": "u"},
                                     {"apiVersion": "v1", "kind": "K", "nam": "x", "uid": "u2"}]},
    "datta": {"a": "b"},
    "data": {"ok": "yes"}
  })");
  auto d = roundtrip("ConfigMap", in);
  EXPECT_TRUE(d.report.type_errors.empty()) << fields_of(d.report.type_errors);
  EXPECT_EQ(d.report.unknown_fields.size(), 3u) << joined(d.report.unknown_fields);
  EXPECT_TRUE(contains(d.report.unknown_fields, "metadata.labelz")) << joined(d.report.unknown_fields);
  EXPECT_TRUE(contains(d.report.unknown_fields, "datta")) << joined(d.report.unknown_fields);
  EXPECT_TRUE(contains(d.report.unknown_fields, "metadata.ownerReferences[1].nam")) << joined(d.report.unknown_fields);
  // The misspelt owner reference lacks its required name.
  EXPECT_NE(find_error(d.report.missing_required, "metadata.ownerReferences[1].name"), nullptr)
      << fields_of(d.report.missing_required);
  // Known fields are still decoded.
  EXPECT_EQ(d.encoded["data"]["ok"], "yes");
  EXPECT_EQ(d.encoded["metadata"]["name"], "n");
  EXPECT_FALSE(d.encoded["metadata"].contains("labelz"));
}

TEST(JsonCodec, TypeErrorsReportedWithPaths) {
  const json in = json::parse(R"({
    "metadata": {"name": 5, "labels": "app=web", "annotations": {"a": 1}, "finalizers": "x",
                 "generation": "1", "ownerReferences": [{"apiVersion": "v1", "kind": "K", "name": "x", "uid": "u", "controller": "yes"}]},
    "data": ["a"],
    "immutable": "true"
  })");
  auto d = roundtrip("ConfigMap", in);
  const auto& errs = d.report.type_errors;
  for (const char* field : {"metadata.name", "metadata.labels", "metadata.finalizers", "metadata.generation",
                            "metadata.ownerReferences[0].controller", "data", "immutable"}) {
    const FieldError* e = find_error(errs, field);
    ASSERT_NE(e, nullptr) << "no error for " << field << ": " << fields_of(errs);
    EXPECT_EQ(e->reason, "FieldValueTypeInvalid") << field;
    EXPECT_NE(e->message.find(field), std::string::npos) << e->message;
  }
  // A map value of the wrong type names the map and the key.
  EXPECT_TRUE(find_error(errs, "metadata.annotations[a]") || find_error(errs, "metadata.annotations.a"))
      << fields_of(errs);
  EXPECT_EQ(errs.size(), 8u) << fields_of(errs);

  const FieldError* name = find_error(errs, "metadata.name");
  ASSERT_NE(name, nullptr);
  EXPECT_NE(name->message.find("number"), std::string::npos) << name->message;
  EXPECT_NE(name->message.find("string"), std::string::npos) << name->message;
}

TEST(JsonCodec, RootMustBeObject) {
  for (const char* text : {"[]", "\"x\"", "1", "null", "true"}) {
    auto d = roundtrip("ConfigMap", json::parse(text));
    ASSERT_EQ(d.report.type_errors.size(), 1u) << text;
    EXPECT_EQ(d.report.type_errors[0].field, "<root>");
  }
}

TEST(JsonCodec, IntegerChecks) {
  // Integral floats are accepted (YAML may give 1.0), fractions and overflow are not.
  auto ok = roundtrip("ConfigMap", json::parse(R"({"metadata": {"generation": 3.0, "deletionGracePeriodSeconds": -5}})"));
  EXPECT_TRUE(ok.report.type_errors.empty()) << fields_of(ok.report.type_errors);
  EXPECT_EQ(ok.encoded["metadata"]["generation"], 3);
  EXPECT_EQ(ok.encoded["metadata"]["deletionGracePeriodSeconds"], -5);
  for (const char* bad : {R"({"metadata": {"generation": 1.5}})", R"({"metadata": {"generation": 18446744073709551615}})",
                          R"({"metadata": {"generation": 1e30}})", R"({"metadata": {"generation": true}})"}) {
    auto d = roundtrip("ConfigMap", json::parse(bad));
    EXPECT_NE(find_error(d.report.type_errors, "metadata.generation"), nullptr) << bad;
    EXPECT_FALSE(d.encoded["metadata"].contains("generation")) << bad;
  }
}

TEST(JsonCodec, OptionalScalarsDistinguishZeroFromAbsent) {
  auto f = roundtrip("ConfigMap", json::parse(R"({"immutable": false, "metadata": {"generation": 0}})"));
  EXPECT_TRUE(f.report.type_errors.empty());
  ASSERT_TRUE(f.encoded.contains("immutable")) << f.encoded.dump();
  EXPECT_EQ(f.encoded["immutable"], false);
  // An optional group that is set is written, zero included.
  ASSERT_TRUE(f.encoded["metadata"].contains("generation")) << f.encoded.dump();
  EXPECT_EQ(f.encoded["metadata"]["generation"], 0);
  // metadata.deletionGracePeriodSeconds is a pointer: zero is written.
  auto zero = roundtrip("ConfigMap", json::parse(R"({"metadata": {"deletionGracePeriodSeconds": 0}})"));
  ASSERT_TRUE(zero.encoded["metadata"].contains("deletionGracePeriodSeconds")) << zero.encoded.dump();
  EXPECT_EQ(zero.encoded["metadata"]["deletionGracePeriodSeconds"], 0);

  auto t = roundtrip("ConfigMap", json::parse(R"({"immutable": true, "metadata": {"generation": 7}})"));
  EXPECT_EQ(t.encoded["immutable"], true);
  EXPECT_EQ(t.encoded["metadata"]["generation"], 7);

  auto absent = roundtrip("ConfigMap", json::parse(R"({"metadata": {"name": "x"}})"));
  EXPECT_FALSE(absent.encoded.contains("immutable")) << absent.encoded.dump();
  EXPECT_FALSE(absent.encoded["metadata"].contains("generation")) << absent.encoded.dump();
  EXPECT_FALSE(absent.encoded["metadata"].contains("deletionGracePeriodSeconds"));

  // Owner reference flags are optional too.
  auto owner = roundtrip("ConfigMap", json::parse(R"({"metadata": {"ownerReferences": [
      {"apiVersion": "v1", "kind": "K", "name": "a", "uid": "u1", "controller": false},
      {"apiVersion": "v1", "kind": "K", "name": "b", "uid": "u2"}]}})"));
  const auto& refs = owner.encoded["metadata"]["ownerReferences"];
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0]["controller"], false);
  EXPECT_FALSE(refs[1].contains("controller"));
  EXPECT_FALSE(refs[1].contains("blockOwnerDeletion"));
}

TEST(JsonCodec, RequiredFieldsReported) {
  auto d = roundtrip("ConfigMap", json::parse(R"({"metadata": {"ownerReferences": [
      {"apiVersion": "v1", "kind": "K", "name": "a", "uid": "u1"},
      {"apiVersion": "v1", "kind": "K", "name": "b"},
      {"apiVersion": "v1", "kind": "K", "name": "c", "uid": null}]}})"));
  EXPECT_TRUE(d.report.type_errors.empty());
  ASSERT_EQ(d.report.missing_required.size(), 2u) << fields_of(d.report.missing_required);
  const FieldError* e = find_error(d.report.missing_required, "metadata.ownerReferences[1].uid");
  ASSERT_NE(e, nullptr) << fields_of(d.report.missing_required);
  EXPECT_EQ(e->reason, "FieldValueRequired");
  EXPECT_NE(find_error(d.report.missing_required, "metadata.ownerReferences[2].uid"), nullptr);
}

TEST(JsonCodec, SecretDataBase64) {
  auto ok = roundtrip("Secret", json::parse(R"({"type": "Opaque", "data": {"password": "aHVudGVyMg==", "e": ""},
                                                "stringData": {"user": "admin"}})"));
  EXPECT_TRUE(ok.report.type_errors.empty()) << fields_of(ok.report.type_errors);
  EXPECT_EQ(ok.encoded["data"]["password"], "aHVudGVyMg==");
  EXPECT_EQ(ok.encoded["data"]["e"], "");
  EXPECT_EQ(ok.encoded["stringData"]["user"], "admin");
  EXPECT_EQ(ok.encoded["type"], "Opaque");

  for (const char* bad : {"not base64!", "abc", "ab=c", "====", "YQ==YQ==", "Y===", "aGk\n"}) {
    auto d = roundtrip("Secret", json{{"data", {{"password", bad}}}});
    ASSERT_EQ(d.report.type_errors.size(), 1u) << "accepted invalid base64 \"" << bad << "\"";
    const auto& e = d.report.type_errors[0];
    EXPECT_NE(e.field.find("data"), std::string::npos) << e.field;
    EXPECT_NE(e.field.find("password"), std::string::npos) << e.field;
    EXPECT_NE(e.message.find("base64"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("password"), std::string::npos) << e.message;
  }
  auto wrong_type = roundtrip("Secret", json::parse(R"({"data": {"k": 12}})"));
  ASSERT_EQ(wrong_type.report.type_errors.size(), 1u);
  EXPECT_EQ(wrong_type.report.type_errors[0].reason, "FieldValueTypeInvalid");
}

TEST(JsonCodec, NamespaceNestedStructs) {
  const json in = json::parse(R"({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"},
      "spec": {"finalizers": ["kubernetes"]},
      "status": {"phase": "Active", "conditions": [{"type": "T", "status": "True", "message": "m"}]}})");
  auto d = roundtrip("Namespace", in);
  EXPECT_TRUE(d.report.type_errors.empty()) << fields_of(d.report.type_errors);
  EXPECT_TRUE(d.report.unknown_fields.empty()) << joined(d.report.unknown_fields);
  // Unset metav1.Time values are written as null, as Go writes them.
  json expected = in;
  expected["metadata"]["creationTimestamp"] = nullptr;
  expected["status"]["conditions"][0]["lastTransitionTime"] = nullptr;
  EXPECT_EQ(d.encoded, expected) << d.encoded.dump();

  auto missing = roundtrip("Namespace", json::parse(R"({"status": {"conditions": [{"type": "T"}]}})"));
  EXPECT_NE(find_error(missing.report.missing_required, "status.conditions[0].status"), nullptr)
      << fields_of(missing.report.missing_required);
  auto wrong = roundtrip("Namespace", json::parse(R"({"spec": "x", "status": {"conditions": ["x"]}})"));
  EXPECT_NE(find_error(wrong.report.type_errors, "spec"), nullptr) << fields_of(wrong.report.type_errors);
  EXPECT_NE(find_error(wrong.report.type_errors, "status.conditions[0]"), nullptr) << fields_of(wrong.report.type_errors);
}

TEST(Base64, EncodeDecode) {
  EXPECT_EQ(base64_encode("", 0), "");
  EXPECT_EQ(base64_encode("f", 1), "Zg==");
  EXPECT_EQ(base64_encode("fo", 2), "Zm8=");
  EXPECT_EQ(base64_encode("foo", 3), "Zm9v");
  EXPECT_EQ(base64_encode("foobar", 6), "Zm9vYmFy");
  std::string out;
  size_t bad = 0;
  ASSERT_TRUE(base64_decode("Zm9vYg==", out, bad));
  EXPECT_EQ(out, "foob");
  ASSERT_TRUE(base64_decode("", out, bad));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(base64_decode("Zm9vY", out, bad));
  EXPECT_FALSE(base64_decode("Zm9v!mFy", out, bad));
  EXPECT_EQ(bad, 4u);
  EXPECT_FALSE(base64_decode("Zg=a", out, bad));
}

}  // namespace
}  // namespace capstan::schema
