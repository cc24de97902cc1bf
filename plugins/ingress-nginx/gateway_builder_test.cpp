// Gateway API → Model and statuses: class acceptance, listener conditions, route attachment
// (sectionName, allowed namespaces, hostname intersection), backend resolution and weights.
#include "gateway_builder.hpp"

#include "test_objects.hpp"

namespace capstan::ingress {
namespace {

using namespace testing;
using namespace gateway::v1;

const char* const kCtl = "capstan.io/ingress-nginx";

sdk::ObjectPtr gw_class(std::string name, std::string controller = kCtl) {
  return object<GatewayClass>({{"apiVersion", "gateway.networking.k8s.io/v1"}, {"kind", "GatewayClass"},
                               {"metadata", meta(name, "")}, {"spec", {{"controllerName", controller}}}});
}

sdk::ObjectPtr gateway(std::string name, json listeners, std::string cls = "nginx", std::string ns = "default") {
  return object<Gateway>({{"apiVersion", "gateway.networking.k8s.io/v1"}, {"kind", "Gateway"}, {"metadata", meta(name, ns)},
                          {"spec", {{"gatewayClassName", cls}, {"listeners", listeners}}}});
}

sdk::ObjectPtr route(std::string name, json spec, std::string ns = "default") {
  // The CRD defaults, as kinds-gateway's admission stores them.
  for (auto& p : spec["parentRefs"]) {
    if (!p.contains("group")) p["group"] = "gateway.networking.k8s.io";
    if (!p.contains("kind")) p["kind"] = "Gateway";
  }
  for (auto& r : spec["rules"]) {
    if (!r.contains("matches")) r["matches"] = {{{"path", {{"type", "PathPrefix"}, {"value", "/"}}}}};
    for (auto& b : r["backendRefs"]) {
      if (!b.contains("weight")) b["weight"] = 1;
      if (!b.contains("kind")) b["kind"] = "Service";
      if (!b.contains("group")) b["group"] = "";
    }
  }
  return object<HTTPRoute>({{"apiVersion", "gateway.networking.k8s.io/v1"}, {"kind", "HTTPRoute"}, {"metadata", meta(name, ns)},
                            {"spec", spec}});
}

json listener(std::string name, int port, std::string proto, std::string host = "") {
  json l = {{"name", name}, {"port", port}, {"protocol", proto}, {"allowedRoutes", {{"namespaces", {{"from", "Same"}}}}}};
  if (!host.empty()) l["hostname"] = host;
  return l;
}

CertLookup certs() {
  return [](const std::string& ns, const std::string& name) {
    CertFiles f;
    if (name == "missing") f.error = "not found";
    else f.certificate = "/c/" + ns + "_" + name + ".crt", f.key = "/c/" + ns + "_" + name + ".key";
    return f;
  };
}

const ConditionState& find(const std::vector<ConditionState>& cs, const std::string& type) {
  for (const auto& c : cs)
    if (c.type == type) return c;
  static ConditionState none;
  return none;
}

struct Fixture {
  Snapshot s;
  Settings st;
  Model m;
  GatewayBuild build(std::function<bool(int)> ports = [](int) { return true; }) {
    m = Model{};
    m.ports[80] = Port{80, false, false, {}};
    m.ports[443] = Port{443, true, true, {}};
    return build_gateways(s, st, certs(), ports, m);
  }
};

TEST(GatewayBuilder, ClassesAndListeners) {
  Fixture f;
  f.s.gateway_classes = {gw_class("nginx"), gw_class("other", "example.com/gw")};
  f.s.services = {service("web", "10.96.0.10")};
  json tls = listener("https", 443, "HTTPS");
  tls["tls"] = {{"mode", "Terminate"}, {"certificateRefs", {{{"name", "cert"}, {"group", ""}, {"kind", "Secret"}}}}};
  json bad_tls = listener("bad-tls", 8443, "HTTPS", "x.com");
  bad_tls["tls"] = {{"mode", "Terminate"}, {"certificateRefs", {{{"name", "missing"}}}}};
  f.s.gateways = {gateway("gw", {listener("http", 80, "HTTP"), tls, listener("tcp", 9000, "TCP"), listener("clash", 443, "HTTP"),
                                 bad_tls, listener("busy", 9999, "HTTP")}),
                  gateway("theirs", {listener("http", 80, "HTTP")}, "other")};
  auto b = f.build([](int port) { return port != 9999; });
  ASSERT_EQ(b.classes.size(), 1u);
  EXPECT_EQ(b.classes[0].second.status, "True");
  ASSERT_EQ(b.gateways.size(), 1u);  // not the other controller's
  const auto& gs = b.gateways[0];
  EXPECT_EQ(find(gs.conditions, "Accepted").reason, "ListenersNotValid");
  EXPECT_EQ(find(gs.conditions, "Accepted").status, "True");
  EXPECT_TRUE(gs.listeners[0].usable);
  EXPECT_TRUE(gs.listeners[1].usable);
  EXPECT_EQ(find(gs.listeners[2].conditions, "Accepted").reason, "UnsupportedProtocol");
  EXPECT_FALSE(gs.listeners[2].supports_http_route);
  EXPECT_EQ(find(gs.listeners[3].conditions, "Conflicted").reason, "ProtocolConflict");
  EXPECT_EQ(find(gs.listeners[4].conditions, "ResolvedRefs").reason, "InvalidCertificateRef");
  EXPECT_FALSE(gs.listeners[4].usable);
  EXPECT_EQ(find(gs.listeners[5].conditions, "Accepted").reason, "PortUnavailable");
}

TEST(GatewayBuilder, RouteAttachmentAndStatus) {
  Fixture f;
  f.s.gateway_classes = {gw_class("nginx")};
  f.s.services = {service("web", "10.96.0.10"), service("canary", "10.96.0.11")};
  f.s.gateways = {gateway("gw", {listener("http", 80, "HTTP", "*.example.com"), listener("alt", 8081, "HTTP")})};
  f.s.http_routes = {
      route("ok", {{"parentRefs", {{{"name", "gw"}, {"sectionName", "http"}}}},
                   {"hostnames", {"a.example.com", "other.org"}},
                   {"rules", {{{"backendRefs", {{{"name", "web"}, {"port", 80}, {"weight", 90}}, {{"name", "canary"}, {"port", 80}, {"weight", 10}}}}}}}}),
      route("no-section", {{"parentRefs", {{{"name", "gw"}, {"sectionName", "nope"}}}}, {"rules", {{{"backendRefs", {{{"name", "web"}, {"port", 80}}}}}}}}),
      route("no-host", {{"parentRefs", {{{"name", "gw"}, {"sectionName", "http"}}}}, {"hostnames", {"x.org"}},
                        {"rules", {{{"backendRefs", {{{"name", "web"}, {"port", 80}}}}}}}}),
      route("missing-backend", {{"parentRefs", {{{"name", "gw"}, {"port", 8081}}}},
                                {"rules", {{{"backendRefs", {{{"name", "nope"}, {"port", 80}}}}}}}}),
      route("other-ns", {{"parentRefs", {{{"name", "gw"}, {"namespace", "default"}}}}, {"rules", {{{"backendRefs", {{{"name", "web"}, {"port", 80}}}}}}}},
            "team"),
      route("not-ours", {{"parentRefs", {{{"name", "elsewhere"}}}}, {"rules", {{{"backendRefs", {{{"name", "web"}, {"port", 80}}}}}}}})};
  auto b = f.build();
  ASSERT_EQ(b.routes.size(), 5u);  // "not-ours" names no Gateway of ours: no status from us
  auto status = [&](const std::string& name) -> const RouteParentState& {
    for (const auto& r : b.routes)
      if (r.object->name() == name) return r.parents.at(0);
    throw std::runtime_error("no route " + name);
  };
  EXPECT_EQ(find(status("ok").conditions, "Accepted").status, "True");
  EXPECT_EQ(find(status("ok").conditions, "ResolvedRefs").status, "True");
  EXPECT_EQ(find(status("no-section").conditions, "Accepted").reason, "NoMatchingParent");
  EXPECT_EQ(find(status("no-host").conditions, "Accepted").reason, "NoMatchingListenerHostname");
  EXPECT_EQ(find(status("missing-backend").conditions, "Accepted").status, "True");
  EXPECT_EQ(find(status("missing-backend").conditions, "ResolvedRefs").reason, "BackendNotFound");
  EXPECT_EQ(find(status("other-ns").conditions, "Accepted").reason, "NotAllowedByListeners");
  EXPECT_EQ(b.gateways[0].listeners[0].attached_routes, 1);  // "ok"
  EXPECT_EQ(b.gateways[0].listeners[1].attached_routes, 1);  // "missing-backend"
  // Only the intersection of the hostnames is served; weights are kept; a missing backend answers 500.
  const auto& servers = f.m.ports.at(80).servers;
  ASSERT_TRUE(servers.count("a.example.com"));
  EXPECT_FALSE(servers.count("other.org"));
  const auto& action = servers.at("a.example.com").routes.at(0).action;
  ASSERT_EQ(action.backends.size(), 2u);
  EXPECT_EQ(action.backends[0].weight, 90);
  EXPECT_EQ(action.backends[1].upstream, "default-canary-80");
  const auto& missing = f.m.ports.at(8081).servers.at("").routes.at(0).action;
  EXPECT_EQ(missing.backends.at(0).upstream, "");
  EXPECT_EQ(missing.backends.at(0).status, 500);
}

TEST(GatewayBuilder, FiltersAndMatches) {
  Fixture f;
  f.s.gateway_classes = {gw_class("nginx")};
  f.s.services = {service("web", "10.96.0.10")};
  f.s.gateways = {gateway("gw", {listener("http", 80, "HTTP")})};
  json rules = {
      {{"matches", {{{"path", {{"type", "Exact"}, {"value", "/old"}}}}}},
       {"filters", {{{"type", "RequestRedirect"}, {"requestRedirect", {{"scheme", "https"}, {"statusCode", 301}}}}}}},
      {{"matches", {{{"path", {{"type", "PathPrefix"}, {"value", "/api/"}}},
                     {"headers", {{{"type", "Exact"}, {"name", "X-Version"}, {"value", "2"}}}},
                     {"queryParams", {{{"type", "Exact"}, {"name", "beta"}, {"value", "1"}}}},
                     {"method", "GET"}}}},
       {"filters", {{{"type", "URLRewrite"}, {"urlRewrite", {{"hostname", "internal"}, {"path", {{"type", "ReplacePrefixMatch"}, {"replacePrefixMatch", "/v2"}}}}}}}},
       {"backendRefs", {{{"name", "web"}, {"port", 80}}}}}};
  f.s.http_routes = {route("r", {{"parentRefs", {{{"name", "gw"}}}}, {"rules", rules}}),
                     route("mirror", {{"parentRefs", {{{"name", "gw"}}}},
                                      {"rules", {{{"filters", {{{"type", "RequestMirror"}, {"requestMirror", {{"backendRef", {{"name", "web"}, {"port", 80}}}}}}}},
                                                  {"backendRefs", {{{"name", "web"}, {"port", 80}}}}}}}})};
  auto b = f.build();
  const auto& routes = f.m.ports.at(80).servers.at("").routes;
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].action.type, Action::Type::kRedirect);
  EXPECT_EQ(routes[0].action.redirect.scheme, "https");
  EXPECT_EQ(routes[0].action.redirect.status, 301);
  EXPECT_EQ(routes[1].path, (PathMatch{PathMatch::Type::kPrefix, "/api"}));
  EXPECT_EQ(routes[1].conditions.size(), 3u);
  EXPECT_EQ(routes[1].action.host_rewrite, "internal");
  EXPECT_EQ(routes[1].action.rewrite.type, PathChange::Type::kPrefix);
  // An unsupported filter: the route is not accepted, and nothing of it is served.
  const RouteParentState* mirror = nullptr;
  for (const auto& r : b.routes)
    if (r.object->name() == "mirror") mirror = &r.parents[0];
  ASSERT_NE(mirror, nullptr);
  EXPECT_EQ(find(mirror->conditions, "Accepted").reason, "UnsupportedValue");
}

}  // namespace
}  // namespace capstan::ingress
