#pragma once
// Admission of the gateway.networking.k8s.io/v1 kinds as a cluster with the Gateway API's standard
// CRDs installed does it: the CRDs' defaults (kubebuilder:default, status conditions "Pending"
// included), their OpenAPI checks and their CEL rules, worded by crd_checks.hpp; plus kubectl's
// printer cells from the CRDs' additionalPrinterColumns.

#include <string>
#include <vector>

#include "capstan/gateway_v1.capnp.h"
#include "capstan/plugin.hpp"

namespace capstan::gateway_kinds {

sdk::AdmissionResult admit_gateway_class(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_gateway(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_http_route(const sdk::AdmissionRequest& req);

// Defaults, applied in place (exposed for the tests and the controller's own checks).
void default_gateway(gateway::v1::Gateway::Builder gw);
void default_http_route(gateway::v1::HTTPRoute::Builder route);

// Computed cells: gatewayclass ACCEPTED; gateway ADDRESS, PROGRAMMED; httproute HOSTNAMES.
std::vector<std::string> print_gateway_class(const sdk::ObjectPtr& obj);
std::vector<std::string> print_gateway(const sdk::ObjectPtr& obj);
std::vector<std::string> print_http_route(const sdk::ObjectPtr& obj);

}  // namespace capstan::gateway_kinds
