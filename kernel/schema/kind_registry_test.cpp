// KindRegistry: kinds loaded at run time from a plugin manifest of the core kinds.

#include "schema/kind_registry.hpp"

#include <gtest/gtest.h>

#include "capstan/core_v1.capnp.h"
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

}  // namespace
}  // namespace capstan::schema
