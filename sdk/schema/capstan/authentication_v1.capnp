@0x891bcbe6f1c16e21;
# authentication.k8s.io/v1 kinds as k8s.io/api/authentication/v1 (release-1.33) defines them:
# SelfSubjectReview (`kubectl auth whoami`), a transient kind — created, answered, never stored.
# Numbers are those of its generated.proto; UserInfo.extra (a map of ExtraValue messages
# upstream) travels in JSON only (see docs/security.md).
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::authentication::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct ExtraEntry {
  key @0 :Text;
  value @1 :List(Text);
}

struct UserInfo $K8s.doc("UserInfo holds the information about the user needed to implement the user.Info interface.") {
  username @0 :Text $K8s.proto(1) $K8s.doc("The name that uniquely identifies this user among all active users.");
  uid @1 :Text $K8s.proto(2) $K8s.doc("A unique value that identifies this user across time. If this user is deleted and another user by the same name is added, they will have different UIDs.");
  groups @2 :List(Text) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("The names of groups this user is a part of.");
  extra @3 :List(ExtraEntry) $K8s.map $K8s.doc("Any additional information provided by the authenticator.");
}

struct SelfSubjectReviewStatus $K8s.doc("SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user.") {
  userInfo @0 :UserInfo $K8s.proto(1) $K8s.doc("User attributes of the user making this request.");
}

struct SelfSubjectReview $K8s.doc("SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request. When using impersonation, users will receive the user info of the user being impersonated.  If impersonation or request header authentication is used, any extra keys will have their case ignored and returned as lowercase.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  status @3 :SelfSubjectReviewStatus $K8s.proto(2) $K8s.doc("Status is filled in by the server with the user attributes.");
}
