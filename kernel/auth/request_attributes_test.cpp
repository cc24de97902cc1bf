#include "auth/request_attributes.hpp"

#include <gtest/gtest.h>

namespace capstan::auth {
namespace {

RequestAttributes of(const std::string& method, const std::string& path, std::vector<std::pair<std::string, std::string>> query = {}) {
  http::Request r;
  r.method = method;
  r.path = path;
  r.query = std::move(query);
  return request_attributes(r);
}

TEST(RequestAttributes, NamespacedCollectionAndObject) {
  auto a = of("GET", "/api/v1/namespaces/default/pods");
  EXPECT_TRUE(a.resource_request);
  EXPECT_EQ(a.verb, "list");
  EXPECT_EQ(a.group, "");
  EXPECT_EQ(a.version, "v1");
  EXPECT_EQ(a.resource, "pods");
  EXPECT_EQ(a.ns, "default");
  EXPECT_EQ(a.name, "");
  a = of("GET", "/apis/apps/v1/namespaces/ns1/deployments/web");
  EXPECT_EQ(a.verb, "get");
  EXPECT_EQ(a.group, "apps");
  EXPECT_EQ(a.name, "web");
  a = of("PATCH", "/apis/apps/v1/namespaces/ns1/deployments/web/scale");
  EXPECT_EQ(a.verb, "patch");
  EXPECT_EQ(a.subresource, "scale");
}

TEST(RequestAttributes, Verbs) {
  EXPECT_EQ(of("GET", "/api/v1/pods", {{"watch", "true"}}).verb, "watch");
  EXPECT_EQ(of("GET", "/api/v1/watch/namespaces/a/pods").verb, "watch");
  EXPECT_EQ(of("GET", "/api/v1/watch/namespaces/a/pods").ns, "a");
  EXPECT_EQ(of("POST", "/api/v1/namespaces/a/pods").verb, "create");
  EXPECT_EQ(of("PUT", "/api/v1/namespaces/a/pods/p").verb, "update");
  EXPECT_EQ(of("DELETE", "/api/v1/namespaces/a/pods/p").verb, "delete");
  EXPECT_EQ(of("DELETE", "/api/v1/namespaces/a/pods").verb, "deletecollection");
  EXPECT_EQ(of("POST", "/api/v1/namespaces/a/pods/p/exec").subresource, "exec");
}

TEST(RequestAttributes, NamespacesThemselves) {
  auto a = of("GET", "/api/v1/namespaces/kube-system");
  EXPECT_EQ(a.resource, "namespaces");
  EXPECT_EQ(a.name, "kube-system");
  EXPECT_EQ(a.verb, "get");
  a = of("PUT", "/api/v1/namespaces/x/finalize");
  EXPECT_EQ(a.resource, "namespaces");
  EXPECT_EQ(a.subresource, "finalize");
  a = of("GET", "/api/v1/namespaces");
  EXPECT_EQ(a.resource, "namespaces");
  EXPECT_EQ(a.verb, "list");
  EXPECT_EQ(of("GET", "/api/v1/nodes/n1").ns, "");
}

TEST(RequestAttributes, NonResourcePaths) {
  for (const char* p : {"/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/healthz", "/openapi/v3", "/"}) {
    auto a = of("GET", p);
    EXPECT_FALSE(a.resource_request) << p;
    EXPECT_EQ(a.verb, "get") << p;
    EXPECT_EQ(a.path, p);
  }
  EXPECT_EQ(of("POST", "/logs").verb, "post");
}

}  // namespace
}  // namespace capstan::auth
