#pragma once
// kube-apiserver's rules for networking.k8s.io/v1 Ingress and IngressClass: validation
// (pkg/apis/networking/validation), defaulting (IngressClass parameters.scope = Cluster), the
// DefaultIngressClass admission plugin (an Ingress created without a class gets the one class
// annotated ingressclass.kubernetes.io/is-default-class: "true"), and kubectl's printer cells.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "capstan/networking_v1.capnp.h"
#include "capstan/plugin.hpp"

namespace capstan::network {

inline constexpr const char* kIngressClassAnnotation = "kubernetes.io/ingress.class";
inline constexpr const char* kDefaultIngressClassAnnotation = "ingressclass.kubernetes.io/is-default-class";

// The IngressClasses annotated as default (names, in list order).
std::vector<std::string> default_ingress_classes(const std::vector<sdk::ObjectPtr>& classes);

// Admission of Ingresses. `classes` lists the stored IngressClasses (for the default class on create).
sdk::AdmissionResult admit_ingress(const sdk::AdmissionRequest& req,
                                   const std::function<std::vector<sdk::ObjectPtr>()>& classes);
sdk::AdmissionResult admit_ingress_class(const sdk::AdmissionRequest& req);

// Validation of an IngressSpec, with the options the update path relaxes for stored objects.
struct IngressValidationOptions {
  bool allow_invalid_secret_name = false;
  bool allow_invalid_wildcard_host_rule = false;
};
void validate_ingress_spec(networking::v1::IngressSpec::Reader spec, const IngressValidationOptions& opts,
                           std::vector<sdk::FieldCause>& causes);

// kubectl's cells: ingress CLASS, HOSTS, ADDRESS, PORTS; ingressclass PARAMETERS.
std::vector<std::string> print_ingress(const sdk::ObjectPtr& obj);
std::vector<std::string> print_ingress_class(const sdk::ObjectPtr& obj);

}  // namespace capstan::network
