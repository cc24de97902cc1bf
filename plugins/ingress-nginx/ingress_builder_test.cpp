// Ingresses → Model: class filtering, oldest-wins conflicts, backends (ClusterIP upstreams, 503
// for a missing Service, endpoints for cookie affinity), TLS, redirects, default backends.
#include "ingress_builder.hpp"

#include "test_objects.hpp"

namespace capstan::ingress {
namespace {

using namespace testing;

Settings settings() {
  Settings s;
  s.http_port = 8080;
  s.https_port = 8443;
  return s;
}

CertLookup certs_ok() {
  return [](const std::string& ns, const std::string& name) {
    CertFiles f;
    if (name == "bad") f.error = "tls.crt is not a PEM certificate";
    else f.certificate = "/c/" + ns + "_" + name + ".crt", f.key = "/c/" + ns + "_" + name + ".key";
    return f;
  };
}

Snapshot base() {
  Snapshot s;
  s.ingress_classes = {ingress_class("nginx", "k8s.io/ingress-nginx", true), ingress_class("other", "example.com/other")};
  s.services = {service("web", "10.96.0.10"), service("api", "10.96.0.11")};
  return s;
}

const Server& server(const Model& m, int port, const std::string& host) { return m.ports.at(port).servers.at(host); }

TEST(IngressClassFilter, LikeIngressNginx) {
  Snapshot s = base();
  Settings st = settings();
  auto spec = json{{"rules", {rule("a.com", {path("/", "Prefix")})}}};
  auto with_class = [&](std::string cls) {
    auto sp = spec;
    sp["ingressClassName"] = cls;
    return ingress("x", sp);
  };
  EXPECT_TRUE(ingress_is_ours(with_class("nginx"), s.ingress_classes, st));
  EXPECT_FALSE(ingress_is_ours(with_class("other"), s.ingress_classes, st));
  EXPECT_FALSE(ingress_is_ours(with_class("missing"), s.ingress_classes, st));
  EXPECT_TRUE(ingress_is_ours(ingress("x", spec, {{"kubernetes.io/ingress.class", "nginx"}}), s.ingress_classes, st));
  EXPECT_FALSE(ingress_is_ours(ingress("x", spec, {{"kubernetes.io/ingress.class", "traefik"}}), s.ingress_classes, st));
  // No class: ours because our class is the default one; not when it is not.
  EXPECT_TRUE(ingress_is_ours(ingress("x", spec), s.ingress_classes, st));
  std::vector<sdk::ObjectPtr> no_default{ingress_class("nginx", "k8s.io/ingress-nginx")};
  EXPECT_FALSE(ingress_is_ours(ingress("x", spec), no_default, st));
  st.watch_ingress_without_class = true;
  EXPECT_TRUE(ingress_is_ours(ingress("x", spec), no_default, st));
}

TEST(IngressBuilder, PathsAndBackends) {
  Snapshot s = base();
  s.ingresses = {ingress("x", {{"ingressClassName", "nginx"},
                               {"rules", {rule("a.com", {path("/foo/", "Prefix"), path("/exact", "Exact", "api"),
                                                         path("/impl", "ImplementationSpecific"),
                                                         path("/gone", "Prefix", "missing"),
                                                         path("/named", "Prefix", "web", {{"name", "http"}}),
                                                         path("/badport", "Prefix", "web", {{"number", 81}})})}}})};
  Model m;
  auto b = build_ingresses(s, settings(), certs_ok(), m);
  ASSERT_EQ(b.handled.size(), 1u);
  const Server& https = server(m, 8443, "a.com");
  ASSERT_EQ(https.routes.size(), 6u);
  EXPECT_EQ(https.routes[0].path, (PathMatch{PathMatch::Type::kPrefix, "/foo"}));  // trailing slash ignored
  EXPECT_EQ(https.routes[1].path, (PathMatch{PathMatch::Type::kExact, "/exact"}));
  EXPECT_EQ(https.routes[2].path, (PathMatch{PathMatch::Type::kPrefix, "/impl"}));  // ImplementationSpecific = Prefix
  EXPECT_EQ(https.routes[0].action.type, Action::Type::kProxy);
  EXPECT_EQ(https.routes[0].action.backends[0].upstream, "default-web-80");
  EXPECT_EQ(https.routes[3].action.type, Action::Type::kStatus);
  EXPECT_EQ(https.routes[3].action.status, 503);
  EXPECT_EQ(https.routes[4].action.backends[0].upstream, "default-web-80");
  EXPECT_EQ(https.routes[5].action.status, 503);
  // The ClusterIP, twice: a failed connection is retried, balanced again by the service proxy.
  EXPECT_EQ(m.upstreams.at("default-web-80").servers, (std::vector<std::string>{"10.96.0.10:80", "10.96.0.10:80"}));
  ASSERT_EQ(b.issues.size(), 2u);
  EXPECT_EQ(b.issues[0].reason, "ServiceNotFound");
  EXPECT_EQ(b.issues[0].message, "service \"default/missing\" not found; its paths answer 503");
  EXPECT_EQ(b.issues[1].reason, "PortNotFound");
  // Served on both ports; no TLS, so no redirect.
  EXPECT_FALSE(server(m, 8080, "a.com").routes[0].action.ssl_redirect);
}

TEST(IngressBuilder, EndpointChurnDoesNotChangeTheModel) {
  Snapshot s = base();
  s.ingresses = {ingress("x", {{"rules", {rule("a.com", {path("/", "Prefix")})}}})};
  Model a, b;
  s.endpoint_slices = {slice("web", {"10.244.0.5"})};
  build_ingresses(s, settings(), certs_ok(), a);
  s.endpoint_slices = {slice("web", {"10.244.0.6", "10.244.0.7"})};
  build_ingresses(s, settings(), certs_ok(), b);
  EXPECT_EQ(a.upstreams, b.upstreams);
}

TEST(IngressBuilder, OldestIngressWinsAConflict) {
  Snapshot s = base();
  s.ingresses = {ingress("young", {{"rules", {rule("a.com", {path("/p", "Prefix", "api")})}}}, {}, "2026-02-01T00:00:00Z"),
                 ingress("old", {{"rules", {rule("a.com", {path("/p", "Prefix")})}}}, {}, "2026-01-01T00:00:00Z")};
  Model m;
  auto b = build_ingresses(s, settings(), certs_ok(), m);
  ASSERT_EQ(server(m, 8443, "a.com").routes.size(), 1u);
  EXPECT_EQ(server(m, 8443, "a.com").routes[0].source.name, "old");
  ASSERT_EQ(b.issues.size(), 1u);
  EXPECT_EQ(b.issues[0].source.name, "young");
  EXPECT_EQ(b.issues[0].reason, "PathConflict");
  EXPECT_EQ(b.issues[0].message,
            "path \"/p\" (Prefix) of host \"a.com\" is already routed by Ingress default/old, which is older; this path is ignored");
}

TEST(IngressBuilder, TlsRedirectAndBrokenSecret) {
  Snapshot s = base();
  s.ingresses = {ingress("x", {{"tls", {{{"hosts", {"a.com"}}, {"secretName", "a-tls"}}, {{"hosts", {"b.com"}}, {"secretName", "bad"}}}},
                               {"rules", {rule("a.com", {path("/", "Prefix")}), rule("b.com", {path("/", "Prefix")}),
                                          rule("c.com", {path("/", "Prefix")})}}})};
  Model m;
  auto b = build_ingresses(s, settings(), certs_ok(), m);
  EXPECT_EQ(server(m, 8443, "a.com").certificate, "/c/default_a-tls.crt");
  EXPECT_EQ(server(m, 8443, "b.com").certificate, "");  // the fallback certificate
  EXPECT_TRUE(server(m, 8080, "a.com").routes[0].action.ssl_redirect);
  EXPECT_TRUE(server(m, 8080, "b.com").routes[0].action.ssl_redirect);
  EXPECT_FALSE(server(m, 8080, "c.com").routes[0].action.ssl_redirect);
  EXPECT_FALSE(server(m, 8443, "a.com").routes[0].action.ssl_redirect);
  ASSERT_EQ(b.issues.size(), 1u);
  EXPECT_EQ(b.issues[0].reason, "InvalidTLSSecret");
  // ssl-redirect: "false" keeps plain HTTP.
  s.ingresses = {ingress("x", {{"tls", {{{"hosts", {"a.com"}}, {"secretName", "a-tls"}}}}, {"rules", {rule("a.com", {path("/", "Prefix")})}}},
                         {{"nginx.ingress.kubernetes.io/ssl-redirect", "false"}})};
  Model m2;
  build_ingresses(s, settings(), certs_ok(), m2);
  EXPECT_FALSE(server(m2, 8080, "a.com").routes[0].action.ssl_redirect);
}

TEST(IngressBuilder, DefaultBackend) {
  Snapshot s = base();
  s.ingresses = {ingress("x", {{"defaultBackend", {{"service", {{"name", "api"}, {"port", {{"number", 80}}}}}}},
                               {"rules", {rule("a.com", {path("/app", "Prefix")})}}})};
  Model m;
  build_ingresses(s, settings(), certs_ok(), m);
  ASSERT_TRUE(server(m, 8080, "a.com").fallback);
  EXPECT_EQ(server(m, 8080, "a.com").fallback->backends[0].upstream, "default-api-80");
  ASSERT_TRUE(server(m, 8080, "").fallback);  // unmatched hosts
  EXPECT_EQ(server(m, 8080, "").fallback->backends[0].upstream, "default-api-80");
}

TEST(IngressBuilder, RegexAnnotationsStayWithTheirIngress) {
  Snapshot s = base();
  s.ingresses = {ingress("rw", {{"rules", {rule("a.com", {path("/something(/|$)(.*)", "ImplementationSpecific"),
                                                          path("/x", "Exact")})}}},
                         {{"nginx.ingress.kubernetes.io/rewrite-target", "/$2"}}),
                 ingress("plain", {{"rules", {rule("a.com", {path("/ba", "Prefix")})}}}, {}, "2026-03-01T00:00:00Z")};
  Model m;
  build_ingresses(s, settings(), certs_ok(), m);
  const auto& routes = server(m, 8443, "a.com").routes;
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].path.type, PathMatch::Type::kRegexCaseInsensitive);
  EXPECT_EQ(routes[0].action.rewrite_target, "/$2");
  EXPECT_EQ(routes[0].action.rewrite_regex, "/something(/|$)(.*)");
  EXPECT_EQ(routes[1].path.type, PathMatch::Type::kExact);  // Exact stays exact
  EXPECT_EQ(routes[2].path.type, PathMatch::Type::kPrefix);  // the other Ingress keeps Prefix semantics
}

TEST(IngressBuilder, CookieAffinityListsEndpoints) {
  Snapshot s = base();
  s.endpoint_slices = {slice("web", {"10.244.0.6", "10.244.0.5"})};
  s.ingresses = {ingress("x", {{"rules", {rule("a.com", {path("/", "Prefix")})}}},
                         {{"nginx.ingress.kubernetes.io/affinity", "cookie"},
                          {"nginx.ingress.kubernetes.io/session-cookie-name", "route"}})};
  Model m;
  build_ingresses(s, settings(), certs_ok(), m);
  const auto& a = server(m, 8443, "a.com").routes[0].action;
  EXPECT_EQ(a.affinity_cookie, "route");
  const auto& up = m.upstreams.at(a.backends[0].upstream);
  EXPECT_EQ(up.affinity_cookie, "route");
  EXPECT_EQ(up.servers, (std::vector<std::string>{"10.244.0.5:8080", "10.244.0.6:8080"}));
}

TEST(IngressBuilder, HostMatching) {
  EXPECT_TRUE(host_matches("*.foo.com", "a.foo.com"));
  EXPECT_FALSE(host_matches("*.foo.com", "a.b.foo.com"));
  EXPECT_FALSE(host_matches("*.foo.com", "foo.com"));
  EXPECT_TRUE(host_matches("a.com", "a.com"));
  EXPECT_EQ(normalize_prefix("/foo/"), "/foo");
  EXPECT_EQ(normalize_prefix(""), "/");
  EXPECT_EQ(normalize_prefix("/"), "/");
}

}  // namespace
}  // namespace capstan::ingress
