// KindRegistry: kinds loaded at run time from a plugin manifest of the core kinds.

#include "schema/kind_registry.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/codec/protobuf_codec.hpp"
#include "capstan/manifest.hpp"
#include "testing/core_kinds_manifest.hpp"

namespace capstan::schema {
namespace {

KindRegistry& registry() {
  static KindRegistry* reg = [] {
    auto* r = new KindRegistry();
    auto manifest = capstan::testing::core_kinds_manifest();
    r->register_manifest("test.core", manifest.data(), manifest.size());
    return r;
  }();
  return *reg;
}

const Kind& kind(const std::string& name) {
  const Kind* k = registry().by_kind("", "v1", name);
  if (!k) throw std::runtime_error("kind not registered: " + name);
  return *k;
}

TEST(KindRegistry, LoadsCoreKinds) {
  const Kind& cm = kind("ConfigMap");
  EXPECT_EQ(cm.plural, "configmaps");
  EXPECT_TRUE(cm.namespaced);
  EXPECT_EQ(cm.api_version(), "v1");
  EXPECT_FALSE(kind("Namespace").namespaced);
  EXPECT_EQ(registry().by_resource("", "v1", "secrets"), &kind("Secret"));
  EXPECT_EQ(registry().by_kind("apps", "v1", "ConfigMap"), nullptr);
}

TEST(KindRegistry, RejectsDuplicateKind) {
  sdk::ManifestBuilder b;
  sdk::KindSpec cm;
  cm.kind = "ConfigMap";
  cm.plural = "configmaps";
  cm.schema = capnp::Schema::from<capstan::core::v1::ConfigMap>();
  b.kind(cm);
  auto manifest = b.build();
  registry();  // make sure the core kinds are loaded
  EXPECT_THROW(registry().register_manifest("test.other", manifest.data(), manifest.size()), std::runtime_error);
}

// The protobuf numbers (annotations) arrive with the schema nodes a plugin exports: a kind loaded
// at run time encodes as kubectl 1.33 does (its bytes for `create configmap x --from-literal=a=b`).
TEST(KindRegistry, KindsKeepTheirProtobufNumbers) {
  ProtobufCodec protobuf(registry().model());
  for (const char* name : {"ConfigMap", "Secret", "Namespace"}) {
    EXPECT_TRUE(protobuf.supports(kind(name).schema)) << name;
    EXPECT_TRUE(protobuf.unnumbered_fields(kind(name).schema).empty()) << name;
  }
  capnp::MallocMessageBuilder m;
  auto cm = m.initRoot<capnp::DynamicStruct>(kind("ConfigMap").schema);
  DecodeReport report;
  registry().codec().decode({{"metadata", {{"name", "x"}}}, {"data", {{"a", "b"}}}}, cm, report);
  const char kubectl[] = "\x0a\x11\x0a\x01x\x12\x00\x1a\x00\x22\x00\x2a\x00\x32\x00\x38\x00\x42\x00"
                         "\x12\x06\x0a\x01" "a\x12\x01" "b";
  EXPECT_EQ(protobuf.encode(cm.asReader()), std::string(kubectl, sizeof kubectl - 1));
}

}  // namespace
}  // namespace capstan::schema
