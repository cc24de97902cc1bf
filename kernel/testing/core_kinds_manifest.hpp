#pragma once
// Test helper: a plugin manifest with the core kinds the kernel's unit tests use (ConfigMap,
// Secret selectable by type, Namespace with a status subresource), built the way a plugin
// builds it, for KindRegistry::register_manifest.

#include <string>

#include "capstan/core_v1.capnp.h"
#include "capstan/manifest.hpp"

namespace capstan::testing {

inline std::string core_kinds_manifest() {
  sdk::ManifestBuilder b;
  b.description("core kinds for tests");
  sdk::KindSpec cm;
  cm.kind = "ConfigMap";
  cm.plural = "configmaps";
  cm.singular = "configmap";
  cm.schema = capnp::Schema::from<capstan::core::v1::ConfigMap>();
  b.kind(cm);
  sdk::KindSpec secret;
  secret.kind = "Secret";
  secret.plural = "secrets";
  secret.singular = "secret";
  secret.schema = capnp::Schema::from<capstan::core::v1::Secret>();
  secret.selectable_fields = {"type"};
  b.kind(secret);
  sdk::KindSpec ns;
  ns.kind = "Namespace";
  ns.plural = "namespaces";
  ns.singular = "namespace";
  ns.namespaced = false;
  ns.schema = capnp::Schema::from<capstan::core::v1::Namespace>();
  ns.status_field = "status";
  ns.subresources = {{"status", "", "", "", {"get", "patch", "update"}}};
  b.kind(ns);
  return b.build();
}

}  // namespace capstan::testing
