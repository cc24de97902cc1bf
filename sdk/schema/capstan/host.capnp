@0xe4871c1950d55fb3;
# Messages of capstan_host_api.call/watch and capstan_plugin_descriptor.on_admit.
# Objects travel as `Data` holding a serialized message of the kind's root struct.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::host");
using Plugin = import "plugin.capnp";

struct ResourceRef {
  group @0 :Text;
  version @1 :Text;
  resource @2 :Text;      # plural, e.g. configmaps
}

struct StatusCause {
  field @0 :Text;
  reason @1 :Text;
  message @2 :Text;
}

struct Status {
  code @0 :Int32;         # HTTP code; 0 or 2xx = success
  reason @1 :Text;        # NotFound, Conflict, Invalid, ...
  message @2 :Text;
  causes @3 :List(StatusCause);
}

struct HostRequest {
  resource @0 :ResourceRef;
  namespace @1 :Text;
  name @2 :Text;
  union {
    get @3 :Void;
    list :group {
      labelSelector @4 :Text;
      fieldSelector @5 :Text;
    }
    create @6 :Data;             # the object
    update :group {              # replace; metadata.resourceVersion, when set, is a precondition
      object @7 :Data;
      subresource @8 :Text;      # "" or "status"
    }
    delete :group {
      propagationPolicy @9 :Text;   # Background (default) | Foreground | Orphan
      preconditionUid @10 :Text;
      gracePeriodSeconds @17 :Int64 = -1;  # -1: the object's default; 0: at once
    }
    patch :group {
      patchType @11 :Text;       # merge | json | strategic
      body @12 :Text;            # the patch as JSON
      subresource @13 :Text;
    }
    listKinds @14 :Void;          # every registered kind (namespace lifecycle, garbage collection)
    bind @16 :Text;               # retired (ABI 1.2 and before): use postSubresource "binding"
    postSubresource :group {      # POST to a subresource the object's kind serves (binding, eviction)
      subresource @18 :Text;
      body @19 :Text;             # the subresource's request object as JSON (a Binding, an Eviction)
    }
    # ABI 1.5: asks the kernel's authorizers (system:masters, then the authorizer plugins) about a
    # request, or with `rulesReview` for the rules a user has in a namespace — what access reviews
    # (SelfSubjectAccessReview, SelfSubjectRulesReview) answer. The answer is in `authorization`.
    authorize @20 :AuthorizationRequest;
  }
  fieldManager @15 :Text;
}

struct HostResponse {
  status @0 :Status;
  object @1 :Data;
  items @2 :List(Data);
  resourceVersion @3 :UInt64;
  kinds @4 :List(Plugin.KindInfo);
  authorization @5 :AuthorizationResponse;   # ABI 1.5: the answer to `authorize`
}

struct WatchRequest {
  resource @0 :ResourceRef;
  namespace @1 :Text;             # empty = all namespaces
  resourceVersion @2 :UInt64;     # deliver events after this revision; 0 = from now
  labelSelector @3 :Text;
  fieldSelector @4 :Text;
}

struct WatchEvent {
  type @0 :Type;
  enum Type {
    added @0;
    modified @1;
    deleted @2;
    bookmark @3;
    resync @4;     # the watch fell behind or its revision was compacted: list again
  }
  object @1 :Data;
  resourceVersion @2 :UInt64;
}

struct AdmissionRequest {
  operation @0 :Operation;
  enum Operation {
    create @0;
    update @1;
    delete @2;
  }
  resource @1 :ResourceRef;
  kind @2 :Text;
  subresource @3 :Text;
  object @4 :Data;       # the new object (create/update), empty on delete
  oldObject @5 :Data;    # the stored object (update/delete)
  dryRun @6 :Bool;
  gracePeriodSeconds @7 :Int64 = -1;  # delete: the grace period the client asked for; -1 = none
  hook @8 :Text;         # empty: the admission of the kind's owner; else the plugin's admission hook of that name
  userInfo @9 :UserInfo; # ABI 1.4: who asked (empty username: a write of the kernel or of a plugin)
}

struct AdmissionResponse {
  allowed @0 :Bool;
  status @1 :Status;     # when not allowed: the error (Invalid with causes, Forbidden, ...)
  object @2 :Data;       # mutated object; empty = unchanged
  retain @3 :Bool;       # on delete: keep the object (marked with deletionTimestamp) instead of removing it
  warnings @4 :List(Text);
  gracePeriodSeconds @5 :Int64 = -1;  # with retain: the object's deletionGracePeriodSeconds
}

# Sent by the kernel to the on_invoke of the plugin owning a kind, for a connect subresource of
# one object (see plugin.capnp Subresource.connect).
struct ConnectRequest {
  resource @0 :ResourceRef;
  subresource @1 :Text;       # log | exec | attach | ...
  object @2 :Data;            # the object, as stored
  query @3 :Text;             # the client's raw query string (container=c&follow=true&command=ls)
}

struct ConnectResponse {
  status @0 :Status;          # code 0 or 2xx: proxy to url; otherwise answer the client with it
  url @1 :Text;               # http://host:port/path?query (plain HTTP on the node network)
}

struct PrintRequest {
  kind @0 :Text;
  objects @1 :List(Data);
}

struct PrintResponse {
  rows @0 :List(PrintRow);   # one per object, in order
}

struct PrintRow {
  cells @0 :List(Text);      # the kind's computed columns, in declaration order
}

# ABI 1.4: an authenticated user, as Kubernetes' user.Info (authentication.k8s.io UserInfo).
struct UserInfo {
  username @0 :Text;
  uid @1 :Text;
  groups @2 :List(Text);
  extra @3 :List(Extra);
  struct Extra {
    key @0 :Text;
    values @1 :List(Text);
  }
}

# ABI 1.4: one request to authorize, as Kubernetes' authorizer.Attributes.
struct AuthorizationRequest {
  user @0 :UserInfo;
  verb @1 :Text;               # get list watch create update patch delete deletecollection; impersonate, bind, escalate...; non-resource: get post put...
  resourceRequest @2 :Bool;    # false: a non-resource path (/healthz, /api, /apis/apps)
  group @3 :Text;
  version @4 :Text;
  resource @5 :Text;           # plural
  subresource @6 :Text;
  namespace @7 :Text;
  name @8 :Text;
  path @9 :Text;               # the request path (non-resource requests)
  # ABI 1.5: not one request but a listing: the rules `user` has in `namespace` (cluster-wide
  # ones included), as Kubernetes' authorizer.RuleResolver answers SelfSubjectRulesReview. The
  # other fields are unset. Authorizers that cannot list rules answer `incomplete`.
  rulesReview @10 :Bool;
}

struct AuthorizationResponse {
  decision @0 :Decision;
  enum Decision {
    noOpinion @0;   # the next authorizer is asked; when none allows, the request is forbidden
    allow @1;
    deny @2;        # forbidden at once; later authorizers are not asked
  }
  reason @1 :Text;            # appended to the Forbidden message (and shown by access reviews)
  evaluationError @2 :Text;
  # ABI 1.5, answers to a `rulesReview`: what the user may do (a partial list may be marked
  # `incomplete`; rules are additive, so whatever is listed holds).
  resourceRules @3 :List(ResourceRule);
  nonResourceRules @4 :List(NonResourceRule);
  incomplete @5 :Bool;
}

struct ResourceRule {
  verbs @0 :List(Text);
  apiGroups @1 :List(Text);
  resources @2 :List(Text);       # "pods", "pods/log", "*", "*/scale"
  resourceNames @3 :List(Text);   # empty: every name
}

struct NonResourceRule {
  verbs @0 :List(Text);
  nonResourceURLs @1 :List(Text); # "/healthz", "/apis/*"
}
