@0x86360dae0fa8c67c;
# core/v1 Service and Endpoints (the "" API group), with the field names and types of
# k8s.io/api/core/v1. Each root struct starts with apiVersion, kind and metadata.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::core::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct ServicePort $K8s.doc("ServicePort contains information on service's port.") {
  name @0 :Text $K8s.proto(1) $K8s.doc("The name of this port within the service. This must be a DNS_LABEL. All ports within a ServiceSpec must have unique names. Optional if only one ServicePort is defined on this service.");
  protocol @1 :Text $K8s.proto(2) $K8s.doc("The IP protocol for this port. Supports \"TCP\", \"UDP\", and \"SCTP\". Default is TCP.");
  appProtocol @2 :Text $K8s.proto(6) $K8s.nullable $K8s.doc("The application protocol for this port, used as a hint for implementations.");
  port @3 :Int32 $K8s.proto(3) $K8s.required $K8s.doc("The port that will be exposed by this service.");
  targetPort @4 :K8s.IntOrString $K8s.proto(4) $K8s.doc("Number or name of the port to access on the pods targeted by the service. Defaults to the value of 'port'. A name is looked up among the target pod's container ports.");
  nodePort @5 :Int32 $K8s.proto(5) $K8s.doc("The port on each node on which this service is exposed when type is NodePort or LoadBalancer. Usually assigned by the system from the NodePort range (30000-32767).");
}

struct ClientIPConfig $K8s.doc("ClientIPConfig represents the configurations of Client IP based session affinity.") {
  timeoutSeconds :group $K8s.proto(1) $K8s.optional
      $K8s.doc("Seconds of ClientIP type session sticky time: 0 < x <= 86400 (1 day). Default 10800 (3 hours).") {
    union { unset @0 :Void; value @1 :Int32; }
  }
}

struct SessionAffinityConfig $K8s.doc("SessionAffinityConfig represents the configurations of session affinity.") {
  clientIP @0 :ClientIPConfig $K8s.proto(1) $K8s.nullable $K8s.doc("clientIP contains the configurations of Client IP based session affinity.");
}

struct ServiceSpec $K8s.doc("ServiceSpec describes the attributes that a user creates on a service.") {
  ports @0 :List(ServicePort) $K8s.proto(1) $K8s.patchMergeKey("port") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("port,protocol")
      $K8s.doc("The list of ports that are exposed by this service.");
  selector @1 :List(K8s.StringEntry) $K8s.proto(2) $K8s.map
      $K8s.doc("Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints.");
  clusterIP @2 :Text $K8s.proto(3) $K8s.doc("The IP address of the service, usually assigned randomly from the service CIDR. \"None\" makes a headless service. Cannot be changed once set (except to change the type to ExternalName).");
  clusterIPs @3 :List(Text) $K8s.proto(18) $K8s.listType("atomic")
      $K8s.doc("IP addresses assigned to this service; clusterIPs[0] must equal clusterIP.");
  type @4 :Text $K8s.proto(4) $K8s.doc("How the Service is exposed: ClusterIP (default), NodePort, LoadBalancer or ExternalName.");
  externalIPs @5 :List(Text) $K8s.proto(5) $K8s.listType("atomic")
      $K8s.doc("IP addresses for which nodes in the cluster will also accept traffic for this service.");
  sessionAffinity @6 :Text $K8s.proto(7) $K8s.doc("Supports \"ClientIP\" and \"None\". Used to maintain session affinity. Defaults to None.");
  loadBalancerIP @7 :Text $K8s.proto(8) $K8s.doc("Deprecated: only applies to type LoadBalancer.");
  loadBalancerSourceRanges @8 :List(Text) $K8s.proto(9) $K8s.listType("atomic")
      $K8s.doc("Client IPs the cloud-provider load balancer restricts traffic to.");
  externalName @9 :Text $K8s.proto(10) $K8s.doc("The external reference that discovery mechanisms return as an alias for this service (a CNAME record). Requires type ExternalName.");
  externalTrafficPolicy @10 :Text $K8s.proto(11) $K8s.doc("How nodes distribute service traffic they receive on externally-facing addresses: Cluster (default) or Local.");
  healthCheckNodePort @11 :Int32 $K8s.proto(12) $K8s.doc("The healthcheck nodePort for the service; only with type LoadBalancer and externalTrafficPolicy Local.");
  publishNotReadyAddresses @12 :Bool $K8s.proto(13) $K8s.doc("Endpoints for this Service include addresses of pods that are not ready (DNS records for StatefulSets before they are ready).");
  sessionAffinityConfig @13 :SessionAffinityConfig $K8s.proto(14) $K8s.nullable $K8s.doc("Configurations of session affinity.");
  ipFamilies @14 :List(Text) $K8s.proto(19) $K8s.listType("atomic") $K8s.doc("IP families (IPv4, IPv6) assigned to this service.");
  ipFamilyPolicy @15 :Text $K8s.proto(17) $K8s.nullable $K8s.doc("The dual-stackness requested or required by this Service: SingleStack, PreferDualStack or RequireDualStack.");
  allocateLoadBalancerNodePorts :group $K8s.proto(20) $K8s.optional
      $K8s.doc("Whether NodePorts are automatically allocated for services of type LoadBalancer. Default true.") {
    union { unset @16 :Void; value @17 :Bool; }
  }
  loadBalancerClass @18 :Text $K8s.proto(21) $K8s.nullable $K8s.doc("The class of the load balancer implementation this Service belongs to.");
  internalTrafficPolicy @19 :Text $K8s.proto(22) $K8s.nullable $K8s.doc("How nodes distribute service traffic they receive on the ClusterIP: Cluster (default) or Local.");
  trafficDistribution @20 :Text $K8s.proto(23) $K8s.nullable $K8s.doc("How traffic is distributed to Service endpoints (e.g. PreferClose).");
}

struct PortStatus {
  port @0 :Int32 $K8s.proto(1) $K8s.required $K8s.doc("Port number of the service port of which status is recorded here.");
  protocol @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("The protocol of the service port: TCP, UDP or SCTP.");
  error @2 :Text $K8s.proto(3) $K8s.nullable $K8s.doc("Error is to record the problem with the service port, in CamelCase.");
}

struct LoadBalancerIngress $K8s.doc("LoadBalancerIngress represents the status of a load-balancer ingress point.") {
  ip @0 :Text $K8s.proto(1) $K8s.doc("IP is set for load-balancer ingress points that are IP based.");
  hostname @1 :Text $K8s.proto(2) $K8s.doc("Hostname is set for load-balancer ingress points that are DNS based.");
  ipMode @2 :Text $K8s.proto(3) $K8s.nullable $K8s.doc("How the load-balancer IP behaves: VIP or Proxy.");
  ports @3 :List(PortStatus) $K8s.proto(4) $K8s.listType("atomic") $K8s.doc("Records of the service ports.");
}

struct LoadBalancerStatus $K8s.doc("LoadBalancerStatus represents the status of a load-balancer.") {
  ingress @0 :List(LoadBalancerIngress) $K8s.proto(1) $K8s.listType("atomic")
      $K8s.doc("A list containing ingress points for the load-balancer.");
}

struct ServiceCondition $K8s.doc("A condition of the service (metav1.Condition).") {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Type of condition in CamelCase.");
  status @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Status of the condition, one of True, False, Unknown.");
  observedGeneration @2 :Int64 $K8s.proto(3) $K8s.doc("The .metadata.generation that the condition was set based upon.");
  lastTransitionTime @3 :Text $K8s.proto(4) $K8s.time $K8s.required $K8s.doc("Last time the condition transitioned from one status to another.");
  reason @4 :Text $K8s.proto(5) $K8s.required $K8s.doc("A programmatic identifier indicating the reason for the condition's last transition.");
  message @5 :Text $K8s.proto(6) $K8s.required $K8s.doc("A human readable message indicating details about the transition.");
}

struct ServiceStatus $K8s.doc("ServiceStatus represents the current status of a service.") {
  loadBalancer @0 :LoadBalancerStatus $K8s.proto(1) $K8s.doc("LoadBalancer contains the current status of the load-balancer, if one is present.");
  conditions @1 :List(ServiceCondition) $K8s.proto(2) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("type") $K8s.doc("Current service state.");
}

struct Service $K8s.doc("Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :ServiceSpec $K8s.proto(2) $K8s.doc("Spec defines the behavior of a service.");
  status @4 :ServiceStatus $K8s.proto(3) $K8s.doc("Most recently observed status of the service. Populated by the system. Read-only.");
}

# ---------------------------------------------------------------------------------------------
# Endpoints

struct EndpointAddress $K8s.doc("EndpointAddress is a tuple that describes single IP address.") {
  ip @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("The IP of this endpoint.");
  hostname @1 :Text $K8s.proto(3) $K8s.doc("The Hostname of this endpoint.");
  nodeName @2 :Text $K8s.proto(4) $K8s.nullable $K8s.doc("Optional: Node hosting this endpoint.");
  targetRef @3 :Meta.ObjectReference $K8s.proto(2) $K8s.nullable $K8s.doc("Reference to object providing the endpoint.");
}

struct EndpointPort $K8s.doc("EndpointPort is a tuple that describes a single port.") {
  name @0 :Text $K8s.proto(1) $K8s.doc("The name of this port. This must match the 'name' field in the corresponding ServicePort.");
  port @1 :Int32 $K8s.proto(2) $K8s.required $K8s.doc("The port number of the endpoint.");
  protocol @2 :Text $K8s.proto(3) $K8s.doc("The IP protocol for this port: TCP, UDP or SCTP. Default is TCP.");
  appProtocol @3 :Text $K8s.proto(4) $K8s.nullable $K8s.doc("The application protocol for this port.");
}

struct EndpointSubset $K8s.doc("EndpointSubset is a group of addresses with a common set of ports.") {
  addresses @0 :List(EndpointAddress) $K8s.proto(1) $K8s.listType("atomic")
      $K8s.doc("IP addresses which offer the related ports that are marked as ready.");
  notReadyAddresses @1 :List(EndpointAddress) $K8s.proto(2) $K8s.listType("atomic")
      $K8s.doc("IP addresses which offer the related ports but are not currently marked as ready.");
  ports @2 :List(EndpointPort) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("Port numbers available on the related IP addresses.");
}

struct Endpoints $K8s.doc("Endpoints is a collection of endpoints that implement the actual service.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  subsets @3 :List(EndpointSubset) $K8s.proto(2) $K8s.listType("atomic")
      $K8s.doc("The set of all endpoints is the union of all subsets.");
}
