#include "capstan/field_errors.hpp"

#include <gtest/gtest.h>

namespace capstan::sdk::field {
namespace {

TEST(FieldErrors, RendersLikeApimachinery) {
  Causes c;
  invalid(c, "spec.rules[0].host", go_quote("1.2.3.4"), "must be a DNS name, not an IP address");
  required(c, "spec.rules[0].http.paths[0].pathType", "pathType must be specified");
  not_supported(c, "spec.x", go_quote("Foo"), {"Exact", "Prefix"});
  forbidden(c, "spec.y", "`parameters.scope` is set to 'Cluster'");
  too_long(c, "spec.controller", 250);
  too_many(c, "spec.rules", 17, 16);
  ASSERT_EQ(c.size(), 6u);
  EXPECT_EQ(c[0].message, "Invalid value: \"1.2.3.4\": must be a DNS name, not an IP address");
  EXPECT_EQ(c[1].message, "Required value: pathType must be specified");
  EXPECT_EQ(c[1].reason, "FieldValueRequired");
  EXPECT_EQ(c[2].message, "Unsupported value: \"Foo\": supported values: \"Exact\", \"Prefix\"");
  EXPECT_EQ(c[3].message, "Forbidden: `parameters.scope` is set to 'Cluster'");
  EXPECT_EQ(c[4].message, "Too long: may not be more than 250 bytes");
  EXPECT_EQ(c[5].message, "Too many: 17: must have at most 16 items");
}

TEST(FieldErrors, NameChecks) {
  EXPECT_TRUE(dns1123_subdomain("foo.bar.com").empty());
  ASSERT_EQ(dns1123_subdomain("Foo").size(), 1u);
  EXPECT_EQ(dns1123_subdomain("Foo")[0],
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  EXPECT_EQ(dns1123_label("a.b")[0], "must not contain dots");
  EXPECT_NE(dns1123_label("A")[0].find("(e.g. 'my-name',  or '123-abc', regex"), std::string::npos);
  EXPECT_TRUE(wildcard_dns1123_subdomain("*.foo.com").empty());
  EXPECT_EQ(wildcard_dns1123_subdomain("*.*.foo.com").size(), 1u);
  EXPECT_EQ(wildcard_dns1123_subdomain("f*.foo.com").size(), 1u);
  EXPECT_EQ(dns1035_label("1abc").size(), 1u);
  EXPECT_TRUE(dns1035_label("abc-1").empty());
  EXPECT_TRUE(port_name("http").empty());
  EXPECT_EQ(port_name("80").size(), 1u);
  EXPECT_EQ(port_name("-a--b").size(), 2u);
  EXPECT_EQ(port_number(0)[0], "must be between 1 and 65535, inclusive");
  EXPECT_EQ(path_segment_name("a/b%c"), (std::vector<std::string>{"may not contain '/'", "may not contain '%'"}));
  EXPECT_EQ(path_segment_name("..")[0], "may not be '..'");
  EXPECT_TRUE(is_ip("10.0.0.1"));
  EXPECT_TRUE(is_ip("010.000.000.001"));
  EXPECT_TRUE(is_ip("::1"));
  EXPECT_FALSE(is_ip("foo.com"));
  EXPECT_FALSE(is_ip("1.2.3"));
  EXPECT_FALSE(is_ip("1.2.3.4."));
  Causes c;
  domain_prefixed_path(c, "spec.controller", "example.com/ingress");
  EXPECT_TRUE(c.empty());
  domain_prefixed_path(c, "spec.controller", "nginx");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].message, "Invalid value: \"nginx\": must be a domain-prefixed path (such as \"acme.io/foo\")");
}

}  // namespace
}  // namespace capstan::sdk::field
