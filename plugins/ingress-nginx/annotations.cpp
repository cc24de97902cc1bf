#include "annotations.hpp"

#include <arpa/inet.h>

#include <cctype>

namespace capstan::ingress {

namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

bool parse_bool(const std::string& v, bool& out) {
  if (v == "true" || v == "True" || v == "TRUE" || v == "1") return out = true, true;
  if (v == "false" || v == "False" || v == "FALSE" || v == "0") return out = false, true;
  return false;
}

// An nginx size: digits with an optional k/m/g unit.
bool is_size(const std::string& v) {
  if (v.empty()) return false;
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  if (i == 0) return false;
  if (i == v.size()) return true;
  return i + 1 == v.size() && std::string("kKmMgG").find(v[i]) != std::string::npos;
}

// Seconds, as ingress-nginx reads its timeout annotations (an integer; a trailing "s" accepted).
bool parse_seconds(std::string v, int& out) {
  if (!v.empty() && v.back() == 's') v.pop_back();
  if (v.empty() || v.size() > 6) return false;
  for (char c : v)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  out = std::stoi(v);
  return out > 0;
}

// Text that can sit in an nginx directive argument once quoted: no control characters, no braces
// or semicolons (which would end or open a block even in a careless renderer).
bool safe_text(const std::string& v) {
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f || c == '{' || c == '}' || c == ';' || c == '"' || c == '\\' || c == '\'') return false;
  return true;
}

bool cookie_name(const std::string& v) {
  if (v.empty() || v.size() > 128) return false;
  for (unsigned char c : v)
    if (!std::isalnum(c) && c != '_') return false;
  return true;
}

}  // namespace

bool is_cidr(const std::string& s) {
  const size_t slash = s.find('/');
  const std::string ip = s.substr(0, slash);
  unsigned char buf[16];
  int family = 0;
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) family = 4;
  else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) family = 6;
  if (!family) return false;
  if (slash == std::string::npos) return true;
  const std::string bits = s.substr(slash + 1);
  if (bits.empty() || bits.size() > 3) return false;
  for (char c : bits)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return std::stoi(bits) <= (family == 4 ? 32 : 128);
}

IngressAnnotations parse_annotations(const std::map<std::string, std::string>& annotations) {
  IngressAnnotations a;
  auto get = [&](const char* name, std::string& out) {
    auto it = annotations.find(std::string(kAnnotationPrefix) + name);
    if (it == annotations.end()) return false;
    out = trim(it->second);
    return true;
  };
  auto problem = [&](const char* name, const std::string& value, const std::string& why) {
    a.problems.push_back(std::string("annotation ") + kAnnotationPrefix + name + ": invalid value \"" + value + "\" (" + why +
                         "); the default applies");
  };
  std::string v;
  if (get("rewrite-target", v)) {
    if (safe_text(v) && !v.empty() && v.find(' ') == std::string::npos) a.rewrite_target = v;
    else problem("rewrite-target", v, "spaces, quotes, braces and semicolons are not allowed");
  }
  if (get("use-regex", v) && !parse_bool(v, a.use_regex)) problem("use-regex", v, "expected true or false");
  if (get("ssl-redirect", v) && !parse_bool(v, a.ssl_redirect)) problem("ssl-redirect", v, "expected true or false");
  if (get("force-ssl-redirect", v) && !parse_bool(v, a.force_ssl_redirect))
    problem("force-ssl-redirect", v, "expected true or false");
  if (get("backend-protocol", v)) {
    std::string up = v;
    for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (up == "HTTP" || up == "HTTPS" || up == "GRPC" || up == "GRPCS") a.backend_protocol = up;
    else problem("backend-protocol", v, "supported: HTTP, HTTPS, GRPC, GRPCS");
  }
  if (get("proxy-body-size", v)) {
    if (is_size(v)) a.proxy_body_size = v;
    else problem("proxy-body-size", v, "expected a size such as 8m");
  }
  for (auto [name, target] : {std::pair{"proxy-connect-timeout", &a.proxy_connect_timeout},
                              std::pair{"proxy-send-timeout", &a.proxy_send_timeout},
                              std::pair{"proxy-read-timeout", &a.proxy_read_timeout}}) {
    int seconds = 0;
    if (get(name, v)) {
      if (parse_seconds(v, seconds)) *target = seconds;
      else problem(name, v, "expected a number of seconds");
    }
  }
  for (const char* name : {"whitelist-source-range", "allowlist-source-range"}) {
    if (!get(name, v)) continue;
    std::vector<std::string> cidrs;
    bool ok = true;
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      const std::string item = trim(v.substr(start, comma - start));
      if (!item.empty()) {
        if (is_cidr(item)) cidrs.push_back(item);
        else ok = false;
      }
      start = comma + 1;
    }
    if (ok && !cidrs.empty()) a.allow_sources = cidrs;
    else problem(name, v, "expected a comma-separated list of CIDRs");
  }
  if (get("affinity", v)) {
    if (v == "cookie") a.affinity_cookie = true;
    else problem("affinity", v, "only \"cookie\" is supported");
  }
  if (get("session-cookie-name", v)) {
    if (cookie_name(v)) a.session_cookie_name = v;
    else problem("session-cookie-name", v, "letters, digits and '_' only (it names an nginx variable)");
  }
  if (get("session-cookie-path", v)) {
    if (!v.empty() && v[0] == '/' && safe_text(v) && v.find(' ') == std::string::npos) a.session_cookie_path = v;
    else problem("session-cookie-path", v, "expected an absolute path");
  }
  for (const char* name : {"session-cookie-max-age", "session-cookie-expires"}) {
    int seconds = 0;
    if (get(name, v)) {
      if (parse_seconds(v, seconds)) a.session_cookie_max_age = std::to_string(seconds);
      else problem(name, v, "expected a number of seconds");
    }
  }
  return a;
}

}  // namespace capstan::ingress
