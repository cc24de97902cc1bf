// The nginx.ingress.kubernetes.io annotations: values, defaults, and invalid values ignored with a
// message; the TLS pair check and the fallback certificate.
#include <gtest/gtest.h>

#include "annotations.hpp"
#include "certificates.hpp"

namespace capstan::ingress {
namespace {

std::map<std::string, std::string> ann(std::initializer_list<std::pair<const char*, const char*>> kv) {
  std::map<std::string, std::string> m;
  for (auto& [k, v] : kv) m[std::string(kAnnotationPrefix) + k] = v;
  return m;
}

TEST(Annotations, Defaults) {
  auto a = parse_annotations({});
  EXPECT_TRUE(a.ssl_redirect);
  EXPECT_FALSE(a.regex_paths());
  EXPECT_EQ(a.backend_protocol, "HTTP");
  EXPECT_EQ(a.proxy_read_timeout, 60);
  EXPECT_EQ(a.proxy_connect_timeout, 5);
  EXPECT_TRUE(a.problems.empty());
}

TEST(Annotations, Values) {
  auto a = parse_annotations(ann({{"rewrite-target", "/$2"}, {"ssl-redirect", "false"}, {"backend-protocol", "grpcs"},
                                  {"proxy-body-size", "8m"}, {"proxy-read-timeout", "120"},
                                  {"whitelist-source-range", "10.0.0.0/8, 192.168.1.1"}, {"affinity", "cookie"},
                                  {"session-cookie-name", "route"}, {"session-cookie-max-age", "3600"}}));
  EXPECT_TRUE(a.problems.empty()) << a.problems[0];
  EXPECT_EQ(a.rewrite_target, "/$2");
  EXPECT_TRUE(a.regex_paths());
  EXPECT_FALSE(a.ssl_redirect);
  EXPECT_EQ(a.backend_protocol, "GRPCS");
  EXPECT_EQ(a.proxy_body_size, "8m");
  EXPECT_EQ(a.proxy_read_timeout, 120);
  EXPECT_EQ(a.allow_sources, (std::vector<std::string>{"10.0.0.0/8", "192.168.1.1"}));
  EXPECT_TRUE(a.affinity_cookie);
  EXPECT_EQ(a.session_cookie_name, "route");
  EXPECT_EQ(a.session_cookie_max_age, "3600");
}

TEST(Annotations, InvalidValuesAreIgnoredAndReported) {
  auto a = parse_annotations(ann({{"proxy-body-size", "8 megs"}, {"proxy-read-timeout", "soon"},
                                  {"whitelist-source-range", "10.0.0.0/33"}, {"backend-protocol", "FTP"},
                                  {"rewrite-target", "/x; return 200"}, {"session-cookie-name", "a-b"}}));
  EXPECT_EQ(a.problems.size(), 6u);
  EXPECT_EQ(a.proxy_body_size, "");
  EXPECT_EQ(a.proxy_read_timeout, 60);
  EXPECT_TRUE(a.allow_sources.empty());
  EXPECT_EQ(a.backend_protocol, "HTTP");
  EXPECT_EQ(a.rewrite_target, "");
  EXPECT_EQ(a.session_cookie_name, "INGRESSCOOKIE");
  EXPECT_EQ(a.problems[0].rfind("annotation nginx.ingress.kubernetes.io/rewrite-target: invalid value", 0), 0u);
}

TEST(Annotations, Cidrs) {
  EXPECT_TRUE(is_cidr("10.0.0.0/8"));
  EXPECT_TRUE(is_cidr("2001:db8::/32"));
  EXPECT_TRUE(is_cidr("1.2.3.4"));
  EXPECT_FALSE(is_cidr("1.2.3.4/40"));
  EXPECT_FALSE(is_cidr("foo"));
}

TEST(Certificates, FallbackAndPairs) {
  auto a = make_fallback_certificate();
  auto b = make_fallback_certificate();
  auto ok = check_pair(a.certificate, a.key);
  EXPECT_EQ(ok.error, "");
  EXPECT_EQ(ok.names, (std::vector<std::string>{"ingress.local"}));
  EXPECT_EQ(check_pair(a.certificate, b.key).error, "tls.key does not match the certificate in tls.crt");
  EXPECT_EQ(check_pair("garbage", a.key).error, "tls.crt is not a PEM certificate");
  EXPECT_EQ(check_pair(a.certificate, "garbage").error, "tls.key is not a PEM private key");
}

}  // namespace
}  // namespace capstan::ingress
