#include "auth/impersonation.hpp"

#include <gtest/gtest.h>

#include "api/api_error.hpp"

namespace capstan::auth {
namespace {

// Allows what its list names ("users/alice", "groups/dev", "serviceaccounts/ns/sa", ...) and
// records every question.
struct Listed : Authorizer {
  std::vector<std::string> allowed;
  mutable std::vector<std::string> asked;
  Decision authorize(const User&, const RequestAttributes& a) const override {
    std::string key = a.resource + (a.subresource.empty() ? "" : "/" + a.subresource) + "/" +
                      (a.ns.empty() ? "" : a.ns + "/") + a.name;
    asked.push_back(a.verb + " " + (a.group.empty() ? "" : a.group + ":") + key);
    for (const auto& x : allowed)
      if (x == key) return {Decision::Kind::kAllow, "", ""};
    return {};
  }
};

http::Request with(std::vector<std::pair<std::string, std::string>> headers) {
  http::Request r;
  r.method = "GET";
  r.path = "/api/v1/pods";
  r.headers = std::move(headers);
  return r;
}

const User kBob{"bob", "", {"system:authenticated"}, {}};

TEST(Impersonation, NoHeadersNoOne) {
  Listed a;
  EXPECT_FALSE(impersonate(with({{"accept", "*/*"}}), kBob, a));
  EXPECT_TRUE(a.asked.empty());
}

TEST(Impersonation, UserGetsAuthenticatedGroup) {
  Listed a;
  a.allowed = {"users/alice"};
  auto as = impersonate(with({{"impersonate-user", "alice"}}), kBob, a);
  ASSERT_TRUE(as);
  EXPECT_EQ(as->name, "alice");
  EXPECT_EQ(as->groups, std::vector<std::string>{"system:authenticated"});
  EXPECT_EQ(a.asked, std::vector<std::string>{"impersonate users/alice"});
}

TEST(Impersonation, NamedGroupsAreTheAuthority) {
  Listed a;
  a.allowed = {"users/alice", "groups/dev", "groups/ops", "userextras/scopes/view", "uids/42"};
  auto as = impersonate(with({{"impersonate-user", "alice"},
                              {"impersonate-group", "dev"},
                              {"impersonate-group", "ops"},
                              {"impersonate-extra-scopes", "view"},
                              {"impersonate-uid", "42"}}),
                        kBob, a);
  ASSERT_TRUE(as);
  EXPECT_EQ(as->groups, (std::vector<std::string>{"dev", "ops"}));  // no system:authenticated added
  EXPECT_EQ(as->uid, "42");
  ASSERT_EQ(as->extra.size(), 1u);
  EXPECT_EQ(as->extra[0].first, "scopes");
  EXPECT_EQ(a.asked.back(), "impersonate authentication.k8s.io:uids/42");
}

TEST(Impersonation, ServiceAccountBringsItsGroups) {
  Listed a;
  a.allowed = {"serviceaccounts/dev/builder"};
  auto as = impersonate(with({{"impersonate-user", "system:serviceaccount:dev:builder"}}), kBob, a);
  ASSERT_TRUE(as);
  EXPECT_EQ(as->name, "system:serviceaccount:dev:builder");
  EXPECT_EQ(as->groups, (std::vector<std::string>{"system:serviceaccounts", "system:serviceaccounts:dev",
                                                  "system:authenticated"}));
}

TEST(Impersonation, RefusedWithUpstreamsMessage) {
  Listed a;
  try {
    impersonate(with({{"impersonate-user", "alice"}}), kBob, a);
    FAIL() << "impersonation allowed";
  } catch (const api::ApiError& e) {
    EXPECT_EQ(e.code, 403);
    EXPECT_EQ(std::string(e.what()),
              "users \"alice\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in API group \"\" at "
              "the cluster scope");
  }
}

TEST(Impersonation, GroupWithoutUserIsAnError) {
  Listed a;
  a.allowed = {"groups/dev"};
  try {
    impersonate(with({{"impersonate-group", "dev"}}), kBob, a);
    FAIL() << "group without user accepted";
  } catch (const api::ApiError& e) {
    EXPECT_EQ(e.code, 500);
    EXPECT_NE(std::string(e.what()).find("without impersonating a user"), std::string::npos);
  }
}

TEST(Impersonation, HeadersRemoved) {
  auto r = with({{"impersonate-user", "alice"}, {"impersonate-extra-x", "1"}, {"accept", "*/*"}});
  remove_impersonation_headers(r);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "accept");
}

}  // namespace
}  // namespace capstan::auth
