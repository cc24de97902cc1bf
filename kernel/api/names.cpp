#include "api/names.hpp"

namespace capstan::api {

namespace {
bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One dot-separated part: [a-z0-9]([-a-z0-9]*[a-z0-9])? (no length limit of its own in a subdomain).
bool is_part(std::string_view s) {
  if (s.empty()) return false;
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-') return false;
  return true;
}

bool is_label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-') return false;
  return true;
}
}  // namespace

std::string validate_object_name(std::string_view name) {
  if (name.size() > 253) return "must be no more than 253 characters";
  size_t start = 0;
  bool ok = !name.empty();
  while (ok && start <= name.size()) {
    size_t dot = name.find('.', start);
    auto part = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    ok = is_part(part);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (ok) return {};
  return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
         "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
}

std::string validate_dns_label(std::string_view name) {
  if (is_label(name)) return {};
  if (name.size() > 63) return "must be no more than 63 characters";
  return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
         "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
}

}  // namespace capstan::api
