#pragma once
// Kubernetes name rules (RFC 1123 subdomain and label). Empty result = valid; otherwise the
// message Kubernetes prints.

#include <string>
#include <string_view>

namespace capstan::api {

std::string validate_object_name(std::string_view name);   // DNS-1123 subdomain (most kinds)
std::string validate_dns_label(std::string_view name);     // DNS-1123 label (namespaces, services)
// apimachinery's ValidatePathSegmentName (RBAC objects): not "." or "..", no '/' or '%'.
std::string validate_path_segment_name(std::string_view name);
// The kind's rule (KindInfo.nameRule): "" DNS-1123 subdomain, "pathSegment".
std::string validate_name_by_rule(std::string_view rule, std::string_view name);

}  // namespace capstan::api
