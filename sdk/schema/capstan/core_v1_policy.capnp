@0x8bd69a92233f8f9d;
# core/v1 LimitRange and ResourceQuota (the "" API group), with the field names, JSON names and
# protobuf numbers of k8s.io/api/core/v1 (release-1.33). Each root struct starts with apiVersion,
# kind and metadata. Evolution rules: append fields with new ordinals; never renumber, retype or
# reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::core::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct LimitRangeItem $K8s.doc("LimitRangeItem defines a min/max usage limit for any resource that matches on kind.") {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Type of resource that this limit applies to: Container, Pod or PersistentVolumeClaim.");
  max @1 :List(K8s.QuantityEntry) $K8s.proto(2) $K8s.map $K8s.doc("Max usage constraints on this kind by resource name.");
  min @2 :List(K8s.QuantityEntry) $K8s.proto(3) $K8s.map $K8s.doc("Min usage constraints on this kind by resource name.");
  default @3 :List(K8s.QuantityEntry) $K8s.proto(4) $K8s.map $K8s.doc("Default resource requirement limit value by resource name if resource limit is omitted.");
  defaultRequest @4 :List(K8s.QuantityEntry) $K8s.proto(5) $K8s.map $K8s.doc("DefaultRequest is the default resource requirement request value by resource name if resource request is omitted.");
  maxLimitRequestRatio @5 :List(K8s.QuantityEntry) $K8s.proto(6) $K8s.map $K8s.doc("MaxLimitRequestRatio if specified, the named resource must have a request and limit that are both non-zero where limit divided by request is less than or equal to the enumerated value; this represents the max burst for the named resource.");
}

struct LimitRangeSpec $K8s.doc("LimitRangeSpec defines a min/max usage limit for resources that match on kind.") {
  limits @0 :List(LimitRangeItem) $K8s.proto(1) $K8s.required $K8s.listType("atomic") $K8s.doc("Limits is the list of LimitRangeItem objects that are enforced.");
}

struct LimitRange $K8s.doc("LimitRange sets resource usage limits for each kind of resource in a Namespace.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :LimitRangeSpec $K8s.proto(2) $K8s.doc("Spec defines the limits enforced.");
}

struct ScopedResourceSelectorRequirement $K8s.doc("A scoped-resource selector requirement is a selector that contains values, a scope name, and an operator that relates the scope name and values.") {
  scopeName @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("The name of the scope that the selector applies to.");
  operator @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Represents a scope's relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist.");
  values @2 :List(Text) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("An array of string values.");
}

struct ScopeSelector $K8s.doc("A scope selector represents the AND of the selectors represented by the scoped-resource selector requirements.") {
  matchExpressions @0 :List(ScopedResourceSelectorRequirement) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("A list of scope selector requirements by scope of the resources.");
}

struct ResourceQuotaSpec $K8s.doc("ResourceQuotaSpec defines the desired hard limits to enforce for Quota.") {
  hard @0 :List(K8s.QuantityEntry) $K8s.proto(1) $K8s.map $K8s.doc("hard is the set of desired hard limits for each named resource.");
  scopes @1 :List(Text) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("A collection of filters that must match each object tracked by a quota. If not specified, the quota matches all objects.");
  scopeSelector @2 :ScopeSelector $K8s.proto(3) $K8s.nullable $K8s.doc("scopeSelector is also a collection of filters like scopes that must match each object tracked by a quota but expressed using ScopeSelectorOperator in combination with possible values.");
}

struct ResourceQuotaStatus $K8s.doc("ResourceQuotaStatus defines the enforced hard limits and observed use.") {
  hard @0 :List(K8s.QuantityEntry) $K8s.proto(1) $K8s.map $K8s.doc("Hard is the set of enforced hard limits for each named resource.");
  used @1 :List(K8s.QuantityEntry) $K8s.proto(2) $K8s.map $K8s.doc("Used is the current observed total usage of the resource in the namespace.");
}

struct ResourceQuota $K8s.doc("ResourceQuota sets aggregate quota restrictions enforced per namespace") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :ResourceQuotaSpec $K8s.proto(2) $K8s.doc("Spec defines the desired quota.");
  status @4 :ResourceQuotaStatus $K8s.proto(3) $K8s.doc("Status defines the actual enforced quota and its current usage.");
}
