#include "capstan/field_errors.hpp"

#include <arpa/inet.h>

#include "capstan/machinery/validation.hpp"

namespace capstan::sdk::field {

namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
bool is_label(std::string_view s) {
  if (s.empty() || !lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  for (char c : s)
    if (!lower_alnum(c) && c != '-') return false;
  return true;
}

bool is_subdomain(std::string_view s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!is_label(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

const char* const kSubdomainFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

}  // namespace

// Without truncation: a field.Error renders the whole value.
std::string go_quote(std::string_view s) { return machinery::quote(s, std::string_view::npos); }

std::string supported_values(const std::vector<std::string>& values) {
  std::string out = "supported values: ";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + go_quote(values[i]);
  return out;
}

void required(Causes& causes, const std::string& field, const std::string& detail) {
  causes.push_back({field, "FieldValueRequired", detail.empty() ? "Required value" : "Required value: " + detail});
}

void invalid(Causes& causes, const std::string& field, const std::string& value, const std::string& detail) {
  std::string m = "Invalid value";
  if (!value.empty()) m += ": " + value;
  if (!detail.empty()) m += ": " + detail;
  causes.push_back({field, "FieldValueInvalid", m});
}

void not_supported(Causes& causes, const std::string& field, const std::string& value,
                   const std::vector<std::string>& supported) {
  causes.push_back({field, "FieldValueNotSupported", "Unsupported value: " + value + ": " + supported_values(supported)});
}

void duplicate(Causes& causes, const std::string& field, const std::string& value) {
  causes.push_back({field, "FieldValueDuplicate", "Duplicate value: " + value});
}

void forbidden(Causes& causes, const std::string& field, const std::string& detail) {
  causes.push_back({field, "FieldValueForbidden", "Forbidden: " + detail});
}

void too_long(Causes& causes, const std::string& field, size_t max) {
  causes.push_back({field, "FieldValueTooLong", "Too long: may not be more than " + std::to_string(max) + " bytes"});
}

void too_many(Causes& causes, const std::string& field, size_t actual, size_t max) {
  causes.push_back({field, "FieldValueTooMany",
                    "Too many: " + std::to_string(actual) + ": must have at most " + std::to_string(max) +
                        (max == 1 ? " item" : " items")});
}

std::vector<std::string> dns1123_label(std::string_view s) { return machinery::is_dns1123_label(s); }
std::vector<std::string> dns1123_subdomain(std::string_view s) { return machinery::is_dns1123_subdomain(s); }
std::vector<std::string> dns1035_label(std::string_view s) { return machinery::is_dns1035_label(s); }

std::vector<std::string> wildcard_dns1123_subdomain(std::string_view s) {
  std::vector<std::string> errs;
  if (s.size() > 253) errs.push_back(machinery::max_len_error(253));
  if (s.size() < 3 || s.substr(0, 2) != "*." || !is_subdomain(s.substr(2)))
    errs.push_back(machinery::regex_error("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
                               "which must consist of lower case alphanumeric characters, '-' or '.' and end with an "
                               "alphanumeric character",
                               std::string("\\*\\.") + kSubdomainFmt, {"*.example.com"}));
  return errs;
}

std::vector<std::string> port_name(std::string_view s) { return machinery::is_valid_port_name(s); }

std::vector<std::string> port_number(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {"must be between 1 and 65535, inclusive"};
}

std::vector<std::string> qualified_name(std::string_view s) { return machinery::is_qualified_name(s); }

std::vector<std::string> path_segment_name(std::string_view s) {
  if (s == ".") return {"may not be '.'"};
  if (s == "..") return {"may not be '..'"};
  std::vector<std::string> errs;
  if (s.find('/') != std::string_view::npos) errs.push_back("may not contain '/'");
  if (s.find('%') != std::string_view::npos) errs.push_back("may not contain '%'");
  return errs;
}

std::vector<std::string> http_header_name(std::string_view s) {
  bool ok = !s.empty();
  for (char c : s)
    if (!alnum(c) && c != '-') ok = false;
  if (ok) return {};
  return {machinery::regex_error("a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+",
                      {"X-Header-Name"})};
}

void domain_prefixed_path(Causes& causes, const std::string& fld, std::string_view value) {
  if (value.empty()) return required(causes, fld);
  const size_t slash = value.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == value.size())
    return invalid(causes, fld, go_quote(value), "must be a domain-prefixed path (such as \"acme.io/foo\")");
  const std::string_view host = value.substr(0, slash), path = value.substr(slash + 1);
  for (auto& m : dns1123_subdomain(host)) invalid(causes, fld, go_quote(host), m);
  static const std::string_view kPathChars = "/-._~%!$&'()*+,;=:";
  for (char c : path)
    if (!alnum(c) && kPathChars.find(c) == std::string_view::npos)
      return invalid(causes, fld, go_quote(path),
                     "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')");
}

bool is_ip(std::string_view s) {
  const std::string text(s);
  unsigned char buf[16];
  if (text.find(':') != std::string::npos) return inet_pton(AF_INET6, text.c_str(), buf) == 1;
  // IPv4, leading zeros allowed (ParseIPSloppy).
  int parts = 0;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find('.', i);
    if (j == std::string::npos) j = text.size();
    if (j == i || j - i > 3) return false;
    int v = 0;
    for (size_t k = i; k < j; ++k) {
      if (text[k] < '0' || text[k] > '9') return false;
      v = v * 10 + (text[k] - '0');
    }
    if (v > 255) return false;
    ++parts;
    i = j + 1;
  }
  return parts == 4;
}

}  // namespace capstan::sdk::field
