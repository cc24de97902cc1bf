#include "api/names.hpp"

#include "capstan/machinery/validation.hpp"

namespace capstan::api {

namespace {
// The kernel reports one message per name (the first upstream gives: length, then the pattern).
std::string first(const machinery::ValidationErrors& errs) { return errs.empty() ? std::string() : errs.front(); }
}  // namespace

std::string validate_object_name(std::string_view name) { return first(machinery::is_dns1123_subdomain(name)); }

std::string validate_dns_label(std::string_view name) { return first(machinery::is_dns1123_label(name)); }

}  // namespace capstan::api
