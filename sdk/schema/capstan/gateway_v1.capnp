@0xcb17dac1468033eb;
# gateway.networking.k8s.io/v1 kinds: GatewayClass, Gateway and HTTPRoute, as the Gateway API's
# apis/v1 types define them (upstream they are CRDs; Capstan serves them as built-in kinds). Each
# root struct starts with apiVersion, kind and metadata; field names are the JSON names. Pointer
# fields that the CRDs default (group, kind, weight, path type...) are optional groups so that an
# explicit "" stays distinct from absent. Experimental-channel fields are not modelled.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::gateway::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct Condition $K8s.doc("Condition contains details for one aspect of the current state of this API Resource (meta/v1 Condition).") {
  type @0 :Text $K8s.required $K8s.doc("type of condition in CamelCase or in foo.example.com/CamelCase.");
  status @1 :Text $K8s.required $K8s.doc("status of the condition, one of True, False, Unknown.");
  observedGeneration @2 :Int64 $K8s.doc("observedGeneration represents the .metadata.generation that the condition was set based upon.");
  lastTransitionTime @3 :Text $K8s.required $K8s.doc("lastTransitionTime is the last time the condition transitioned from one status to another.");
  reason @4 :Text $K8s.required $K8s.doc("reason contains a programmatic identifier indicating the reason for the condition's last transition.");
  message @5 :Text $K8s.required $K8s.doc("message is a human readable message indicating details about the transition.");
}

struct ParametersReference $K8s.doc("ParametersReference identifies an API object containing controller-specific configuration resource within the cluster.") {
  group @0 :Text $K8s.required $K8s.doc("Group is the group of the referent.");
  kind @1 :Text $K8s.required $K8s.doc("Kind is kind of the referent.");
  name @2 :Text $K8s.required $K8s.doc("Name is the name of the referent.");
  namespace :group $K8s.optional $K8s.doc("Namespace is the namespace of the referent. This field is required when referring to a Namespace-scoped resource and MUST be unset when referring to a Cluster-scoped resource.") {
    union { unset @3 :Void; value @4 :Text; }
  }
}

struct SupportedFeature $K8s.doc("SupportedFeature is used to describe distinct features that are covered by conformance tests.") {
  name @0 :Text $K8s.required $K8s.doc("FeatureName is used to describe distinct features that are covered by conformance tests.");
}

struct GatewayClassSpec $K8s.doc("GatewayClassSpec reflects the configuration of a class of Gateways.") {
  controllerName @0 :Text $K8s.required $K8s.doc("ControllerName is the name of the controller that is managing Gateways of this class. The value of this field MUST be a domain prefixed path. Example: \"example.net/gateway-controller\". This field is not mutable and cannot be empty.");
  parametersRef @1 :ParametersReference $K8s.doc("ParametersRef is a reference to a resource that contains the configuration parameters corresponding to the GatewayClass.");
  description :group $K8s.optional $K8s.doc("Description helps describe a GatewayClass with more details.") {
    union { unset @2 :Void; value @3 :Text; }
  }
}

struct GatewayClassStatus $K8s.doc("GatewayClassStatus is the current status for the GatewayClass.") {
  conditions @0 :List(Condition) $K8s.listType("map") $K8s.listMapKeys("type") $K8s.doc("Conditions is the current status from the controller for this GatewayClass.");
  supportedFeatures @1 :List(SupportedFeature) $K8s.listType("map") $K8s.listMapKeys("name") $K8s.doc("SupportedFeatures is the set of features the GatewayClass support.");
}

struct GatewayClass $K8s.doc("GatewayClass describes a class of Gateways available to the user for creating Gateway resources.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  spec @3 :GatewayClassSpec $K8s.required $K8s.doc("Spec defines the desired state of GatewayClass.");
  status @4 :GatewayClassStatus $K8s.doc("Status defines the current state of GatewayClass.");
}

struct SecretObjectReference $K8s.doc("SecretObjectReference identifies an API object including its namespace, defaulting to Secret.") {
  group :group $K8s.optional $K8s.doc("Group is the group of the referent. For example, \"gateway.networking.k8s.io\". When unspecified or empty string, core API group is inferred.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  kind :group $K8s.optional $K8s.doc("Kind is kind of the referent. For example \"Secret\".") {
    union { unset @2 :Void; value @3 :Text; }
  }
  name @4 :Text $K8s.required $K8s.doc("Name is the name of the referent.");
  namespace :group $K8s.optional $K8s.doc("Namespace is the namespace of the referenced object. When unspecified, the local namespace is inferred.") {
    union { unset @5 :Void; value @6 :Text; }
  }
}

struct ListenerTLSConfig $K8s.doc("ListenerTLSConfig describes a TLS configuration for a listener.") {
  mode :group $K8s.optional $K8s.doc("Mode defines the TLS behavior for the TLS session initiated by the client. There are two possible modes: Terminate and Passthrough.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  certificateRefs @2 :List(SecretObjectReference) $K8s.listType("atomic") $K8s.doc("CertificateRefs contains a series of references to Kubernetes objects that contains TLS certificates and private keys.");
  options @3 :List(K8s.StringEntry) $K8s.map $K8s.doc("Options are a list of key/value pairs to enable extended TLS configuration for each implementation.");
}

struct RouteNamespaces $K8s.doc("RouteNamespaces indicate which namespaces Routes should be selected from.") {
  from :group $K8s.optional $K8s.doc("From indicates where Routes will be selected for this Gateway. Possible values are: All, Selector, Same.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  selector @2 :Meta.LabelSelector $K8s.doc("Selector must be specified when From is set to \"Selector\".");
}

struct RouteGroupKind $K8s.doc("RouteGroupKind indicates the group and kind of a Route resource.") {
  group :group $K8s.optional $K8s.doc("Group is the group of the Route.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  kind @2 :Text $K8s.required $K8s.doc("Kind is the kind of the Route.");
}

struct AllowedRoutes $K8s.doc("AllowedRoutes defines which Routes may be attached to this Listener.") {
  namespaces @0 :RouteNamespaces $K8s.doc("Namespaces indicates namespaces from which Routes may be attached to this Listener.");
  kinds @1 :List(RouteGroupKind) $K8s.listType("atomic") $K8s.doc("Kinds specifies the groups and kinds of Routes that are allowed to bind to this Gateway Listener.");
}

struct Listener $K8s.doc("Listener embodies the concept of a logical endpoint where a Gateway accepts network connections.") {
  name @0 :Text $K8s.required $K8s.doc("Name is the name of the Listener. This name MUST be unique within a Gateway.");
  hostname :group $K8s.optional $K8s.doc("Hostname specifies the virtual hostname to match for protocol types that define this concept.") {
    union { unset @1 :Void; value @2 :Text; }
  }
  port @3 :Int32 $K8s.required $K8s.doc("Port is the network port.");
  protocol @4 :Text $K8s.required $K8s.doc("Protocol specifies the network protocol this listener expects to receive.");
  tls @5 :ListenerTLSConfig $K8s.doc("TLS is the TLS configuration for the Listener. This field is required if the Protocol field is \"HTTPS\" or \"TLS\".");
  allowedRoutes @6 :AllowedRoutes $K8s.doc("AllowedRoutes defines the types of routes that MAY be attached to a Listener and the trusted namespaces where those Route resources MAY be present.");
}

struct GatewaySpecAddress $K8s.doc("GatewaySpecAddress describes an address that can be bound to a Gateway.") {
  type :group $K8s.optional $K8s.doc("Type of the address.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  value @2 :Text $K8s.doc("When a value is unspecified, an implementation SHOULD automatically assign an address matching the requested type if possible.");
}

struct LocalParametersReference $K8s.doc("LocalParametersReference identifies an API object containing controller-specific configuration resource within the namespace.") {
  group @0 :Text $K8s.required $K8s.doc("Group is the group of the referent.");
  kind @1 :Text $K8s.required $K8s.doc("Kind is kind of the referent.");
  name @2 :Text $K8s.required $K8s.doc("Name is the name of the referent.");
}

struct GatewayInfrastructure $K8s.doc("GatewayInfrastructure defines infrastructure level attributes about a Gateway instance.") {
  labels @0 :List(K8s.StringEntry) $K8s.map $K8s.doc("Labels that SHOULD be applied to any resources created in response to this Gateway.");
  annotations @1 :List(K8s.StringEntry) $K8s.map $K8s.doc("Annotations that SHOULD be applied to any resources created in response to this Gateway.");
  parametersRef @2 :LocalParametersReference $K8s.doc("ParametersRef is a reference to a resource that contains the configuration parameters corresponding to the Gateway.");
}

struct GatewaySpec $K8s.doc("GatewaySpec defines the desired state of Gateway.") {
  gatewayClassName @0 :Text $K8s.required $K8s.doc("GatewayClassName used for this Gateway. This is the name of a GatewayClass resource.");
  listeners @1 :List(Listener) $K8s.listType("map") $K8s.listMapKeys("name") $K8s.doc("Listeners associated with this Gateway. Listeners define logical endpoints that are bound on this Gateway's addresses. At least one Listener MUST be specified.");
  addresses @2 :List(GatewaySpecAddress) $K8s.listType("atomic") $K8s.doc("Addresses requested for this Gateway.");
  infrastructure @3 :GatewayInfrastructure $K8s.doc("Infrastructure defines infrastructure level attributes about this Gateway instance.");
}

struct GatewayStatusAddress $K8s.doc("GatewayStatusAddress describes a network address that is bound to a Gateway.") {
  type :group $K8s.optional $K8s.doc("Type of the address.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  value @2 :Text $K8s.required $K8s.doc("Value of the address.");
}

struct ListenerStatus $K8s.doc("ListenerStatus is the status associated with a Listener.") {
  name @0 :Text $K8s.required $K8s.doc("Name is the name of the Listener that this status corresponds to.");
  supportedKinds @1 :List(RouteGroupKind) $K8s.listType("atomic") $K8s.doc("SupportedKinds is the list indicating the Kinds supported by this listener.");
  attachedRoutes :group $K8s.optional $K8s.doc("AttachedRoutes represents the total number of Routes that have been successfully attached to this Listener.") {
    union { unset @2 :Void; value @3 :Int32; }
  }
  conditions @4 :List(Condition) $K8s.listType("map") $K8s.listMapKeys("type") $K8s.doc("Conditions describe the current condition of this listener.");
}

struct GatewayStatus $K8s.doc("GatewayStatus defines the observed state of Gateway.") {
  addresses @0 :List(GatewayStatusAddress) $K8s.listType("atomic") $K8s.doc("Addresses lists the network addresses that have been bound to the Gateway.");
  conditions @1 :List(Condition) $K8s.listType("map") $K8s.listMapKeys("type") $K8s.doc("Conditions describe the current conditions of the Gateway.");
  listeners @2 :List(ListenerStatus) $K8s.listType("map") $K8s.listMapKeys("name") $K8s.doc("Listeners provide status for each unique listener port defined in the Spec.");
}

struct Gateway $K8s.doc("Gateway represents an instance of a service-traffic handling infrastructure by binding Listeners to a set of IP addresses.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  spec @3 :GatewaySpec $K8s.required $K8s.doc("Spec defines the desired state of Gateway.");
  status @4 :GatewayStatus $K8s.doc("Status defines the current state of Gateway.");
}

struct ParentReference $K8s.doc("ParentReference identifies an API object (usually a Gateway) that can be considered a parent of this resource (usually a route).") {
  group :group $K8s.optional $K8s.doc("Group is the group of the referent. When unspecified, \"gateway.networking.k8s.io\" is inferred.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  kind :group $K8s.optional $K8s.doc("Kind is kind of the referent. Defaults to \"Gateway\".") {
    union { unset @2 :Void; value @3 :Text; }
  }
  namespace :group $K8s.optional $K8s.doc("Namespace is the namespace of the referent. When unspecified, this refers to the local namespace of the Route.") {
    union { unset @4 :Void; value @5 :Text; }
  }
  name @6 :Text $K8s.required $K8s.doc("Name is the name of the referent.");
  sectionName :group $K8s.optional $K8s.doc("SectionName is the name of a section within the target resource (the Listener name for a Gateway).") {
    union { unset @7 :Void; value @8 :Text; }
  }
  port :group $K8s.optional $K8s.doc("Port is the network port this Route targets.") {
    union { unset @9 :Void; value @10 :Int32; }
  }
}

struct HTTPPathMatch $K8s.doc("HTTPPathMatch describes how to select a HTTP route by matching the HTTP request path.") {
  type :group $K8s.optional $K8s.doc("Type specifies how to match against the path Value: Exact, PathPrefix or RegularExpression.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  value :group $K8s.optional $K8s.doc("Value of the HTTP path to match against.") {
    union { unset @2 :Void; value @3 :Text; }
  }
}

struct HTTPHeaderMatch $K8s.doc("HTTPHeaderMatch describes how to select a HTTP route by matching HTTP request headers.") {
  type :group $K8s.optional $K8s.doc("Type specifies how to match against the value of the header: Exact or RegularExpression.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  name @2 :Text $K8s.required $K8s.doc("Name is the name of the HTTP Header to be matched. Name matching MUST be case-insensitive.");
  value @3 :Text $K8s.required $K8s.doc("Value is the value of HTTP Header to be matched.");
}

struct HTTPQueryParamMatch $K8s.doc("HTTPQueryParamMatch describes how to select a HTTP route by matching HTTP query parameters.") {
  type :group $K8s.optional $K8s.doc("Type specifies how to match against the value of the query parameter: Exact or RegularExpression.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  name @2 :Text $K8s.required $K8s.doc("Name is the name of the HTTP query param to be matched. This must be an exact string match.");
  value @3 :Text $K8s.required $K8s.doc("Value is the value of HTTP query param to be matched.");
}

struct HTTPRouteMatch $K8s.doc("HTTPRouteMatch defines the predicate used to match requests to a given action. Multiple match types are ANDed together.") {
  path @0 :HTTPPathMatch $K8s.doc("Path specifies a HTTP request path matcher. If this field is not specified, a default prefix match on the \"/\" path is provided.");
  headers @1 :List(HTTPHeaderMatch) $K8s.listType("map") $K8s.listMapKeys("name") $K8s.doc("Headers specifies HTTP request header matchers. Multiple match values are ANDed together.");
  queryParams @2 :List(HTTPQueryParamMatch) $K8s.listType("map") $K8s.listMapKeys("name") $K8s.doc("QueryParams specifies HTTP query parameter matchers. Multiple match values are ANDed together.");
  method :group $K8s.optional $K8s.doc("Method specifies HTTP method matcher.") {
    union { unset @3 :Void; value @4 :Text; }
  }
}

struct HTTPHeader $K8s.doc("HTTPHeader represents an HTTP Header name and value as defined by RFC 7230.") {
  name @0 :Text $K8s.required $K8s.doc("Name is the name of the HTTP Header to be matched.");
  value @1 :Text $K8s.required $K8s.doc("Value is the value of HTTP Header to be matched.");
}

struct HTTPHeaderFilter $K8s.doc("HTTPHeaderFilter defines a filter that modifies the headers of an HTTP request or response.") {
  set @0 :List(HTTPHeader) $K8s.listType("map") $K8s.listMapKeys("name") $K8s.doc("Set overwrites the request with the given header (name, value) before the action.");
  add @1 :List(HTTPHeader) $K8s.listType("map") $K8s.listMapKeys("name") $K8s.doc("Add adds the given header(s) (name, value) to the request before the action. It appends to any existing values associated with the header name.");
  remove @2 :List(Text) $K8s.listType("set") $K8s.doc("Remove the given header(s) from the HTTP request before the action.");
}

struct HTTPPathModifier $K8s.doc("HTTPPathModifier defines configuration for path modifiers.") {
  type @0 :Text $K8s.required $K8s.doc("Type defines the type of path modifier: ReplaceFullPath or ReplacePrefixMatch.");
  replaceFullPath :group $K8s.optional $K8s.doc("ReplaceFullPath specifies the value with which to replace the full path of a request during a rewrite or redirect.") {
    union { unset @1 :Void; value @2 :Text; }
  }
  replacePrefixMatch :group $K8s.optional $K8s.doc("ReplacePrefixMatch specifies the value with which to replace the prefix match of a request during a rewrite or redirect.") {
    union { unset @3 :Void; value @4 :Text; }
  }
}

struct HTTPRequestRedirectFilter $K8s.doc("HTTPRequestRedirect defines a filter that redirects a request.") {
  scheme :group $K8s.optional $K8s.doc("Scheme is the scheme to be used in the value of the `Location` header in the response. When empty, the scheme of the request is used.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  hostname :group $K8s.optional $K8s.doc("Hostname is the hostname to be used in the value of the `Location` header in the response. When empty, the hostname in the `Host` header of the request is used.") {
    union { unset @2 :Void; value @3 :Text; }
  }
  path @4 :HTTPPathModifier $K8s.doc("Path defines parameters used to modify the path of the incoming request.");
  port :group $K8s.optional $K8s.doc("Port is the port to be used in the value of the `Location` header in the response.") {
    union { unset @5 :Void; value @6 :Int32; }
  }
  statusCode :group $K8s.optional $K8s.doc("StatusCode is the HTTP status code to be used in response.") {
    union { unset @7 :Void; value @8 :Int32; }
  }
}

struct HTTPURLRewriteFilter $K8s.doc("HTTPURLRewriteFilter defines a filter that modifies a request during forwarding.") {
  hostname :group $K8s.optional $K8s.doc("Hostname is the value to be used to replace the Host header value during forwarding.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  path @2 :HTTPPathModifier $K8s.doc("Path defines a path rewrite.");
}

struct BackendObjectReference $K8s.doc("BackendObjectReference defines how an ObjectReference that is specific to BackendRef.") {
  group :group $K8s.optional $K8s.doc("Group is the group of the referent. When unspecified or empty string, core API group is inferred.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  kind :group $K8s.optional $K8s.doc("Kind is the Kubernetes resource kind of the referent. Defaults to \"Service\".") {
    union { unset @2 :Void; value @3 :Text; }
  }
  name @4 :Text $K8s.required $K8s.doc("Name is the name of the referent.");
  namespace :group $K8s.optional $K8s.doc("Namespace is the namespace of the backend. When unspecified, the local namespace is inferred.") {
    union { unset @5 :Void; value @6 :Text; }
  }
  port :group $K8s.optional $K8s.doc("Port specifies the destination port number to use for this resource. Port is required when the referent is a Kubernetes Service.") {
    union { unset @7 :Void; value @8 :Int32; }
  }
}

struct Fraction $K8s.doc("Fraction of requests.") {
  numerator @0 :Int32 $K8s.doc("Numerator.");
  denominator :group $K8s.optional $K8s.doc("Denominator, 100 by default.") {
    union { unset @1 :Void; value @2 :Int32; }
  }
}

struct HTTPRequestMirrorFilter $K8s.doc("HTTPRequestMirrorFilter defines configuration for the RequestMirror filter.") {
  backendRef @0 :BackendObjectReference $K8s.required $K8s.doc("BackendRef references a resource where mirrored requests are sent.");
  percent :group $K8s.optional $K8s.doc("Percent represents the percentage of requests that should be mirrored to BackendRef.") {
    union { unset @1 :Void; value @2 :Int32; }
  }
  fraction @3 :Fraction $K8s.doc("Fraction represents the fraction of requests that should be mirrored to BackendRef.");
}

struct LocalObjectReference $K8s.doc("LocalObjectReference identifies an API object within the namespace of the referrer.") {
  group @0 :Text $K8s.doc("Group is the group of the referent.");
  kind @1 :Text $K8s.required $K8s.doc("Kind is kind of the referent.");
  name @2 :Text $K8s.required $K8s.doc("Name is the name of the referent.");
}

struct HTTPRouteFilter $K8s.doc("HTTPRouteFilter defines processing steps that must be completed during the request or response lifecycle.") {
  type @0 :Text $K8s.required $K8s.doc("Type identifies the type of filter to apply: RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, RequestRedirect, URLRewrite or ExtensionRef.");
  requestHeaderModifier @1 :HTTPHeaderFilter $K8s.doc("RequestHeaderModifier defines a schema for a filter that modifies request headers.");
  responseHeaderModifier @2 :HTTPHeaderFilter $K8s.doc("ResponseHeaderModifier defines a schema for a filter that modifies response headers.");
  requestMirror @3 :HTTPRequestMirrorFilter $K8s.doc("RequestMirror defines a schema for a filter that mirrors requests.");
  requestRedirect @4 :HTTPRequestRedirectFilter $K8s.doc("RequestRedirect defines a schema for a filter that responds to the request with an HTTP redirection.");
  urlRewrite @5 :HTTPURLRewriteFilter $K8s.doc("URLRewrite defines a schema for a filter that modifies a request during forwarding.");
  extensionRef @6 :LocalObjectReference $K8s.doc("ExtensionRef is an optional, implementation-specific extension to the \"filter\" behavior.");
}

struct HTTPBackendRef $K8s.doc("HTTPBackendRef defines how a HTTPRoute forwards a HTTP request.") {
  group :group $K8s.optional $K8s.doc("Group is the group of the referent. When unspecified or empty string, core API group is inferred.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  kind :group $K8s.optional $K8s.doc("Kind is the Kubernetes resource kind of the referent. Defaults to \"Service\".") {
    union { unset @2 :Void; value @3 :Text; }
  }
  name @4 :Text $K8s.required $K8s.doc("Name is the name of the referent.");
  namespace :group $K8s.optional $K8s.doc("Namespace is the namespace of the backend. When unspecified, the local namespace is inferred.") {
    union { unset @5 :Void; value @6 :Text; }
  }
  port :group $K8s.optional $K8s.doc("Port specifies the destination port number to use for this resource. Port is required when the referent is a Kubernetes Service.") {
    union { unset @7 :Void; value @8 :Int32; }
  }
  weight :group $K8s.optional $K8s.doc("Weight specifies the proportion of requests forwarded to the referenced backend, computed as weight/(sum of all weights in this BackendRefs list). Defaults to 1.") {
    union { unset @9 :Void; value @10 :Int32; }
  }
  filters @11 :List(HTTPRouteFilter) $K8s.listType("atomic") $K8s.doc("Filters defined at this level should be executed if and only if the request is being forwarded to the backend defined here.");
}

struct HTTPRouteTimeouts $K8s.doc("HTTPRouteTimeouts defines timeouts that can be configured for an HTTPRoute.") {
  request :group $K8s.optional $K8s.doc("Request specifies the maximum duration for a gateway to respond to an HTTP request.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  backendRequest :group $K8s.optional $K8s.doc("BackendRequest specifies a timeout for an individual request from the gateway to a backend.") {
    union { unset @2 :Void; value @3 :Text; }
  }
}

struct HTTPRouteRule $K8s.doc("HTTPRouteRule defines semantics for matching an HTTP request based on conditions (matches), processing it (filters), and forwarding the request to an API object (backendRefs).") {
  name :group $K8s.optional $K8s.doc("Name is the name of the route rule.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  matches @2 :List(HTTPRouteMatch) $K8s.listType("atomic") $K8s.doc("Matches define conditions used for matching the rule against incoming HTTP requests. Each match is independent, i.e. this rule will be matched if **any** one of the matches is satisfied.");
  filters @3 :List(HTTPRouteFilter) $K8s.listType("atomic") $K8s.doc("Filters define the filters that are applied to requests that match this rule.");
  backendRefs @4 :List(HTTPBackendRef) $K8s.listType("atomic") $K8s.doc("BackendRefs defines the backend(s) where matching requests should be sent.");
  timeouts @5 :HTTPRouteTimeouts $K8s.doc("Timeouts defines the timeouts that can be configured for an HTTP request.");
}

struct HTTPRouteSpec $K8s.doc("HTTPRouteSpec defines the desired state of HTTPRoute.") {
  parentRefs @0 :List(ParentReference) $K8s.listType("atomic") $K8s.doc("ParentRefs references the resources (usually Gateways) that a Route wants to be attached to.");
  hostnames @1 :List(Text) $K8s.listType("atomic") $K8s.doc("Hostnames defines a set of hostnames that should match against the HTTP Host header to select a HTTPRoute used to process the request.");
  rules @2 :List(HTTPRouteRule) $K8s.listType("atomic") $K8s.doc("Rules are a list of HTTP matchers, filters and actions.");
}

struct RouteParentStatus $K8s.doc("RouteParentStatus describes the status of a route with respect to an associated Parent.") {
  parentRef @0 :ParentReference $K8s.required $K8s.doc("ParentRef corresponds with a ParentRef in the spec that this RouteParentStatus struct describes the status of.");
  controllerName @1 :Text $K8s.required $K8s.doc("ControllerName is a domain/path string that indicates the name of the controller that wrote this status.");
  conditions @2 :List(Condition) $K8s.listType("map") $K8s.listMapKeys("type") $K8s.doc("Conditions describes the status of the route with respect to the Gateway.");
}

struct HTTPRouteStatus $K8s.doc("HTTPRouteStatus defines the observed state of HTTPRoute.") {
  parents @0 :List(RouteParentStatus) $K8s.listType("atomic") $K8s.doc("Parents is a list of parent resources (usually Gateways) that are associated with the route, and the status of the route with respect to each parent.");
}

struct HTTPRoute $K8s.doc("HTTPRoute provides a way to route HTTP requests. This includes the capability to match requests by hostname, path, header, or query param. Filters can be used to specify additional processing steps. Backends specify where matching requests should be routed.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  spec @3 :HTTPRouteSpec $K8s.required $K8s.doc("Spec defines the desired state of HTTPRoute.");
  status @4 :HTTPRouteStatus $K8s.doc("Status defines the current state of HTTPRoute.");
}
