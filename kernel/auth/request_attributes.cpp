#include "auth/request_attributes.hpp"

#include <vector>

namespace capstan::auth {

namespace {

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

bool query_true(const http::Request& req, const char* name) {
  const std::string* v = req.query_param(name);
  return v && (*v == "true" || *v == "1" || *v == "True" || *v == "TRUE" || *v == "t" || *v == "T");
}

}  // namespace

RequestAttributes request_attributes(const http::Request& req) {
  RequestAttributes a;
  a.path = req.path;
  a.verb = lower(req.method);
  auto parts = segments(req.path);
  // /api/v1/... and /apis/<group>/<version>/...; anything shorter (discovery) is non-resource.
  size_t first;
  if (parts.size() >= 3 && parts[0] == "api") {
    a.version = parts[1];
    first = 2;
  } else if (parts.size() >= 4 && parts[0] == "apis") {
    a.group = parts[1];
    a.version = parts[2];
    first = 3;
  } else {
    return a;
  }
  a.resource_request = true;
  std::vector<std::string> rest(parts.begin() + static_cast<long>(first), parts.end());
  // The deprecated /watch/ prefix: a watch of what follows.
  bool watch_prefix = false;
  if (!rest.empty() && rest[0] == "watch") {
    watch_prefix = true;
    rest.erase(rest.begin());
  }
  // namespaces/<ns>/<resource>... is namespaced, except `namespaces/<ns>` and
  // `namespaces/<ns>/<subresource>` of the Namespace itself (status, finalize).
  if (rest.size() >= 2 && rest[0] == "namespaces") {
    if (rest.size() == 2 || (rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize"))) {
      a.resource = "namespaces";
      a.name = rest[1];
      a.ns = rest[1];  // kube-apiserver sets the namespace of a Namespace request to its name
      if (rest.size() == 3) a.subresource = rest[2];
    } else {
      a.ns = rest[1];
      rest.erase(rest.begin(), rest.begin() + 2);
    }
  }
  if (a.resource.empty()) {
    if (!rest.empty()) a.resource = rest[0];
    if (rest.size() >= 2) a.name = rest[1];
    if (rest.size() >= 3) a.subresource = rest[2];
  }
  const std::string method = req.method;
  const bool has_name = !a.name.empty();
  if (method == "GET" || method == "HEAD") {
    if (watch_prefix || query_true(req, "watch")) a.verb = "watch";
    else a.verb = has_name ? "get" : "list";
  } else if (method == "POST") {
    a.verb = "create";
  } else if (method == "PUT") {
    a.verb = "update";
  } else if (method == "PATCH") {
    a.verb = "patch";
  } else if (method == "DELETE") {
    a.verb = has_name ? "delete" : "deletecollection";
  }
  return a;
}

}  // namespace capstan::auth
