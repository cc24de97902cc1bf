@0xcc34279e48adc584;
# authorization.k8s.io/v1 kinds: the access reviews, as k8s.io/api/authorization/v1 (release-1.33)
# defines them — SelfSubjectAccessReview (`kubectl auth can-i`), SubjectAccessReview,
# LocalSubjectAccessReview and SelfSubjectRulesReview (`kubectl auth can-i --list`). They are
# transient kinds: created, answered, never stored. Numbers are those of its generated.proto.
# SubjectAccessReviewSpec.extra (a map of ExtraValue messages upstream) travels in JSON only: see
# docs/security.md. The field and label selectors of ResourceAttributes (1.31+) are not served.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::authorization::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct ResourceAttributes $K8s.doc("ResourceAttributes includes the authorization attributes available for resource requests to the Authorizer interface") {
  namespace @0 :Text $K8s.proto(1) $K8s.doc("Namespace is the namespace of the action being requested.  Currently, there is no distinction between no namespace and all namespaces \"\" (empty) is defaulted for LocalSubjectAccessReviews \"\" (empty) is empty for cluster-scoped resources \"\" (empty) means \"all\" for namespace scoped resources from a SubjectAccessReview or SelfSubjectAccessReview");
  verb @1 :Text $K8s.proto(2) $K8s.doc("Verb is a kubernetes resource API verb, like: get, list, watch, create, update, delete, proxy.  \"*\" means all.");
  group @2 :Text $K8s.proto(3) $K8s.doc("Group is the API Group of the Resource.  \"*\" means all.");
  version @3 :Text $K8s.proto(4) $K8s.doc("Version is the API Version of the Resource.  \"*\" means all.");
  resource @4 :Text $K8s.proto(5) $K8s.doc("Resource is one of the existing resource types.  \"*\" means all.");
  subresource @5 :Text $K8s.proto(6) $K8s.doc("Subresource is one of the existing resource types.  \"\" means none.");
  name @6 :Text $K8s.proto(7) $K8s.doc("Name is the name of the resource being requested for a \"get\" or deleted for a \"delete\". \"\" (empty) means all.");
}

struct NonResourceAttributes $K8s.doc("NonResourceAttributes includes the authorization attributes available for non-resource requests to the Authorizer interface") {
  path @0 :Text $K8s.proto(1) $K8s.doc("Path is the URL path of the request");
  verb @1 :Text $K8s.proto(2) $K8s.doc("Verb is the standard HTTP verb");
}

struct ExtraEntry {
  key @0 :Text;
  value @1 :List(Text);
}

struct SubjectAccessReviewSpec $K8s.doc("SubjectAccessReviewSpec is a description of the access request.  Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set") {
  resourceAttributes @0 :ResourceAttributes $K8s.proto(1) $K8s.nullable $K8s.doc("ResourceAuthorizationAttributes describes information for a resource access request");
  nonResourceAttributes @1 :NonResourceAttributes $K8s.proto(2) $K8s.nullable $K8s.doc("NonResourceAttributes describes information for a non-resource access request");
  user @2 :Text $K8s.proto(3) $K8s.doc("User is the user you're testing for. If you specify \"User\" but not \"Groups\", then is it interpreted as \"What if User were not a member of any groups");
  groups @3 :List(Text) $K8s.proto(4) $K8s.listType("atomic") $K8s.doc("Groups is the groups you're testing for.");
  extra @4 :List(ExtraEntry) $K8s.map $K8s.doc("Extra corresponds to the user.Info.GetExtra() method from the authenticator.  Since that is input to the authorizer it needs a reflection here.");
  uid @5 :Text $K8s.proto(6) $K8s.doc("UID information about the requesting user.");
}

struct SelfSubjectAccessReviewSpec $K8s.doc("SelfSubjectAccessReviewSpec is a description of the access request.  Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set") {
  resourceAttributes @0 :ResourceAttributes $K8s.proto(1) $K8s.nullable $K8s.doc("ResourceAuthorizationAttributes describes information for a resource access request");
  nonResourceAttributes @1 :NonResourceAttributes $K8s.proto(2) $K8s.nullable $K8s.doc("NonResourceAttributes describes information for a non-resource access request");
}

struct SubjectAccessReviewStatus $K8s.doc("SubjectAccessReviewStatus") {
  allowed :group $K8s.proto(1) $K8s.optional $K8s.notNullable $K8s.doc("Allowed is required. True if the action would be allowed, false otherwise.") {
    union { unset @0 :Void; value @1 :Bool; }
  }
  denied @2 :Bool $K8s.proto(4) $K8s.doc("Denied is optional. True if the action would be denied, otherwise false. If both allowed is false and denied is false, then the authorizer has no opinion on whether to authorize the action. Denied may not be true if Allowed is true.");
  reason @3 :Text $K8s.proto(2) $K8s.doc("Reason is optional.  It indicates why a request was allowed or denied.");
  evaluationError @4 :Text $K8s.proto(3) $K8s.doc("EvaluationError is an indication that some error occurred during the authorization check. It is entirely possible to get an error and be able to continue determine authorization status in spite of it. For instance, RBAC can be missing a role, but enough roles are still present and bound to reason about the request.");
}

struct SelfSubjectAccessReview $K8s.doc("SelfSubjectAccessReview checks whether or the current user can perform an action.  Not filling in a spec.namespace means \"in all namespaces\".  Self is a special case, because users should always be able to check whether they can perform an action") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :SelfSubjectAccessReviewSpec $K8s.proto(2) $K8s.required $K8s.doc("Spec holds information about the request being evaluated.  user and groups must be empty");
  status @4 :SubjectAccessReviewStatus $K8s.proto(3) $K8s.doc("Status is filled in by the server and indicates whether the request is allowed or not");
}

struct SubjectAccessReview $K8s.doc("SubjectAccessReview checks whether or not a user or group can perform an action.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :SubjectAccessReviewSpec $K8s.proto(2) $K8s.required $K8s.doc("Spec holds information about the request being evaluated");
  status @4 :SubjectAccessReviewStatus $K8s.proto(3) $K8s.doc("Status is filled in by the server and indicates whether the request is allowed or not");
}

struct LocalSubjectAccessReview $K8s.doc("LocalSubjectAccessReview checks whether or not a user or group can perform an action in a given namespace. Having a namespace scoped resource makes it much easier to grant namespace scoped policy that includes permissions checking.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :SubjectAccessReviewSpec $K8s.proto(2) $K8s.required $K8s.doc("Spec holds information about the request being evaluated.  spec.namespace must be equal to the namespace you made the request against.  If empty, it is defaulted.");
  status @4 :SubjectAccessReviewStatus $K8s.proto(3) $K8s.doc("Status is filled in by the server and indicates whether the request is allowed or not");
}

struct ResourceRule $K8s.doc("ResourceRule is the list of actions the subject is allowed to perform on resources. The list ordering isn't significant, may contain duplicates, and possibly be incomplete.") {
  verbs @0 :List(Text) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("Verb is a list of kubernetes resource API verbs, like: get, list, watch, create, update, delete, proxy.  \"*\" means all.");
  apiGroups @1 :List(Text) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("APIGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed.  \"*\" means all.");
  resources @2 :List(Text) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("Resources is a list of resources this rule applies to.  \"*\" means all in the specified apiGroups. \"*/foo\" represents the subresource 'foo' for all resources in the specified apiGroups.");
  resourceNames @3 :List(Text) $K8s.proto(4) $K8s.listType("atomic") $K8s.doc("ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.  \"*\" means all.");
}

struct NonResourceRule $K8s.doc("NonResourceRule holds information that describes a rule for the non-resource") {
  verbs @0 :List(Text) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("Verb is a list of kubernetes non-resource API verbs, like: get, post, put, delete, patch, head, options.  \"*\" means all.");
  nonResourceURLs @1 :List(Text) $K8s.proto(2) $K8s.listType("atomic") $K8s.jsonName("nonResourceURLs") $K8s.doc("NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path.  \"*\" means all.");
}

struct SelfSubjectRulesReviewSpec $K8s.doc("SelfSubjectRulesReviewSpec defines the specification for SelfSubjectRulesReview.") {
  namespace @0 :Text $K8s.proto(1) $K8s.doc("Namespace to evaluate rules for. Required.");
}

struct SubjectRulesReviewStatus $K8s.doc("SubjectRulesReviewStatus contains the result of a rules check. This check can be incomplete depending on the set of authorizers the server is configured with and any errors experienced during evaluation. Because authorization rules are additive, if a rule appears in a list it's safe to assume the subject has that permission, even if that list is incomplete.") {
  resourceRules @0 :List(ResourceRule) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("ResourceRules is the list of actions the subject is allowed to perform on resources. The list ordering isn't significant, may contain duplicates, and possibly be incomplete.");
  nonResourceRules @1 :List(NonResourceRule) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("NonResourceRules is the list of actions the subject is allowed to perform on non-resources. The list ordering isn't significant, may contain duplicates, and possibly be incomplete.");
  incomplete :group $K8s.proto(3) $K8s.optional $K8s.notNullable $K8s.doc("Incomplete is true when the rules returned by this call are incomplete. This is most commonly encountered when an authorizer, such as an external authorizer, doesn't support rules evaluation.") {
    union { unset @2 :Void; value @3 :Bool; }
  }
  evaluationError @4 :Text $K8s.proto(4) $K8s.doc("EvaluationError can appear in combination with Rules. It indicates an error occurred during rule evaluation, such as an authorizer that doesn't support rule evaluation, and that ResourceRules and/or NonResourceRules may be incomplete.");
}

struct SelfSubjectRulesReview $K8s.doc("SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace. The returned list of actions may be incomplete depending on the server's authorization mode, and any errors experienced during the evaluation. SelfSubjectRulesReview should be used by UIs to show/hide actions, or to quickly let an end user reason about their permissions. It should NOT Be used by external systems to drive authorization decisions as this raises confused deputy, cache lifetime/revocation, and correctness concerns. SubjectAccessReview, and LocalAccessReview are the correct way to defer authorization decisions to the API server.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :SelfSubjectRulesReviewSpec $K8s.proto(2) $K8s.required $K8s.doc("Spec holds information about the request being evaluated.");
  status @4 :SubjectRulesReviewStatus $K8s.proto(3) $K8s.doc("Status is filled in by the server and indicates the set of actions a user can perform.");
}
