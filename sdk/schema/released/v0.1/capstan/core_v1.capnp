@0xa97540657f070043;
# core/v1 kinds (the "" API group). Each root struct starts with apiVersion, kind and metadata.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::core::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct NamespaceSpec {
  finalizers @0 :List(Text) $K8s.doc("Finalizers that must be cleared before the namespace is removed.");
}

struct NamespaceCondition {
  type @0 :Text $K8s.required;
  status @1 :Text $K8s.required;
  lastTransitionTime @2 :Text;
  reason @3 :Text;
  message @4 :Text;
}

struct NamespaceStatus {
  phase @0 :Text $K8s.doc("Active or Terminating.");
  conditions @1 :List(NamespaceCondition) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge");
}

struct Namespace $K8s.doc("Namespace provides a scope for names. Deleting it deletes everything in it.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  spec @3 :NamespaceSpec;
  status @4 :NamespaceStatus;
}

struct ConfigMap $K8s.doc("ConfigMap holds configuration data for pods to consume.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  data @3 :List(K8s.StringEntry) $K8s.map
      $K8s.doc("Configuration data. Keys must consist of alphanumeric characters, '-', '_' or '.'.");
  binaryData @4 :List(K8s.BytesEntry) $K8s.map
      $K8s.doc("Binary configuration data, base64-encoded in JSON. Keys may not overlap with data.");
  immutable :group $K8s.optional { union { unset @5 :Void; value @6 :Bool; } }
}

struct Secret $K8s.doc("Secret holds secret data of a certain type.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  data @3 :List(K8s.BytesEntry) $K8s.map
      $K8s.doc("Secret data; each value is base64-encoded in JSON.");
  stringData @4 :List(K8s.StringEntry) $K8s.map
      $K8s.doc("Write-only convenience: plain string values merged into data on write.");
  type @5 :Text $K8s.doc("Used to ease programmatic handling of secret data (Opaque, kubernetes.io/tls, ...).");
  immutable :group $K8s.optional { union { unset @6 :Void; value @7 :Bool; } }
}

struct EventSource {
  component @0 :Text;
  host @1 :Text;
}

struct EventSeries {
  count @0 :Int32;
  lastObservedTime @1 :Text;
}

struct Event $K8s.doc("Event is a report of an event somewhere in the cluster.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  involvedObject @3 :Meta.ObjectReference $K8s.required $K8s.doc("The object this event is about.");
  reason @4 :Text $K8s.doc("Short, machine understandable reason for the transition (CamelCase).");
  message @5 :Text $K8s.doc("Human-readable description of the status of this operation.");
  source @6 :EventSource;
  firstTimestamp @7 :Text;
  lastTimestamp @8 :Text;
  count @9 :Int32;
  type @10 :Text $K8s.doc("Normal or Warning.");
  eventTime @11 :Text;
  series @12 :EventSeries;
  action @13 :Text;
  related @14 :Meta.ObjectReference;
  reportingComponent @15 :Text;
  reportingInstance @16 :Text;
}

struct ServiceAccount $K8s.doc("ServiceAccount binds together a name, secrets and pull secrets.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  secrets @3 :List(Meta.ObjectReference) $K8s.patchMergeKey("name") $K8s.patchStrategy("merge");
  imagePullSecrets @4 :List(Meta.LocalObjectReference);
  automountServiceAccountToken :group $K8s.optional { union { unset @5 :Void; value @6 :Bool; } }
}
