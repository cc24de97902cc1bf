#include "api/names.hpp"

#include "capstan/machinery/validation.hpp"

namespace capstan::api {

namespace {
// The kernel reports one message per name (the first upstream gives: length, then the pattern).
std::string first(const machinery::ValidationErrors& errs) { return errs.empty() ? std::string() : errs.front(); }
}  // namespace

std::string validate_object_name(std::string_view name) { return first(machinery::is_dns1123_subdomain(name)); }

std::string validate_dns_label(std::string_view name) { return first(machinery::is_dns1123_label(name)); }

std::string validate_path_segment_name(std::string_view name) {
  if (name == "." || name == "..") return "may not be '" + std::string(name) + "'";
  if (name.find('/') != std::string_view::npos) return "may not contain '/'";
  if (name.find('%') != std::string_view::npos) return "may not contain '%'";
  return {};
}

std::string validate_name_by_rule(std::string_view rule, std::string_view name) {
  if (rule == "pathSegment") return validate_path_segment_name(name);
  return validate_object_name(name);
}

}  // namespace capstan::api
