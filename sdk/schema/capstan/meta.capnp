@0xd8ee98dc84b7a468;
# meta/v1: the metadata every object carries. Field names are the Kubernetes JSON names.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::meta");
using K8s = import "k8s.capnp";

struct OwnerReference {
  apiVersion @0 :Text $K8s.proto(5) $K8s.required;
  kind @1 :Text $K8s.proto(1) $K8s.required;
  name @2 :Text $K8s.proto(3) $K8s.required;
  uid @3 :Text $K8s.proto(4) $K8s.required;
  controller :group $K8s.proto(6) $K8s.optional { union { unset @4 :Void; value @5 :Bool; } }
  blockOwnerDeletion :group $K8s.proto(7) $K8s.optional { union { unset @6 :Void; value @7 :Bool; } }
}

struct ManagedFieldsEntry {
  manager @0 :Text $K8s.proto(1);
  operation @1 :Text $K8s.proto(2);
  apiVersion @2 :Text $K8s.proto(3);
  time @3 :Text $K8s.proto(4) $K8s.time $K8s.nullable;
  fieldsType @4 :Text $K8s.proto(6);
  fieldsV1 @5 :Text $K8s.proto(7) $K8s.nullable $K8s.rawJson;
  subresource @6 :Text $K8s.proto(8);
}

struct ObjectMeta $K8s.doc("Standard object metadata: name, namespace, labels, annotations and the fields the server maintains.") {
  name @0 :Text $K8s.proto(1) $K8s.doc("Name must be unique within a namespace. It is a DNS subdomain for most kinds.");
  generateName @1 :Text $K8s.proto(2) $K8s.doc("A prefix the server completes with a random suffix when name is empty.");
  namespace @2 :Text $K8s.proto(3) $K8s.doc("The namespace the object lives in; empty for cluster-scoped kinds.");
  uid @3 :Text $K8s.proto(5) $K8s.doc("Unique id the server assigns at creation.");
  resourceVersion @4 :Text $K8s.proto(6) $K8s.doc("Opaque version of this object; updates that carry a stale one fail with Conflict.");
  generation :group $K8s.proto(7) $K8s.notNullable $K8s.optional { union { unset @5 :Void; value @6 :Int64; } }
  creationTimestamp @7 :Text $K8s.proto(8) $K8s.time $K8s.doc("RFC 3339 time the object was created.");
  deletionTimestamp @8 :Text $K8s.proto(9) $K8s.time $K8s.nullable $K8s.doc("RFC 3339 time after which the object will be deleted; set when deletion waits for finalizers.");
  deletionGracePeriodSeconds :group $K8s.proto(10) $K8s.optional { union { unset @9 :Void; value @10 :Int64; } }
  labels @11 :List(K8s.StringEntry) $K8s.proto(11) $K8s.map $K8s.doc("Map of string keys and values used to organise and select objects.");
  annotations @12 :List(K8s.StringEntry) $K8s.proto(12) $K8s.map $K8s.doc("Map of string keys and values holding arbitrary, non-identifying metadata.");
  ownerReferences @13 :List(OwnerReference) $K8s.proto(13) $K8s.patchMergeKey("uid") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("uid") $K8s.doc("Objects this one depends on; the garbage collector deletes it when they are gone.");
  finalizers @14 :List(Text) $K8s.proto(14) $K8s.patchStrategy("merge") $K8s.listType("set")
      $K8s.doc("Must be empty before the object is deleted from the store.");
  managedFields @15 :List(ManagedFieldsEntry) $K8s.proto(17) $K8s.doc("Which field manager owns which fields (server-side apply).");
  selfLink @16 :Text $K8s.proto(4);
}

struct ObjectReference {
  kind @0 :Text $K8s.proto(1);
  namespace @1 :Text $K8s.proto(2);
  name @2 :Text $K8s.proto(3);
  uid @3 :Text $K8s.proto(4);
  apiVersion @4 :Text $K8s.proto(5);
  resourceVersion @5 :Text $K8s.proto(6);
  fieldPath @6 :Text $K8s.proto(7);
}

struct LocalObjectReference {
  name @0 :Text $K8s.proto(1);
}

struct LabelSelectorRequirement {
  key @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("The label key that the selector applies to.");
  operator @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("The key's relationship to the values: In, NotIn, Exists or DoesNotExist.");
  values @2 :List(Text) $K8s.proto(3) $K8s.listType("atomic")
      $K8s.doc("Values for In and NotIn (non-empty); must be empty for Exists and DoesNotExist.");
}

struct LabelSelector $K8s.doc("A label query over a set of resources. The requirements are ANDed; an empty selector matches everything, a null one nothing.") {
  matchLabels @0 :List(K8s.StringEntry) $K8s.proto(1) $K8s.map
      $K8s.doc("Map of {key,value} pairs; each is equivalent to a matchExpressions element with operator In and that single value.");
  matchExpressions @1 :List(LabelSelectorRequirement) $K8s.proto(2) $K8s.listType("atomic")
      $K8s.doc("A list of label selector requirements. The requirements are ANDed.");
}
