@0xcff69707e176502a;
# rbac.authorization.k8s.io/v1 kinds. Each root struct starts with apiVersion, kind and metadata.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::rbac::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct PolicyRule $K8s.doc("PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.") {
  verbs @0 :List(Text) $K8s.proto(1) $K8s.required $K8s.listType("atomic") $K8s.doc("Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs.");
  apiGroups @1 :List(Text) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("APIGroups is the name of the APIGroup that contains the resources. \"\" represents the core API group and \"*\" represents all API groups.");
  resources @2 :List(Text) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("Resources is a list of resources this rule applies to. '*' represents all resources.");
  resourceNames @3 :List(Text) $K8s.proto(4) $K8s.listType("atomic") $K8s.doc("ResourceNames is an optional white list of names that the rule applies to. An empty set means that everything is allowed.");
  nonResourceURLs @4 :List(Text) $K8s.proto(5) $K8s.listType("atomic") $K8s.jsonName("nonResourceURLs") $K8s.doc("NonResourceURLs is a set of partial urls that a user should have access to. *s are allowed, but only as the full, final step in the path.");
}

struct Subject $K8s.doc("Subject contains a reference to the object or user identities a role binding applies to.") {
  kind @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Kind of object being referenced: \"User\", \"Group\" or \"ServiceAccount\".");
  apiGroup @1 :Text $K8s.proto(2) $K8s.doc("APIGroup holds the API group of the referenced subject. Defaults to \"\" for ServiceAccount subjects and to \"rbac.authorization.k8s.io\" for User and Group subjects.");
  name @2 :Text $K8s.proto(3) $K8s.required $K8s.doc("Name of the object being referenced.");
  namespace @3 :Text $K8s.proto(4) $K8s.doc("Namespace of the referenced object (ServiceAccount subjects).");
}

struct RoleRef $K8s.doc("RoleRef contains information that points to the role being used.") {
  apiGroup @0 :Text $K8s.proto(1) $K8s.doc("APIGroup is the group for the resource being referenced.");
  kind @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Kind is the type of resource being referenced: Role or ClusterRole.");
  name @2 :Text $K8s.proto(3) $K8s.required $K8s.doc("Name is the name of resource being referenced.");
}

struct AggregationRule $K8s.doc("AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole.") {
  clusterRoleSelectors @0 :List(Meta.LabelSelector) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("ClusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules. If any of the selectors match, then the ClusterRole's permissions will be added.");
}

struct Role $K8s.doc("Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  rules @3 :List(PolicyRule) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("Rules holds all the PolicyRules for this Role.");
}

struct ClusterRole $K8s.doc("ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  rules @3 :List(PolicyRule) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("Rules holds all the PolicyRules for this ClusterRole.");
  aggregationRule @4 :AggregationRule $K8s.proto(3) $K8s.nullable $K8s.doc("AggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If set, the Rules are controller managed and direct changes to Rules will be stomped by the controller.");
}

struct RoleBinding $K8s.doc("RoleBinding references a role, but does not contain it. It can reference a Role in the current namespace or a ClusterRole in the global namespace; it takes effect in its own namespace only.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  subjects @3 :List(Subject) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("Subjects holds references to the objects the role applies to.");
  roleRef @4 :RoleRef $K8s.proto(3) $K8s.required $K8s.doc("RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. This field is immutable.");
}

struct ClusterRoleBinding $K8s.doc("ClusterRoleBinding references a ClusterRole, but not contain it. It adds who information via Subject.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  subjects @3 :List(Subject) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("Subjects holds references to the objects the role applies to.");
  roleRef @4 :RoleRef $K8s.proto(3) $K8s.required $K8s.doc("RoleRef can only reference a ClusterRole in the global namespace. This field is immutable.");
}
