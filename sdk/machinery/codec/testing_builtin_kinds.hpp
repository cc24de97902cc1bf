#pragma once
// Test helper: every built-in kind of sdk/schema/capstan with its group and version, over the
// compiled-in schemas (the kernel loads the same nodes, annotations included, at run time through
// its KindRegistry; kernel/schema/kind_registry_test.cpp checks the protobuf numbers survive
// that). Used by the protobuf codec's tests, its fuzz target and protobuf_fixture_tool.

#include <stdexcept>
#include <string>
#include <vector>

#include "capstan/apps_v1.capnp.h"
#include "capstan/autoscaling_v2.capnp.h"
#include "capstan/batch_v1.capnp.h"
#include "capstan/coordination_v1.capnp.h"
#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/core_v1_storage.capnp.h"
#include "capstan/discovery_v1.capnp.h"
#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/machinery/codec/schema_model.hpp"
#include "capstan/metrics_v1beta1.capnp.h"
#include "capstan/networking_v1.capnp.h"
#include "capstan/storage_v1.capnp.h"

namespace capstan::testing {

struct BuiltinKind {
  std::string group, version, kind;
  capnp::StructSchema schema;
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
};

class BuiltinKinds {
 public:
  BuiltinKinds() {
    using namespace capstan;
    add("", "v1", "Namespace", capnp::Schema::from<core::v1::Namespace>());
    add("", "v1", "ConfigMap", capnp::Schema::from<core::v1::ConfigMap>());
    add("", "v1", "Secret", capnp::Schema::from<core::v1::Secret>());
    add("", "v1", "Event", capnp::Schema::from<core::v1::Event>());
    add("", "v1", "ServiceAccount", capnp::Schema::from<core::v1::ServiceAccount>());
    add("", "v1", "Pod", capnp::Schema::from<core::v1::Pod>());
    add("", "v1", "PodTemplate", capnp::Schema::from<core::v1::PodTemplate>());
    add("", "v1", "Binding", capnp::Schema::from<core::v1::Binding>());
    add("", "v1", "Node", capnp::Schema::from<core::v1::Node>());
    add("", "v1", "Service", capnp::Schema::from<core::v1::Service>());
    add("", "v1", "Endpoints", capnp::Schema::from<core::v1::Endpoints>());
    add("", "v1", "PersistentVolume", capnp::Schema::from<core::v1::PersistentVolume>());
    add("", "v1", "PersistentVolumeClaim", capnp::Schema::from<core::v1::PersistentVolumeClaim>());
    add("apps", "v1", "ReplicaSet", capnp::Schema::from<apps::v1::ReplicaSet>());
    add("apps", "v1", "Deployment", capnp::Schema::from<apps::v1::Deployment>());
    add("apps", "v1", "DaemonSet", capnp::Schema::from<apps::v1::DaemonSet>());
    add("apps", "v1", "ControllerRevision", capnp::Schema::from<apps::v1::ControllerRevision>());
    add("apps", "v1", "StatefulSet", capnp::Schema::from<apps::v1::StatefulSet>());
    add("autoscaling", "v2", "HorizontalPodAutoscaler", capnp::Schema::from<autoscaling::v2::HorizontalPodAutoscaler>());
    add("batch", "v1", "Job", capnp::Schema::from<batch::v1::Job>());
    add("batch", "v1", "CronJob", capnp::Schema::from<batch::v1::CronJob>());
    add("coordination.k8s.io", "v1", "Lease", capnp::Schema::from<coordination::v1::Lease>());
    add("discovery.k8s.io", "v1", "EndpointSlice", capnp::Schema::from<discovery::v1::EndpointSlice>());
    add("networking.k8s.io", "v1", "Ingress", capnp::Schema::from<networking::v1::Ingress>());
    add("networking.k8s.io", "v1", "IngressClass", capnp::Schema::from<networking::v1::IngressClass>());
    add("storage.k8s.io", "v1", "StorageClass", capnp::Schema::from<storage::v1::StorageClass>());
    add("storage.k8s.io", "v1", "CSIDriver", capnp::Schema::from<storage::v1::CSIDriver>());
    add("storage.k8s.io", "v1", "CSINode", capnp::Schema::from<storage::v1::CSINode>());
    add("storage.k8s.io", "v1", "VolumeAttachment", capnp::Schema::from<storage::v1::VolumeAttachment>());
    add("metrics.k8s.io", "v1beta1", "PodMetrics", capnp::Schema::from<metrics::v1beta1::PodMetrics>());
    add("metrics.k8s.io", "v1beta1", "NodeMetrics", capnp::Schema::from<metrics::v1beta1::NodeMetrics>());
  }

  const schema::SchemaModel& model() const { return model_; }
  const schema::JsonCodec& codec() const { return codec_; }
  std::vector<const BuiltinKind*> all() const {
    std::vector<const BuiltinKind*> out;
    for (const auto& k : kinds_) out.push_back(&k);
    return out;
  }

 private:
  void add(const char* group, const char* version, const char* kind, capnp::StructSchema schema) {
    kinds_.push_back({group, version, kind, schema});
  }

  schema::SchemaModel model_;
  schema::JsonCodec codec_{model_};
  std::vector<BuiltinKind> kinds_;
};

inline BuiltinKinds& builtin_kinds() {
  static BuiltinKinds* kinds = new BuiltinKinds();
  return *kinds;
}

// The kind named `kind` (any group).
inline const BuiltinKind& builtin_kind(const std::string& kind) {
  for (const auto* k : builtin_kinds().all())
    if (k->kind == kind) return *k;
  throw std::runtime_error("kind not in the built-in kinds: " + kind);
}

}  // namespace capstan::testing
