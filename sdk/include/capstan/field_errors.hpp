#pragma once
// Validation causes worded as k8s.io/apimachinery's field.Error renders them, and the name and
// value checks of k8s.io/apimachinery/pkg/util/validation with their exact messages, for kind
// plugins that must answer byte for byte as kube-apiserver does:
//
//   spec.rules[0].host: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of ...
//   spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", ...
//
// A value passed to invalid()/not_supported()/duplicate() is already rendered the way Go's
// field.Error prints it (go_quote("x") for strings, std::to_string(n) for numbers, "" to omit it).

#include <string>
#include <string_view>
#include <vector>

#include "capstan/plugin.hpp"

namespace capstan::sdk::field {

using Causes = std::vector<FieldCause>;

// %q of a string: machinery::quote without its truncation (a field.Error shows the whole value).
std::string go_quote(std::string_view s);
// "supported values: \"a\", \"b\"" (field.NotSupported's detail).
std::string supported_values(const std::vector<std::string>& values);

void required(Causes& causes, const std::string& field, const std::string& detail = "");
void invalid(Causes& causes, const std::string& field, const std::string& value, const std::string& detail);
void not_supported(Causes& causes, const std::string& field, const std::string& value,
                   const std::vector<std::string>& supported);
void duplicate(Causes& causes, const std::string& field, const std::string& value);
void forbidden(Causes& causes, const std::string& field, const std::string& detail);
void too_long(Causes& causes, const std::string& field, size_t max);
void too_many(Causes& causes, const std::string& field, size_t actual, size_t max);

// apimachinery/pkg/util/validation: each returns the messages of the problems found (empty when valid).
// The first five are machinery/validation.hpp's checks (is_dns1123_label, ...) under these names.
std::vector<std::string> dns1123_label(std::string_view s);        // IsDNS1123Label
std::vector<std::string> dns1123_subdomain(std::string_view s);    // IsDNS1123Subdomain
std::vector<std::string> dns1035_label(std::string_view s);        // IsDNS1035Label
std::vector<std::string> wildcard_dns1123_subdomain(std::string_view s);  // IsWildcardDNS1123Subdomain
std::vector<std::string> port_name(std::string_view s);            // IsValidPortName
std::vector<std::string> port_number(int64_t port);                // IsValidPortNum
std::vector<std::string> qualified_name(std::string_view s);       // IsQualifiedName (label keys)
std::vector<std::string> path_segment_name(std::string_view s);    // content.IsPathSegmentName
std::vector<std::string> http_header_name(std::string_view s);     // IsHTTPHeaderName
// IsDomainPrefixedPath: adds its causes (Required / Invalid on the host or path part) to `causes`.
void domain_prefixed_path(Causes& causes, const std::string& field, std::string_view value);

// Whether `s` parses as an IPv4 or IPv6 address (netutils.ParseIPSloppy: leading zeros allowed).
bool is_ip(std::string_view s);

}  // namespace capstan::sdk::field
