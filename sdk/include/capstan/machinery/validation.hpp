#pragma once
// Kubernetes' value rules (k8s.io/apimachinery pkg/util/validation): names, keys, label values,
// port names, with upstream's messages to the letter. Each check returns the list of what is
// wrong, empty when the value is valid — as upstream, which makes one field.Invalid cause of each
// message:  for (auto& m : is_dns1123_label(name)) causes.push_back({path, "FieldValueInvalid",
//                                      "Invalid value: " + quote(name) + ": " + m});
// quote() (Go's %q) is in capstan/machinery/utf8.hpp, included here.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "capstan/machinery/utf8.hpp"

namespace capstan::machinery {

using ValidationErrors = std::vector<std::string>;

// RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 (namespaces, container and volume names).
ValidationErrors is_dns1123_label(std::string_view value);
// RFC 1123 subdomain: labels joined by '.', at most 253 (most object names).
ValidationErrors is_dns1123_subdomain(std::string_view value);
// RFC 1035 label: [a-z]([-a-z0-9]*[a-z0-9])?, at most 63 (Service names).
ValidationErrors is_dns1035_label(std::string_view value);
// [A-Za-z_][A-Za-z0-9_]*
ValidationErrors is_c_identifier(std::string_view value);
// [-._a-zA-Z][-._a-zA-Z0-9]*, and not "." or ".." or starting with ".." (environment variables).
ValidationErrors is_env_var_name(std::string_view value);
// [-._a-zA-Z0-9]+, at most 253, and not "."/".."/"..*" (ConfigMap and Secret keys).
ValidationErrors is_config_map_key(std::string_view value);
// A label key / annotation key: [prefix "/"] name, prefix a DNS-1123 subdomain, name at most 63
// of ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
ValidationErrors is_qualified_name(std::string_view value);
// Empty, or at most 63 of ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
ValidationErrors is_valid_label_value(std::string_view value);
// An IANA service name (a named port): at most 15 of [-a-z0-9], a letter, no "--", no '-' at the ends.
ValidationErrors is_valid_port_name(std::string_view value);

// The message pieces upstream builds them from.
std::string max_len_error(size_t length);  // "must be no more than 63 characters"
std::string regex_error(std::string_view message, std::string_view format, const std::vector<std::string_view>& examples);
std::string empty_error();                 // "must be non-empty"

}  // namespace capstan::machinery
