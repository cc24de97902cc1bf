#pragma once
// kube-apiserver's rules for Services: defaulting (type, protocol, targetPort, sessionAffinity...),
// validation, the fields an update may not change, the allocated values an update keeps when the
// client omits them, and the clusterIP / nodePort allocation done before the Service is stored.

#include <capnp/message.h>

#include <string>
#include <string_view>
#include <vector>

#include "allocator.hpp"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/discovery_v1.capnp.h"
#include "capstan/plugin.hpp"

namespace capstan::network {

using Causes = std::vector<sdk::FieldCause>;
using core::v1::Service;

// Whether a Service of this type gets node ports.
bool needs_node_ports(std::string_view type);
// Whether a Service of this type gets a cluster IP (everything but ExternalName).
bool needs_cluster_ip(std::string_view type);

// Fills in what kube-apiserver defaults on a Service.
void default_service(Service::Builder svc);

// Validates a defaulted Service (create and update); allocation problems are reported later.
void validate_service(Service::Reader svc, Causes& causes);

// Update: copies clusterIP(s), nodePorts and healthCheckNodePort from `old` when the client left
// them out (as the service REST's patchAllocatedValues does), and drops nodePorts that only the old
// type needed (dropTypeDependentFields).
void keep_allocated_values(Service::Builder svc, Service::Reader old);
// Update: fields that cannot change (clusterIP once set, unless the type changes to or from
// ExternalName).
void validate_service_update(Service::Reader svc, Service::Reader old, Causes& causes);

// Reserves explicit values and allocates missing ones for owner ("namespace/name"). With dry_run,
// explicit values are checked and nothing is kept. On failure, causes are filled and whatever this
// call reserved is given back.
void allocate_service(Service::Builder svc, const std::string& owner, ServiceAllocator& alloc, bool dry_run,
                      Causes& causes);

// The cluster IPs and node ports a stored Service holds (what the allocator's informer records).
Holdings holdings_of(Service::Reader svc, const machinery::Ipv4Cidr& service_cidr);

// Admission of Services: default, validate, keep, allocate.
sdk::AdmissionResult admit_service(const sdk::AdmissionRequest& req, ServiceAllocator& alloc);
// Admission of Endpoints and EndpointSlices: port protocol defaults and the basic checks.
sdk::AdmissionResult admit_endpoints(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_endpoint_slice(const sdk::AdmissionRequest& req);


}  // namespace capstan::network
