#include <gtest/gtest.h>

#include "bootstrap_policy.hpp"
#include "escalation.hpp"
#include "capstan/testing/json_objects.hpp"
#include "policy_snapshot.hpp"
#include "rbac_validation.hpp"

namespace capstan::rbac {
namespace {

using nlohmann::json;
using sdk::testing::object_from_json;

sdk::AuthorizationAttributes res(const std::string& user, std::vector<std::string> groups, const std::string& verb,
                                 const std::string& group, const std::string& resource, const std::string& ns,
                                 const std::string& name = "", const std::string& sub = "") {
  sdk::AuthorizationAttributes a;
  a.user.name = user;
  a.user.groups = std::move(groups);
  a.verb = verb;
  a.group = group;
  a.resource = resource;
  a.subresource = sub;
  a.ns = ns;
  a.name = name;
  return a;
}

TEST(PolicyRule, MatchesLikeUpstream) {
  PolicyRule r{{"get", "list"}, {""}, {"pods", "pods/log"}, {}, {}};
  EXPECT_TRUE(rule_allows(r, res("u", {}, "get", "", "pods", "a", "p")));
  EXPECT_TRUE(rule_allows(r, res("u", {}, "get", "", "pods", "a", "p", "log")));
  EXPECT_FALSE(rule_allows(r, res("u", {}, "get", "", "pods", "a", "p", "exec")));
  EXPECT_FALSE(rule_allows(r, res("u", {}, "delete", "", "pods", "a", "p")));
  EXPECT_FALSE(rule_allows(r, res("u", {}, "get", "apps", "pods", "a", "p")));
  PolicyRule star_sub{{"*"}, {"*"}, {"*/scale", "pods/*"}, {}, {}};
  EXPECT_TRUE(rule_allows(star_sub, res("u", {}, "update", "apps", "deployments", "a", "d", "scale")));
  EXPECT_TRUE(rule_allows(star_sub, res("u", {}, "create", "", "pods", "a", "p", "exec")));
  EXPECT_FALSE(rule_allows(star_sub, res("u", {}, "get", "", "pods", "a", "p")));
  PolicyRule named{{"get"}, {""}, {"configmaps"}, {"cfg"}, {}};
  EXPECT_TRUE(rule_allows(named, res("u", {}, "get", "", "configmaps", "a", "cfg")));
  EXPECT_FALSE(rule_allows(named, res("u", {}, "get", "", "configmaps", "a", "other")));
  EXPECT_FALSE(rule_allows(named, res("u", {}, "list", "", "configmaps", "a")));
  PolicyRule urls{{"get"}, {}, {}, {}, {"/healthz", "/apis/*"}};
  sdk::AuthorizationAttributes path;
  path.resource_request = false;
  path.verb = "get";
  path.path = "/apis/apps/v1";
  EXPECT_TRUE(rule_allows(urls, path));
  path.path = "/metrics";
  EXPECT_FALSE(rule_allows(urls, path));
}

TEST(PolicySnapshot, BindingsGrantInTheirScopeWithUpstreamReasons) {
  auto view = object_from_json<v1::ClusterRole>(json::parse(R"({"metadata":{"name":"pod-reader"},
    "rules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods"]}]})"));
  auto role = object_from_json<v1::Role>(json::parse(R"({"metadata":{"name":"cm","namespace":"dev"},
    "rules":[{"verbs":["create"],"apiGroups":[""],"resources":["configmaps"]}]})"));
  auto rb = object_from_json<v1::RoleBinding>(json::parse(R"({"metadata":{"name":"alice-cm","namespace":"dev"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"cm"},
    "subjects":[{"kind":"User","name":"alice"},{"kind":"ServiceAccount","name":"bot"}]})"));
  auto rb2 = object_from_json<v1::RoleBinding>(json::parse(R"({"metadata":{"name":"readers","namespace":"dev"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"pod-reader"},
    "subjects":[{"kind":"Group","name":"devs"}]})"));
  auto crb = object_from_json<v1::ClusterRoleBinding>(json::parse(R"({"metadata":{"name":"ops-read"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"pod-reader"},
    "subjects":[{"kind":"Group","name":"ops"}]})"));
  PolicySnapshot p({role}, {view}, {rb, rb2}, {crb});

  auto d = p.authorize(res("alice", {"system:authenticated"}, "create", "", "configmaps", "dev"));
  EXPECT_EQ(d.decision, sdk::AuthorizationDecision::Kind::kAllow);
  EXPECT_EQ(d.reason, "RBAC: allowed by RoleBinding \"alice-cm/dev\" of Role \"cm\" to User \"alice\"");
  EXPECT_EQ(p.authorize(res("alice", {}, "create", "", "configmaps", "prod")).decision,
            sdk::AuthorizationDecision::Kind::kNoOpinion);
  EXPECT_EQ(p.authorize(res("system:serviceaccount:dev:bot", {}, "create", "", "configmaps", "dev")).decision,
            sdk::AuthorizationDecision::Kind::kAllow);
  EXPECT_EQ(p.authorize(res("bob", {"devs"}, "list", "", "pods", "dev")).decision, sdk::AuthorizationDecision::Kind::kAllow);
  EXPECT_EQ(p.authorize(res("bob", {"devs"}, "list", "", "pods", "prod")).decision, sdk::AuthorizationDecision::Kind::kNoOpinion);
  d = p.authorize(res("carol", {"ops"}, "list", "", "pods", ""));
  EXPECT_EQ(d.decision, sdk::AuthorizationDecision::Kind::kAllow);
  EXPECT_EQ(d.reason, "RBAC: allowed by ClusterRoleBinding \"ops-read\" of ClusterRole \"pod-reader\" to Group \"ops\"");
  EXPECT_EQ(p.authorize(res("carol", {"ops"}, "delete", "", "pods", "x", "p")).decision,
            sdk::AuthorizationDecision::Kind::kNoOpinion);
}

TEST(BootstrapPolicy, ViewCannotReadSecretsEditCan) {
  const BootstrapRole* view = nullptr;
  const BootstrapRole* edit = nullptr;
  for (const auto& r : bootstrap_cluster_roles()) {
    if (r.name == "system:aggregate-to-view") view = &r;
    if (r.name == "system:aggregate-to-edit") edit = &r;
  }
  ASSERT_TRUE(view && edit);
  auto allows = [](const BootstrapRole* r, const sdk::AuthorizationAttributes& a) {
    for (const auto& rule : r->rules)
      if (rule_allows(rule, a)) return true;
    return false;
  };
  EXPECT_TRUE(allows(view, res("u", {}, "list", "", "pods", "a")));
  EXPECT_FALSE(allows(view, res("u", {}, "get", "", "secrets", "a", "s")));
  EXPECT_TRUE(allows(edit, res("u", {}, "get", "", "secrets", "a", "s")));
  EXPECT_TRUE(allows(edit, res("u", {}, "create", "", "pods", "a", "p", "exec")));
}

sdk::AdmissionRequest create(const std::string& kind, sdk::ObjectPtr o) {
  sdk::AdmissionRequest r;
  r.operation = sdk::AdmissionRequest::Operation::kCreate;
  r.kind = kind;
  r.object = std::move(o);
  return r;
}

TEST(Validation, UpstreamMessages) {
  auto bad_role = object_from_json<v1::Role>(json::parse(R"({"metadata":{"name":"r","namespace":"a"},
    "rules":[{"verbs":[],"apiGroups":[""],"resources":["pods"]},{"verbs":["get"],"nonResourceURLs":["/healthz"]}]})"));
  auto r = validate(create("Role", bad_role));
  ASSERT_FALSE(r.allowed);
  ASSERT_EQ(r.causes.size(), 2u);
  EXPECT_EQ(r.causes[0].field, "rules[0].verbs");
  EXPECT_EQ(r.causes[0].message, "Required value: verbs must contain at least one value");
  EXPECT_EQ(r.causes[1].message, "Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs");

  auto bad_binding = object_from_json<v1::ClusterRoleBinding>(json::parse(R"({"metadata":{"name":"b"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"x"},
    "subjects":[{"kind":"Robot","name":"r2"}]})"));
  r = validate(create("ClusterRoleBinding", bad_binding));
  ASSERT_EQ(r.causes.size(), 2u);
  EXPECT_EQ(r.causes[0].message, "Unsupported value: \"Role\": supported values: \"ClusterRole\"");
  EXPECT_EQ(r.causes[1].field, "subjects[0].kind");

  auto old_b = object_from_json<v1::RoleBinding>(json::parse(R"({"metadata":{"name":"b","namespace":"a"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}})"));
  auto new_b = object_from_json<v1::RoleBinding>(json::parse(R"({"metadata":{"name":"b","namespace":"a"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"}})"));
  auto upd = create("RoleBinding", new_b);
  upd.operation = sdk::AdmissionRequest::Operation::kUpdate;
  upd.old_object = old_b;
  r = validate(upd);
  ASSERT_EQ(r.causes.size(), 1u);
  EXPECT_EQ(r.causes[0].message,
            "Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"edit\"}: cannot change roleRef");
}

TEST(Escalation, MissingRightsCompactedAndWordedAsUpstream) {
  std::vector<PolicyRule> owner = {{{"get", "list", "watch"}, {""}, {"pods", "configmaps"}, {}, {}},
                                   {{"*"}, {"apps"}, {"deployments/*"}, {}, {}}};
  std::vector<PolicyRule> wanted = {{{"get", "list"}, {""}, {"pods", "secrets"}, {}, {}},
                                    {{"update"}, {"apps"}, {"deployments/scale", "deployments"}, {}, {}},
                                    {{"get"}, {""}, {"configmaps"}, {"cfg"}, {}}};
  auto missing = missing_rights(owner, wanted);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(compact_string(missing[0]), "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}");
  EXPECT_EQ(compact_string(missing[1]), "{APIGroups:[\"apps\"], Resources:[\"deployments\"], Verbs:[\"update\"]}");
  EXPECT_EQ(escalation_message("roles.rbac.authorization.k8s.io", "r", "alice", {"system:authenticated"}, {missing[0]}),
            "roles.rbac.authorization.k8s.io \"r\" is forbidden: user \"alice\" (groups=[\"system:authenticated\"]) is "
            "attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}");
  EXPECT_TRUE(missing_rights({{{"*"}, {"*"}, {"*"}, {}, {}}}, wanted).empty());
  std::vector<PolicyRule> urls = {{{"get"}, {}, {}, {}, {"/metrics"}}};
  EXPECT_EQ(missing_rights(owner, urls).size(), 1u);
  EXPECT_TRUE(missing_rights({{{"get"}, {}, {}, {}, {"/*"}}}, urls).empty());
}

}  // namespace
}  // namespace capstan::rbac
