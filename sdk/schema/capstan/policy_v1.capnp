@0xfda06fcdfcc60bfd;
# policy/v1 PodDisruptionBudget, with the field names, JSON names and protobuf numbers of
# k8s.io/api/policy/v1 (release-1.33). (Eviction, the pods/eviction body, is decoded by the
# kernel with DeleteOptions.) Evolution rules: append fields with new ordinals; never renumber,
# retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::policy::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct Condition $K8s.doc("Condition contains details for one aspect of the current state of this API Resource (meta/v1 Condition).") {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("type of condition in CamelCase or in foo.example.com/CamelCase.");
  status @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("status of the condition, one of True, False, Unknown.");
  observedGeneration @2 :Int64 $K8s.proto(3) $K8s.doc("observedGeneration represents the .metadata.generation that the condition was set based upon.");
  lastTransitionTime @3 :Text $K8s.proto(4) $K8s.time $K8s.required $K8s.doc("lastTransitionTime is the last time the condition transitioned from one status to another.");
  reason @4 :Text $K8s.proto(5) $K8s.required $K8s.doc("reason contains a programmatic identifier indicating the reason for the condition's last transition.");
  message @5 :Text $K8s.proto(6) $K8s.required $K8s.doc("message is a human readable message indicating details about the transition.");
}

struct TimeEntry {
  # One entry of a map of metav1.Time (disruptedPods).
  key @0 :Text $K8s.proto(1);
  value @1 :Text $K8s.time $K8s.proto(2);
}

struct PodDisruptionBudgetSpec $K8s.doc("PodDisruptionBudgetSpec is a description of a PodDisruptionBudget.") {
  minAvailable @0 :K8s.IntOrString $K8s.proto(1) $K8s.nullable $K8s.doc("An eviction is allowed if at least \"minAvailable\" pods selected by \"selector\" will still be available after the eviction, i.e. even in the absence of the evicted pod.");
  selector @1 :Meta.LabelSelector $K8s.proto(2) $K8s.nullable $K8s.patchStrategy("replace") $K8s.doc("Label query over pods whose evictions are managed by the disruption budget. A null selector will match no pods, while an empty ({}) selector will select all pods within the namespace.");
  maxUnavailable @2 :K8s.IntOrString $K8s.proto(3) $K8s.nullable $K8s.doc("An eviction is allowed if at most \"maxUnavailable\" pods selected by \"selector\" are unavailable after the eviction, i.e. even in absence of the evicted pod. Mutually exclusive with \"minAvailable\".");
  unhealthyPodEvictionPolicy @3 :Text $K8s.proto(4) $K8s.nullable $K8s.doc("UnhealthyPodEvictionPolicy defines the criteria for when unhealthy pods should be considered for eviction: IfHealthyBudget (the default) or AlwaysAllow.");
}

struct PodDisruptionBudgetStatus $K8s.doc("PodDisruptionBudgetStatus represents information about the status of a PodDisruptionBudget. Status may trail the actual state of a system.") {
  observedGeneration @0 :Int64 $K8s.proto(1) $K8s.doc("Most recent generation observed when updating this PDB status.");
  disruptedPods @1 :List(TimeEntry) $K8s.proto(2) $K8s.map $K8s.doc("DisruptedPods contains information about pods whose eviction was processed by the API server eviction subresource handler but has not yet been observed by the PodDisruptionBudget controller.");
  disruptionsAllowed @2 :Int32 $K8s.proto(3) $K8s.doc("Number of pod disruptions that are currently allowed.");
  currentHealthy @3 :Int32 $K8s.proto(4) $K8s.doc("current number of healthy pods");
  desiredHealthy @4 :Int32 $K8s.proto(5) $K8s.doc("minimum desired number of healthy pods");
  expectedPods @5 :Int32 $K8s.proto(6) $K8s.doc("total number of pods counted by this disruption budget");
  conditions @6 :List(Condition) $K8s.proto(7) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge") $K8s.listType("map") $K8s.listMapKeys("type")
      $K8s.doc("Conditions contain conditions for PDB. The disruption controller sets the DisruptionAllowed condition.");
}

struct PodDisruptionBudget $K8s.doc("PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :PodDisruptionBudgetSpec $K8s.proto(2) $K8s.doc("Specification of the desired behavior of the PodDisruptionBudget.");
  status @4 :PodDisruptionBudgetStatus $K8s.proto(3) $K8s.doc("Most recently observed status of the PodDisruptionBudget.");
}
