@0xee902f6a9a9dc2a0;
# networking.k8s.io/v1 kinds: Ingress and IngressClass, as k8s.io/api/networking/v1 defines them.
# Each root struct starts with apiVersion, kind and metadata; field names are the Kubernetes JSON
# names. Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.
#
# Protobuf numbers ($K8s.proto) are those of k8s.io/api/networking/v1/generated.proto; IngressRule's
# `http` belongs upstream to the embedded IngressRuleValue (field 2). See docs/protobuf.md.
#
# pathType and backend are not marked required here: kube-apiserver reports their absence from
# validation with its own messages ("pathType must be specified", "resource or service backend is
# required"), which the kind's plugin reproduces.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::networking::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct TypedLocalObjectReference $K8s.doc("TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace.") {
  apiGroup :group $K8s.proto(1) $K8s.optional
      $K8s.doc("APIGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group. For any other third-party types, APIGroup is required.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  kind @2 :Text $K8s.proto(2) $K8s.doc("Kind is the type of resource being referenced");
  name @3 :Text $K8s.proto(3) $K8s.doc("Name is the name of resource being referenced");
}

struct ServiceBackendPort $K8s.doc("ServiceBackendPort is the service port being referenced.") {
  name @0 :Text $K8s.proto(1) $K8s.doc("name is the name of the port on the Service. This is a mutually exclusive setting with \"Number\".");
  number @1 :Int32 $K8s.proto(2) $K8s.doc("number is the numerical port number (e.g. 80) on the Service. This is a mutually exclusive setting with \"Name\".");
}

struct IngressServiceBackend $K8s.doc("IngressServiceBackend references a Kubernetes Service as a Backend.") {
  name @0 :Text $K8s.proto(1) $K8s.doc("name is the referenced service. The service must exist in the same namespace as the Ingress object.");
  port @1 :ServiceBackendPort $K8s.proto(2) $K8s.doc("port of the referenced service. A port name or port number is required for a IngressServiceBackend.");
}

struct IngressBackend $K8s.doc("IngressBackend describes all endpoints for a given service and port.") {
  service @0 :IngressServiceBackend $K8s.proto(4) $K8s.nullable $K8s.doc("service references a service as a backend. This is a mutually exclusive setting with \"Resource\".");
  resource @1 :TypedLocalObjectReference $K8s.proto(3) $K8s.nullable $K8s.doc("resource is an ObjectRef to another Kubernetes resource in the namespace of the Ingress object. If resource is specified, a service.Name and service.Port must not be specified. This is a mutually exclusive setting with \"Service\".");
}

struct HTTPIngressPath $K8s.doc("HTTPIngressPath associates a path with a backend. Incoming urls matching the path are forwarded to the backend.") {
  path @0 :Text $K8s.proto(1) $K8s.doc("path is matched against the path of an incoming request. Currently it can contain characters disallowed from the conventional \"path\" part of a URL as defined by RFC 3986. Paths must begin with a '/' and must be present when using PathType with value \"Exact\" or \"Prefix\".");
  pathType @1 :Text $K8s.proto(3) $K8s.nullable $K8s.doc("pathType determines the interpretation of the path matching. PathType can be one of the following values: * Exact: Matches the URL path exactly. * Prefix: Matches based on a URL path prefix split by '/'. Matching is done on a path element by element basis. A path element refers is the list of labels in the path split by the '/' separator. A request is a match for path p if every p is an element-wise prefix of p of the request path. Note that if the last element of the path is a substring of the last element in request path, it is not a match (e.g. /foo/bar matches /foo/bar/baz, but does not match /foo/barbaz). * ImplementationSpecific: Interpretation of the Path matching is up to the IngressClass. Implementations can treat this as a separate PathType or treat it identically to Prefix or Exact path types. Implementations are required to support all path types.");
  backend @2 :IngressBackend $K8s.proto(2) $K8s.doc("backend defines the referenced service endpoint to which the traffic will be forwarded to.");
}

struct HTTPIngressRuleValue $K8s.doc("HTTPIngressRuleValue is a list of http selectors pointing to backends. In the example: http://<host>/<path>?<searchpart> -> backend where where parts of the url correspond to RFC 3986, this resource will be used to match against everything after the last '/' and before the first '?' or '#'.") {
  paths @0 :List(HTTPIngressPath) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("paths is a collection of paths that map requests to backends.");
}

struct IngressRule $K8s.doc("IngressRule represents the rules mapping the paths under a specified host to the related backend services. Incoming requests are first evaluated for a host match, then routed to the backend associated with the matching IngressRuleValue.") {
  host @0 :Text $K8s.proto(1) $K8s.doc("host is the fully qualified domain name of a network host, as defined by RFC 3986. Note the following deviations from the \"host\" part of the URI as defined in RFC 3986: 1. IPs are not allowed. Currently an IngressRuleValue can only apply to the IP in the Spec of the parent Ingress. 2. The `:` delimiter is not respected because ports are not allowed. Currently the port of an Ingress is implicitly :80 for http and :443 for https. Both these may change in the future. Incoming requests are matched against the host before the IngressRuleValue. If the host is unspecified, the Ingress routes all traffic based on the specified IngressRuleValue. host can be \"precise\" which is a domain name without the terminating dot of a network host (e.g. \"foo.bar.com\") or \"wildcard\", which is a domain name prefixed with a single wildcard label (e.g. \"*.foo.com\"). The wildcard character '*' must appear by itself as the first DNS label and matches only a single label. You cannot have a wildcard label by itself (e.g. Host == \"*\").");
  http @1 :HTTPIngressRuleValue $K8s.proto(1) $K8s.protoEmbedded(2) $K8s.nullable;
}

struct IngressTLS $K8s.doc("IngressTLS describes the transport layer security associated with an ingress.") {
  hosts @0 :List(Text) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("hosts is a list of hosts included in the TLS certificate. The values in this list must match the name/s used in the tlsSecret. Defaults to the wildcard host setting for the loadbalancer controller fulfilling this Ingress, if left unspecified.");
  secretName @1 :Text $K8s.proto(2) $K8s.doc("secretName is the name of the secret used to terminate TLS traffic on port 443. Field is left optional to allow TLS routing based on SNI hostname alone. If the SNI host in a listener conflicts with the \"Host\" header field used by an IngressRule, the SNI host is used for termination and value of the \"Host\" header is used for routing.");
}

struct IngressSpec $K8s.doc("IngressSpec describes the Ingress the user wishes to exist.") {
  ingressClassName :group $K8s.proto(4) $K8s.optional
      $K8s.doc("ingressClassName is the name of an IngressClass cluster resource. Ingress controller implementations use this field to know whether they should be serving this Ingress resource, by a transitive connection (controller -> IngressClass -> Ingress resource). Although the `kubernetes.io/ingress.class` annotation (simple constant name) was never formally defined, it was widely supported by Ingress controllers to create a direct binding between Ingress controller and Ingress resources. Newly created Ingress resources should prefer using the field. However, even though the annotation is officially deprecated, for backwards compatibility reasons, ingress controllers should still honor that annotation if present.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  defaultBackend @2 :IngressBackend $K8s.proto(1) $K8s.nullable $K8s.doc("defaultBackend is the backend that should handle requests that don't match any rule. If Rules are not specified, DefaultBackend must be specified. If DefaultBackend is not set, the handling of requests that do not match any of the rules will be up to the Ingress controller.");
  tls @3 :List(IngressTLS) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("tls represents the TLS configuration. Currently the Ingress only supports a single TLS port, 443. If multiple members of this list specify different hosts, they will be multiplexed on the same port according to the hostname specified through the SNI TLS extension, if the ingress controller fulfilling the ingress supports SNI.");
  rules @4 :List(IngressRule) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("rules is a list of host rules used to configure the Ingress. If unspecified, or no rule matches, all traffic is sent to the default backend.");
}

struct IngressPortStatus $K8s.doc("IngressPortStatus represents the error condition of a service port") {
  port @0 :Int32 $K8s.proto(1) $K8s.required $K8s.doc("port is the port number of the ingress port.");
  protocol @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("protocol is the protocol of the ingress port. The supported values are: \"TCP\", \"UDP\", \"SCTP\"");
  error :group $K8s.proto(3) $K8s.optional $K8s.doc("error is to record the problem with the service port.") {
    union { unset @2 :Void; value @3 :Text; }
  }
}

struct IngressLoadBalancerIngress $K8s.doc("IngressLoadBalancerIngress represents the status of a load-balancer ingress point.") {
  ip @0 :Text $K8s.proto(1) $K8s.doc("ip is set for load-balancer ingress points that are IP based.");
  hostname @1 :Text $K8s.proto(2) $K8s.doc("hostname is set for load-balancer ingress points that are DNS based.");
  ports @2 :List(IngressPortStatus) $K8s.proto(4) $K8s.listType("atomic") $K8s.doc("ports provides information about the ports exposed by this LoadBalancer.");
}

struct IngressLoadBalancerStatus $K8s.doc("IngressLoadBalancerStatus represents the status of a load-balancer.") {
  ingress @0 :List(IngressLoadBalancerIngress) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("ingress is a list containing ingress points for the load-balancer.");
}

struct IngressStatus $K8s.doc("IngressStatus describe the current state of the Ingress.") {
  loadBalancer @0 :IngressLoadBalancerStatus $K8s.proto(1) $K8s.doc("loadBalancer contains the current status of the load-balancer.");
}

struct Ingress $K8s.doc("Ingress is a collection of rules that allow inbound connections to reach the endpoints defined by a backend. An Ingress can be configured to give services externally-reachable urls, load balance traffic, terminate SSL, offer name based virtual hosting etc.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :IngressSpec $K8s.proto(2) $K8s.doc("spec is the desired state of the Ingress. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
  status @4 :IngressStatus $K8s.proto(3) $K8s.doc("status is the current state of the Ingress. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
}

struct IngressClassParametersReference $K8s.doc("IngressClassParametersReference identifies an API object. This can be used to specify a cluster or namespace-scoped resource.") {
  apiGroup :group $K8s.proto(1) $K8s.optional
      $K8s.doc("apiGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group. For any other third-party types, APIGroup is required.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  kind @2 :Text $K8s.proto(2) $K8s.doc("kind is the type of resource being referenced.");
  name @3 :Text $K8s.proto(3) $K8s.doc("name is the name of resource being referenced.");
  scope :group $K8s.proto(4) $K8s.optional
      $K8s.doc("scope represents if this refers to a cluster or namespace scoped resource. This may be set to \"Cluster\" (default) or \"Namespace\".") {
    union { unset @4 :Void; value @5 :Text; }
  }
  namespace :group $K8s.proto(5) $K8s.optional
      $K8s.doc("namespace is the namespace of the resource being referenced. This field is required when scope is set to \"Namespace\" and must be unset when scope is set to \"Cluster\".") {
    union { unset @6 :Void; value @7 :Text; }
  }
}

struct IngressClassSpec $K8s.doc("IngressClassSpec provides information about the class of an Ingress.") {
  controller @0 :Text $K8s.proto(1) $K8s.doc("controller refers to the name of the controller that should handle this class. This allows for different \"flavors\" that are controlled by the same controller. For example, you may have different parameters for the same implementing controller. This should be specified as a domain-prefixed path no more than 250 characters in length, e.g. \"acme.io/ingress-controller\". This field is immutable.");
  parameters @1 :IngressClassParametersReference $K8s.proto(2) $K8s.nullable $K8s.doc("parameters is a link to a custom resource containing additional configuration for the controller. This is optional if the controller does not require extra parameters.");
}

struct IngressClass $K8s.doc("IngressClass represents the class of the Ingress, referenced by the Ingress Spec. The `ingressclass.kubernetes.io/is-default-class` annotation can be used to indicate that an IngressClass should be considered default. When a single IngressClass resource has this annotation set to true, new Ingress resources without a class specified will be assigned this default class.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :IngressClassSpec $K8s.proto(2) $K8s.doc("spec is the desired state of the IngressClass. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
}
