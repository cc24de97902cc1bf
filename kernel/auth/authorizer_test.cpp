#include "auth/authorizer.hpp"

#include <gtest/gtest.h>

#include "auth/gate.hpp"

namespace capstan::auth {
namespace {

struct Fixed : Authorizer {
  Decision d;
  explicit Fixed(Decision d) : d(std::move(d)) {}
  Decision authorize(const User&, const RequestAttributes&) const override { return d; }
};

RequestAttributes pods_in(const std::string& ns, const std::string& verb, const std::string& name = "") {
  RequestAttributes a;
  a.resource_request = true;
  a.verb = verb;
  a.version = "v1";
  a.resource = "pods";
  a.ns = ns;
  a.name = name;
  return a;
}

TEST(AuthorizerChain, MastersFirstThenFirstOpinion) {
  User admin{"admin", "", {"system:masters"}, {}};
  User alice{"alice", "", {"system:authenticated"}, {}};
  AuthorizerChain empty;
  EXPECT_TRUE(empty.authorize(admin, pods_in("a", "get")).allowed());
  EXPECT_FALSE(empty.authorize(alice, pods_in("a", "get")).allowed());

  AuthorizerChain chain;
  chain.add(std::make_shared<Fixed>(Decision{Decision::Kind::kNoOpinion, "", ""}));
  chain.add(std::make_shared<Fixed>(Decision{Decision::Kind::kDeny, "denied by policy", ""}));
  chain.add(std::make_shared<Fixed>(Decision{Decision::Kind::kAllow, "", ""}));
  auto d = chain.authorize(alice, pods_in("a", "get"));
  EXPECT_EQ(d.kind, Decision::Kind::kDeny);
  EXPECT_EQ(d.reason, "denied by policy");
}

// The texts kubectl users see, byte for byte as kube-apiserver writes them.
TEST(ForbiddenMessage, MatchesKubeApiserver) {
  User alice{"alice", "", {}, {}};
  EXPECT_EQ(forbidden_message(alice, pods_in("default", "list"), ""),
            "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"");
  auto a = pods_in("default", "create", "web");
  a.subresource = "exec";
  EXPECT_EQ(forbidden_message(alice, a, ""),
            "pods \"web\" is forbidden: User \"alice\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"default\"");
  RequestAttributes nodes;
  nodes.resource_request = true;
  nodes.verb = "list";
  nodes.group = "";
  nodes.resource = "nodes";
  EXPECT_EQ(forbidden_message(alice, nodes, ""),
            "nodes is forbidden: User \"alice\" cannot list resource \"nodes\" in API group \"\" at the cluster scope");
  RequestAttributes deploy = pods_in("x", "get", "d");
  deploy.group = "apps";
  deploy.resource = "deployments";
  EXPECT_EQ(forbidden_message(alice, deploy, "no rule"),
            "deployments.apps \"d\" is forbidden: User \"alice\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"x\": no rule");
  RequestAttributes path;
  path.verb = "get";
  path.path = "/metrics";
  EXPECT_EQ(forbidden_message(alice, path, ""), "forbidden: User \"alice\" cannot get path \"/metrics\"");
}

TEST(Gate, PublicPaths) {
  for (const char* p : {"/healthz", "/livez", "/readyz", "/version", "/version/", "/readyz/ping"})
    EXPECT_TRUE(Gate::public_path(p)) << p;
  for (const char* p : {"/api", "/apis", "/openapi/v3", "/versions", "/healthzz", "/metrics"})
    EXPECT_FALSE(Gate::public_path(p)) << p;
}

}  // namespace
}  // namespace capstan::auth
