@0xc0d2302a56b63789;
# discovery.k8s.io/v1 EndpointSlice, with the field names and types of k8s.io/api/discovery/v1.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::discovery::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct EndpointConditions $K8s.doc("EndpointConditions represents the current condition of an endpoint.") {
  ready :group $K8s.proto(1) $K8s.optional
      $K8s.doc("Ready indicates that this endpoint is ready to receive traffic. Unknown state is interpreted as ready; terminating endpoints are never ready (unless the service publishes not-ready addresses).") {
    union { unset @0 :Void; value @1 :Bool; }
  }
  serving :group $K8s.proto(2) $K8s.optional
      $K8s.doc("Serving indicates that this endpoint is able to receive traffic, regardless of whether it is terminating.") {
    union { unset @2 :Void; value @3 :Bool; }
  }
  terminating :group $K8s.proto(3) $K8s.optional
      $K8s.doc("Terminating indicates that this endpoint is terminating.") {
    union { unset @4 :Void; value @5 :Bool; }
  }
}

struct ForZone {
  name @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Name represents the name of the zone.");
}

struct EndpointHints {
  forZones @0 :List(ForZone) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("Zones this endpoint should be consumed by.");
}

struct Endpoint $K8s.doc("Endpoint represents a single logical backend implementing a service.") {
  addresses @0 :List(Text) $K8s.proto(1) $K8s.required $K8s.listType("set")
      $K8s.doc("Addresses of this endpoint, interpreted per the slice's addressType. Consumers use the first one.");
  conditions @1 :EndpointConditions $K8s.proto(2) $K8s.doc("Conditions contains information about the current status of the endpoint.");
  hostname @2 :Text $K8s.proto(3) $K8s.nullable $K8s.doc("Hostname of this endpoint, used for DNS records (a DNS label).");
  targetRef @3 :Meta.ObjectReference $K8s.proto(4) $K8s.nullable $K8s.doc("Reference to a Kubernetes object that represents this endpoint.");
  deprecatedTopology @4 :List(K8s.StringEntry) $K8s.proto(5) $K8s.map $K8s.doc("Deprecated: topology information of the endpoint.");
  nodeName @5 :Text $K8s.proto(6) $K8s.nullable $K8s.doc("Name of the Node hosting this endpoint.");
  zone @6 :Text $K8s.proto(7) $K8s.nullable $K8s.doc("Name of the Zone this endpoint exists in.");
  hints @7 :EndpointHints $K8s.proto(8) $K8s.nullable $K8s.doc("Information about how the endpoint should be consumed.");
}

struct EndpointPort $K8s.doc("EndpointPort represents a Port used by an EndpointSlice.") {
  name @0 :Text $K8s.proto(1) $K8s.nullable $K8s.doc("The name of this port; must match the name of a ServicePort.");
  protocol @1 :Text $K8s.proto(2) $K8s.nullable $K8s.doc("The IP protocol for this port: TCP, UDP or SCTP. Default is TCP.");
  port :group $K8s.proto(3) $K8s.optional $K8s.doc("The port number of the endpoint. Unset means all ports.") {
    union { unset @2 :Void; value @3 :Int32; }
  }
  appProtocol @4 :Text $K8s.proto(4) $K8s.nullable $K8s.doc("The application protocol for this port.");
}

struct EndpointSlice $K8s.doc("EndpointSlice represents a subset of the endpoints that implement a service.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  addressType @3 :Text $K8s.proto(4) $K8s.required $K8s.doc("The type of address carried by this EndpointSlice: IPv4, IPv6 or FQDN. Immutable.");
  endpoints @4 :List(Endpoint) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("A list of unique endpoints in this slice (at most 1000).");
  ports @5 :List(EndpointPort) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("The network ports exposed by each endpoint in this slice.");
}
