#pragma once
// What the Endpoints and EndpointSlice controllers compute for one Service from its pods, as
// kube-controller-manager does: which pods back it (selector, an IP, not finished), whether each is
// ready / serving / terminating, the port each service port reaches on each pod (a numeric
// targetPort, or a named one looked up among the pod's container ports), and the hostname a pod
// gets in a headless Service's DNS records. Pure functions: the controller feeds them from its
// informers and tests feed them built objects.

#include <string>
#include <vector>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/discovery_v1.capnp.h"
#include "capstan/machinery/message.hpp"
#include "capstan/object.hpp"

namespace capstan::endpoints {

struct EndpointInfo {
  std::string ip, node_name, hostname, pod_namespace, pod_name, pod_uid;
  bool ready = false, serving = false, terminating = false;
  bool operator==(const EndpointInfo&) const = default;
};

struct PortInfo {
  std::string name, protocol, app_protocol;
  int port = 0;
  bool operator==(const PortInfo&) const = default;
};

// Pods whose ports resolve to the same set share a group (one Endpoints subset, one or more slices).
struct EndpointGroup {
  std::vector<PortInfo> ports;
  std::vector<EndpointInfo> endpoints;  // sorted by address
};

// Whether the pod's Ready condition is True.
bool pod_ready(core::v1::Pod::Reader pod);
// The pod port a service port reaches; 0 when a named targetPort matches no container port.
int resolve_target_port(core::v1::ServicePort::Reader port, core::v1::Pod::Reader pod);

// Every endpoint of `svc` among `pods` (all pods of its namespace, or just the selected ones),
// terminating pods included (slices show them; Endpoints leave them out).
std::vector<EndpointGroup> compute_endpoints(core::v1::Service::Reader svc, const std::vector<sdk::ObjectPtr>& pods);

// Fills the subsets of an Endpoints object: ready endpoints in `addresses`, the others in
// `notReadyAddresses`; terminating pods are left out unless the Service publishes not-ready
// addresses.
void fill_endpoints(core::v1::Endpoints::Builder ep, const std::vector<EndpointGroup>& groups, bool publish_not_ready);

// Slices of at most this many endpoints, as the EndpointSlice controller's default.
constexpr size_t kMaxEndpointsPerSlice = 100;

struct SliceContent {
  const EndpointGroup* group;
  size_t begin, end;  // endpoints [begin, end) of the group
};
// How the endpoints are cut into slices (a Service with no endpoints still gets one, empty slice).
std::vector<SliceContent> plan_slices(const std::vector<EndpointGroup>& groups);
// Fills addressType, endpoints and ports of one slice.
void fill_slice(discovery::v1::EndpointSlice::Builder slice, const SliceContent& content);

using machinery::same_value;

}  // namespace capstan::endpoints
