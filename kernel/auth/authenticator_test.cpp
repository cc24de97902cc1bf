#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include "auth/token_file.hpp"

namespace capstan::auth {
namespace {

struct FileTokens : TokenAuthenticator {
  TokenFile file;
  std::optional<User> authenticate_token(const std::string& token) const override { return file.find(token); }
};

http::Request with_header(const std::string& value) {
  http::Request r;
  r.headers.emplace_back("authorization", value);
  return r;
}

TEST(BearerToken, ParsesLikeKubeApiserver) {
  EXPECT_EQ(bearer_token(with_header("Bearer abc")), "abc");
  EXPECT_EQ(bearer_token(with_header("bearer abc")), "abc");
  EXPECT_EQ(bearer_token(with_header("BEARER   abc  ")), "abc");
  EXPECT_FALSE(bearer_token(with_header("Basic YWxpY2U6eA==")));
  EXPECT_FALSE(bearer_token(with_header("Bearer")));
  EXPECT_FALSE(bearer_token(with_header("Bearer ")));
  EXPECT_FALSE(bearer_token(with_header("Bearer a b")));
  EXPECT_FALSE(bearer_token(http::Request{}));
}

TEST(Authenticator, CertificateThenTokenThenNobody) {
  auto tokens = std::make_shared<FileTokens>();
  tokens->file = TokenFile::parse("secret,alice,a1,\"dev\"\n");
  Authenticator authn;
  authn.add(tokens);

  http::Request cert;
  cert.client_cert_cn = "capstan-admin";
  cert.client_cert_orgs = {"system:masters"};
  auto u = authn.authenticate(cert);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->name, "capstan-admin");
  EXPECT_EQ(u->groups, (std::vector<std::string>{"system:masters", "system:authenticated"}));

  u = authn.authenticate(with_header("Bearer secret"));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->name, "alice");
  EXPECT_EQ(u->groups, (std::vector<std::string>{"dev", "system:authenticated"}));

  EXPECT_FALSE(authn.authenticate(with_header("Bearer wrong")));
  EXPECT_FALSE(authn.authenticate(http::Request{}));
  EXPECT_TRUE(Authenticator::presents_credentials(with_header("Bearer wrong")));
  EXPECT_FALSE(Authenticator::presents_credentials(http::Request{}));
}

}  // namespace
}  // namespace capstan::auth
