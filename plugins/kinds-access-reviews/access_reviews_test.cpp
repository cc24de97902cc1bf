// The access reviews' own logic: validation with upstream's messages, the question a review asks
// the authorizers, and the status written from their answer. End to end (kubectl auth can-i,
// whoami, impersonation) is tests/integration/auth_test.sh.
#include <gtest/gtest.h>

#include "access_review.hpp"
#include "capstan/machinery/codec/json_writer.hpp"
#include "capstan/machinery/message.hpp"
#include "capstan/testing/json_objects.hpp"
#include "rules_review.hpp"
#include "self_subject_review.hpp"

namespace capstan::access_reviews {
namespace {

using nlohmann::json;
using sdk::testing::json_of;
using sdk::testing::object_from_json;

std::string messages(const sdk::field::Causes& causes) {
  std::string out;
  for (const auto& c : causes) out += (out.empty() ? "" : "; ") + c.field + ": " + c.message;
  return out;
}

TEST(AccessReviewTest, SelfReviewNeedsExactlyOneKindOfAttributes) {
  auto none = object_from_json<v1::SelfSubjectAccessReview>(json::parse(R"({"spec":{}})"));
  EXPECT_EQ(messages(validate(none->as<v1::SelfSubjectAccessReview>())),
            "spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or "
            "resourceAttributes must be specified");
  auto both = object_from_json<v1::SelfSubjectAccessReview>(json::parse(
      R"({"spec":{"resourceAttributes":{"verb":"get","resource":"pods"},"nonResourceAttributes":{"path":"/healthz","verb":"get"}}})"));
  EXPECT_EQ(messages(validate(both->as<v1::SelfSubjectAccessReview>())),
            "spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:\"/healthz\", "
            "Verb:\"get\"}: cannot be specified in combination with resourceAttributes");
  auto named = object_from_json<v1::SelfSubjectAccessReview>(
      json::parse(R"({"metadata":{"name":"x"},"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}})"));
  EXPECT_EQ(messages(validate(named->as<v1::SelfSubjectAccessReview>())), "metadata: Invalid value: must be empty");
  auto good = object_from_json<v1::SelfSubjectAccessReview>(
      json::parse(R"({"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}})"));
  EXPECT_TRUE(validate(good->as<v1::SelfSubjectAccessReview>()).empty());
}

TEST(AccessReviewTest, SubjectReviewNeedsAUserOrAGroup) {
  auto review = object_from_json<v1::SubjectAccessReview>(
      json::parse(R"({"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}})"));
  EXPECT_EQ(messages(validate(review->as<v1::SubjectAccessReview>())),
            "spec.user: Invalid value: \"\": at least one of user or group must be specified");
  auto group_only = object_from_json<v1::SubjectAccessReview>(
      json::parse(R"({"spec":{"groups":["dev"],"resourceAttributes":{"verb":"get","resource":"pods"}}})"));
  EXPECT_TRUE(validate(group_only->as<v1::SubjectAccessReview>()).empty());
}

TEST(AccessReviewTest, LocalReviewStaysInItsNamespace) {
  auto review = object_from_json<v1::LocalSubjectAccessReview>(json::parse(
      R"({"metadata":{"namespace":"dev"},"spec":{"user":"alice","resourceAttributes":{"namespace":"prod","verb":"get","resource":"pods"}}})"));
  EXPECT_EQ(messages(validate(review->as<v1::LocalSubjectAccessReview>())),
            "spec.resourceAttributes.namespace: Invalid value: \"prod\": must match metadata.namespace");
  auto non_resource = object_from_json<v1::LocalSubjectAccessReview>(json::parse(
      R"({"metadata":{"namespace":"dev"},"spec":{"user":"alice","nonResourceAttributes":{"path":"/x","verb":"get"}}})"));
  EXPECT_EQ(messages(validate(non_resource->as<v1::LocalSubjectAccessReview>())),
            "spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:\"/x\", Verb:\"get\"}: "
            "disallowed on this kind of request");
  auto good = object_from_json<v1::LocalSubjectAccessReview>(json::parse(
      R"({"metadata":{"namespace":"dev"},"spec":{"user":"alice","resourceAttributes":{"namespace":"dev","verb":"get","resource":"pods"}}})"));
  EXPECT_TRUE(validate(good->as<v1::LocalSubjectAccessReview>()).empty());
}

TEST(AccessReviewTest, SelfReviewAsksAboutTheRequester) {
  auto review = object_from_json<v1::SelfSubjectAccessReview>(json::parse(
      R"({"spec":{"resourceAttributes":{"namespace":"dev","verb":"get","group":"apps","resource":"deployments","subresource":"scale","name":"web"}}})"));
  sdk::UserInfo alice{"alice", "u1", {"dev", "system:authenticated"}, {}};
  auto a = attributes_of(review->as<v1::SelfSubjectAccessReview>().getSpec(), alice);
  EXPECT_EQ(a.user.name, "alice");
  EXPECT_EQ(a.user.groups, alice.groups);
  EXPECT_TRUE(a.resource_request);
  EXPECT_EQ(a.verb, "get");
  EXPECT_EQ(a.ns, "dev");
  EXPECT_EQ(a.group, "apps");
  EXPECT_EQ(a.resource, "deployments");
  EXPECT_EQ(a.subresource, "scale");
  EXPECT_EQ(a.name, "web");
}

TEST(AccessReviewTest, SubjectReviewAsksAboutTheSpecsUser) {
  auto review = object_from_json<v1::SubjectAccessReview>(json::parse(
      R"({"spec":{"user":"bob","uid":"7","groups":["ops"],"extra":{"scopes":["a","b"]},"nonResourceAttributes":{"path":"/metrics","verb":"get"}}})"));
  auto a = attributes_of(review->as<v1::SubjectAccessReview>().getSpec());
  EXPECT_EQ(a.user.name, "bob");
  EXPECT_EQ(a.user.uid, "7");
  EXPECT_EQ(a.user.groups, std::vector<std::string>{"ops"});
  ASSERT_EQ(a.user.extra.size(), 1u);
  EXPECT_EQ(a.user.extra[0].second, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(a.resource_request);
  EXPECT_EQ(a.path, "/metrics");
  EXPECT_EQ(a.verb, "get");
}

TEST(AccessReviewTest, StatusSaysAllowedDeniedOrNoOpinion) {
  auto review = object_from_json<v1::SelfSubjectAccessReview>(
      json::parse(R"({"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}})"));
  auto status_of = [&](const sdk::AuthorizationDecision& d) {
    machinery::Mutable<v1::SelfSubjectAccessReview> m(review->as<v1::SelfSubjectAccessReview>());
    write_status(d, m.root.initStatus());
    return json_of<v1::SelfSubjectAccessReview>(m.bytes())["status"];
  };
  auto allowed = status_of(sdk::AuthorizationDecision::allow("RBAC: allowed by ClusterRoleBinding \"x\""));
  EXPECT_EQ(allowed["allowed"], true);
  EXPECT_FALSE(allowed.contains("denied"));
  EXPECT_EQ(allowed["reason"], "RBAC: allowed by ClusterRoleBinding \"x\"");
  auto none = status_of(sdk::AuthorizationDecision::no_opinion());
  EXPECT_EQ(none["allowed"], false);  // always written, as Go's non-omitempty bool
  EXPECT_FALSE(none.contains("denied"));
  auto denied = status_of(sdk::AuthorizationDecision::deny("no"));
  EXPECT_EQ(denied["allowed"], false);
  EXPECT_EQ(denied["denied"], true);
}

TEST(RulesReviewTest, NeedsANamespaceAndListsTheRules) {
  namespace a = capstan::authorization::v1;
  auto empty = object_from_json<a::SelfSubjectRulesReview>(json::parse(R"({"spec":{}})"));
  std::string error;
  EXPECT_FALSE(rules_namespace(empty->as<a::SelfSubjectRulesReview>(), error));
  EXPECT_EQ(error, "no namespace on request");
  auto review = object_from_json<a::SelfSubjectRulesReview>(json::parse(R"({"spec":{"namespace":"dev"}})"));
  EXPECT_EQ(*rules_namespace(review->as<a::SelfSubjectRulesReview>(), error), "dev");

  sdk::AccessRules rules;
  rules.resource_rules.push_back({{"get", "list"}, {""}, {"pods"}, {}});
  rules.non_resource_rules.push_back({{"get"}, {"/healthz"}});
  machinery::Mutable<a::SelfSubjectRulesReview> m(review->as<a::SelfSubjectRulesReview>());
  write_status(rules, m.root.initStatus());
  auto status = json_of<a::SelfSubjectRulesReview>(m.bytes())["status"];
  EXPECT_EQ(status["resourceRules"], json::parse(R"([{"verbs":["get","list"],"apiGroups":[""],"resources":["pods"]}])"));
  EXPECT_EQ(status["nonResourceRules"], json::parse(R"([{"verbs":["get"],"nonResourceURLs":["/healthz"]}])"));
  EXPECT_EQ(status["incomplete"], false);
}

TEST(SelfSubjectReviewTest, TellsTheRequester) {
  namespace n = capstan::authentication::v1;
  auto review = object_from_json<n::SelfSubjectReview>(json::parse(R"({})"));
  machinery::Mutable<n::SelfSubjectReview> m(review->as<n::SelfSubjectReview>());
  write_status(sdk::UserInfo{"alice", "", {"dev", "system:authenticated"}, {{"scopes", {"a"}}}}, m.root.initStatus());
  const json expected =
      json::parse(R"({"userInfo":{"username":"alice","groups":["dev","system:authenticated"],"extra":{"scopes":["a"]}}})");
  EXPECT_EQ(json_of<n::SelfSubjectReview>(m.bytes())["status"], expected);
  // The API server's writer too (map[string][]string values are lists).
  capnp::DynamicStruct::Reader root = m.root.asReader();
  EXPECT_EQ(json::parse(schema::write_json(sdk::testing::json_model(), root).text)["status"], expected);
}

}  // namespace
}  // namespace capstan::access_reviews
