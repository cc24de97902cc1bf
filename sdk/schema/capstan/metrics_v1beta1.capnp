@0x8a64cade41b33126;
# metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics (the resource metrics API kubectl top reads),
# with the field names and types of k8s.io/metrics/pkg/apis/metrics/v1beta1. In Capstan they are
# ordinary stored objects that each node agent writes (see docs/metrics.md).
# Each root struct starts with apiVersion, kind and metadata.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::metrics::v1beta1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct ContainerMetrics $K8s.doc("ContainerMetrics sets resource usage metrics of a container.") {
  name @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Container name corresponding to the one from pod.spec.containers.");
  usage @1 :List(K8s.QuantityEntry) $K8s.proto(2) $K8s.map
      $K8s.doc("The memory working set and the CPU usage (rate over the window) of the container.");
}

struct PodMetrics $K8s.doc("PodMetrics sets resource usage metrics of a pod.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  timestamp @3 :Text $K8s.proto(2) $K8s.time $K8s.doc("The end of the window the usage was measured over (RFC 3339).");
  window @4 :Text $K8s.proto(3) $K8s.duration $K8s.doc("The length of the window the CPU rate was computed over (a duration such as \"15s\").");
  containers @5 :List(ContainerMetrics) $K8s.proto(4) $K8s.patchMergeKey("name") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("name")
      $K8s.doc("Metrics for all containers are collected within the same time window.");
}

struct NodeMetrics $K8s.doc("NodeMetrics sets resource usage metrics of a node.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  timestamp @3 :Text $K8s.proto(2) $K8s.time $K8s.doc("The end of the window the usage was measured over (RFC 3339).");
  window @4 :Text $K8s.proto(3) $K8s.duration $K8s.doc("The length of the window the CPU rate was computed over (a duration such as \"15s\").");
  usage @5 :List(K8s.QuantityEntry) $K8s.proto(4) $K8s.map
      $K8s.doc("The memory working set and the CPU usage (rate over the window) of the node.");
}
