#pragma once
// What an HTTP request asks to do, read from its method, path and query alone — as
// kube-apiserver's RequestInfoFactory does — so the kernel can authorize it before any kind is
// looked up: verb (get list watch create update patch delete deletecollection), API group,
// version, resource, subresource, namespace and name; or a non-resource path (/healthz, /api,
// /openapi/v3) with the lower-cased HTTP method as its verb.

#include <string>

#include "http/request.hpp"

namespace capstan::auth {

struct RequestAttributes {
  std::string verb;
  bool resource_request = false;
  std::string group, version, resource, subresource, ns, name;
  std::string path;
};

RequestAttributes request_attributes(const http::Request& req);

}  // namespace capstan::auth
