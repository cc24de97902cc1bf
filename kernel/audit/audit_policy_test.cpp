#include "audit/audit_policy.hpp"

#include <gtest/gtest.h>

#include "api/yaml_json.hpp"

namespace capstan::audit {
namespace {

Policy policy(const char* yaml) { return Policy::parse(api::decode_yaml(yaml)); }

auth::RequestAttributes resource(const std::string& verb, const std::string& group, const std::string& res,
                                 const std::string& ns = "", const std::string& name = "", const std::string& sub = "") {
  auth::RequestAttributes a;
  a.resource_request = true;
  a.verb = verb;
  a.group = group;
  a.resource = res;
  a.ns = ns;
  a.name = name;
  a.subresource = sub;
  return a;
}

auth::RequestAttributes path(const std::string& p) {
  auth::RequestAttributes a;
  a.verb = "get";
  a.path = p;
  return a;
}

const auth::User kAlice{"alice", "", {"dev", "system:authenticated"}, {}};

// The example policy of the Kubernetes auditing documentation, abridged.
constexpr const char* kPolicy = R"(
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: RequestResponse
    resources:
    - group: ""
      resources: ["pods"]
  - level: Metadata
    resources:
    - group: ""
      resources: ["pods/log", "pods/status"]
  - level: None
    resources:
    - group: ""
      resources: ["configmaps"]
      resourceNames: ["controller-leader"]
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
    - group: ""
      resources: ["endpoints", "services"]
  - level: None
    userGroups: ["system:authenticated"]
    nonResourceURLs: ["/api*", "/version"]
  - level: Request
    resources:
    - group: ""
      resources: ["configmaps"]
    namespaces: ["kube-system"]
  - level: Metadata
    resources:
    - group: ""
      resources: ["secrets", "configmaps"]
  - level: Request
    resources:
    - group: ""
    - group: "extensions"
  - level: Metadata
    omitStages: [RequestReceived, ResponseStarted]
)";

TEST(AuditPolicy, FirstMatchingRuleWins) {
  Policy p = policy(kPolicy);
  EXPECT_EQ(p.evaluate(kAlice, resource("get", "", "pods", "default", "web")).level, Level::kRequestResponse);
  EXPECT_EQ(p.evaluate(kAlice, resource("get", "", "pods", "default", "web", "log")).level, Level::kMetadata);
  EXPECT_EQ(p.evaluate(kAlice, resource("update", "", "configmaps", "kube-system", "controller-leader")).level, Level::kNone);
  EXPECT_EQ(p.evaluate(kAlice, resource("update", "", "configmaps", "kube-system", "other")).level, Level::kRequest);
  EXPECT_EQ(p.evaluate(kAlice, resource("get", "", "configmaps", "default", "other")).level, Level::kMetadata);
  EXPECT_EQ(p.evaluate(kAlice, resource("list", "", "nodes")).level, Level::kRequest);  // the whole core group
  EXPECT_EQ(p.evaluate(kAlice, resource("list", "apps", "deployments", "default")).level, Level::kMetadata);
  EXPECT_EQ(p.evaluate(kAlice, path("/apis/apps")).level, Level::kNone);
  EXPECT_EQ(p.evaluate(kAlice, path("/healthz")).level, Level::kMetadata);
  auth::User proxy{"system:kube-proxy", "", {}, {}};
  EXPECT_EQ(p.evaluate(proxy, resource("watch", "", "services")).level, Level::kNone);
  EXPECT_EQ(p.evaluate(proxy, resource("list", "", "services")).level, Level::kRequest);
}

TEST(AuditPolicy, StagesOmittedByPolicyAndRule) {
  Policy p = policy(kPolicy);
  Decision d = p.evaluate(kAlice, path("/healthz"));
  EXPECT_TRUE(d.omits(Stage::kRequestReceived));
  EXPECT_TRUE(d.omits(Stage::kResponseStarted));
  EXPECT_FALSE(d.omits(Stage::kResponseComplete));
}

TEST(AuditPolicy, SubresourceWildcards) {
  Policy p = policy(R"({"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[
    {"level":"Request","resources":[{"group":"apps","resources":["*/scale"]}]},
    {"level":"Metadata","resources":[{"group":"","resources":["pods/*"]}]}]})");
  EXPECT_EQ(p.evaluate(kAlice, resource("update", "apps", "deployments", "d", "w", "scale")).level, Level::kRequest);
  EXPECT_EQ(p.evaluate(kAlice, resource("update", "apps", "deployments", "d", "w")).level, Level::kNone);
  EXPECT_EQ(p.evaluate(kAlice, resource("create", "", "pods", "d", "w", "exec")).level, Level::kMetadata);
}

TEST(AuditPolicy, BadPoliciesAreRefusedWithTheReason) {
  EXPECT_THROW(policy("apiVersion: v1\nkind: ConfigMap\n"), std::runtime_error);
  try {
    policy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "rules[0].level: Unsupported value: \"Everything\": supported values: \"None\", \"Metadata\", \"Request\", "
              "\"RequestResponse\"");
  }
  EXPECT_THROW(policy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  omitStages: [Never]\n"),
               std::runtime_error);
  EXPECT_THROW(policy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n"), std::runtime_error);
}

}  // namespace
}  // namespace capstan::audit
