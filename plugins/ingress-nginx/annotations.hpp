#pragma once
// The ingress-nginx annotations this controller honours (prefix nginx.ingress.kubernetes.io/),
// parsed and checked. As ingress-nginx does, an invalid value is ignored (the default applies) and
// reported — here as a Warning event on the Ingress.

#include <map>
#include <string>
#include <vector>

namespace capstan::ingress {

inline constexpr const char* kAnnotationPrefix = "nginx.ingress.kubernetes.io/";

struct IngressAnnotations {
  std::string rewrite_target;
  bool use_regex = false;
  bool ssl_redirect = true;         // ConfigMap default "true": only hosts with TLS are redirected
  bool force_ssl_redirect = false;
  std::string backend_protocol = "HTTP";
  std::string proxy_body_size;      // "" = nginx's default (1m, ingress-nginx's default too)
  int proxy_connect_timeout = 5, proxy_send_timeout = 60, proxy_read_timeout = 60;
  std::vector<std::string> allow_sources;  // whitelist-source-range / allowlist-source-range
  bool affinity_cookie = false;
  std::string session_cookie_name = "INGRESSCOOKIE";
  std::string session_cookie_path;  // "" = "/"
  std::string session_cookie_max_age;
  std::vector<std::string> problems;  // one message per ignored annotation

  // Locations of this Ingress are regular expressions (use-regex or rewrite-target).
  bool regex_paths() const { return use_regex || !rewrite_target.empty(); }
};

IngressAnnotations parse_annotations(const std::map<std::string, std::string>& annotations);

// Whether `s` is an IPv4/IPv6 address or CIDR (the whitelist syntax).
bool is_cidr(const std::string& s);

}  // namespace capstan::ingress
