// Gateway API admission called directly on objects decoded from JSON: the CRD defaults, OpenAPI
// checks and CEL rules with their messages, and the printer cells.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include <nlohmann/json.hpp>

#include "capstan/gateway_v1.capnp.h"
#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/testing/json_objects.hpp"
#include "gateway_rules.hpp"

namespace capstan::gateway_kinds {
namespace {

using nlohmann::json;
using Op = sdk::AdmissionRequest::Operation;
using namespace gateway::v1;

template <typename T>
sdk::ObjectPtr object(const json& j) {
  return sdk::testing::object_from_json<T>(j);
}

template <typename T>
json to_json(const std::string& bytes) {
  return sdk::testing::json_of<T>(bytes);
}

json meta(std::string kind, json spec) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", kind},
          {"metadata", {{"name", "x"}, {"namespace", "default"}}},
          {"spec", spec}};
}

template <typename T>
sdk::AdmissionResult admit(sdk::AdmissionResult (*fn)(const sdk::AdmissionRequest&), const json& j,
                           const json& old = nullptr) {
  sdk::AdmissionRequest r;
  r.operation = old.is_null() ? Op::kCreate : Op::kUpdate;
  r.object = object<T>(j);
  if (!old.is_null()) r.old_object = object<T>(old);
  return fn(r);
}

std::vector<std::string> causes(const sdk::AdmissionResult& r) {
  std::vector<std::string> out;
  for (auto& c : r.causes) out.push_back(c.field + ": " + c.message);
  return out;
}

TEST(GatewayClassRules, PendingStatusAndImmutableController) {
  auto r = admit<GatewayClass>(admit_gateway_class, meta("GatewayClass", {{"controllerName", "capstan.io/ingress-nginx"}}));
  ASSERT_TRUE(r.allowed) << ::testing::PrintToString(causes(r));
  auto j = to_json<GatewayClass>(r.mutated);
  EXPECT_EQ(j["status"]["conditions"][0]["type"], "Accepted");
  EXPECT_EQ(j["status"]["conditions"][0]["status"], "Unknown");
  EXPECT_EQ(j["status"]["conditions"][0]["reason"], "Pending");
  EXPECT_EQ(print_gateway_class(sdk::Object::from_bytes(r.mutated.data(), r.mutated.size())),
            (std::vector<std::string>{"Unknown"}));
  auto bad = admit<GatewayClass>(admit_gateway_class, meta("GatewayClass", {{"controllerName", "nginx"}}));
  EXPECT_EQ(causes(bad), (std::vector<std::string>{
                             "spec.controllerName: Invalid value: \"nginx\": spec.controllerName in body should match "
                             "'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/"
                             "[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$'"}));
  auto changed = admit<GatewayClass>(admit_gateway_class, meta("GatewayClass", {{"controllerName", "a.io/b"}}),
                                     meta("GatewayClass", {{"controllerName", "a.io/c"}}));
  EXPECT_EQ(causes(changed), (std::vector<std::string>{"spec.controllerName: Invalid value: \"string\": Value is immutable"}));
}

TEST(GatewayRules, DefaultsAndListenerRules) {
  json spec = {{"gatewayClassName", "nginx"},
               {"listeners",
                {{{"name", "http"}, {"port", 80}, {"protocol", "HTTP"}},
                 {{"name", "https"}, {"port", 443}, {"protocol", "HTTPS"}, {"tls", {{"certificateRefs", {{{"name", "cert"}}}}}}}}}};
  auto r = admit<Gateway>(admit_gateway, meta("Gateway", spec));
  ASSERT_TRUE(r.allowed) << ::testing::PrintToString(causes(r));
  auto j = to_json<Gateway>(r.mutated);
  EXPECT_EQ(j["spec"]["listeners"][0]["allowedRoutes"]["namespaces"]["from"], "Same");
  EXPECT_EQ(j["spec"]["listeners"][1]["tls"]["mode"], "Terminate");
  EXPECT_EQ(j["spec"]["listeners"][1]["tls"]["certificateRefs"][0]["kind"], "Secret");
  EXPECT_EQ(j["spec"]["listeners"][1]["tls"]["certificateRefs"][0]["group"], "");
  EXPECT_EQ(j["status"]["conditions"].size(), 2u);
  EXPECT_EQ(j["status"]["conditions"][1]["type"], "Programmed");

  json bad = {{"gatewayClassName", "nginx"},
              {"listeners",
               {{{"name", "a"}, {"port", 80}, {"protocol", "HTTP"}, {"tls", {{"certificateRefs", {{{"name", "c"}}}}}}},
                {{"name", "a"}, {"port", 70000}, {"protocol", "HTTPS"}, {"tls", {{"mode", "Terminate"}}}}}}};
  auto e = admit<Gateway>(admit_gateway, meta("Gateway", bad));
  EXPECT_EQ(causes(e),
            (std::vector<std::string>{
                "spec.listeners[1].port: Invalid value: 70000: spec.listeners[1].port in body should be less than or "
                "equal to 65535",
                "spec.listeners[1].tls: Invalid value: \"object\": certificateRefs or options must be specified when "
                "mode is Terminate",
                "spec.listeners: Invalid value: \"array\": tls must not be specified for protocols ['HTTP', 'TCP', "
                "'UDP']",
                "spec.listeners: Invalid value: \"array\": Listener name must be unique within the Gateway"}));
  auto none = admit<Gateway>(admit_gateway, meta("Gateway", {{"gatewayClassName", "nginx"}}));
  EXPECT_EQ(causes(none), (std::vector<std::string>{"spec.listeners: Required value"}));
}

TEST(HTTPRouteRules, CrdDefaults) {
  json spec = {{"parentRefs", {{{"name", "gw"}}}},
               {"rules",
                {{{"backendRefs", {{{"name", "web"}, {"port", 80}}}}},
                 {{"matches", {{{"headers", {{{"name", "x-canary"}, {"value", "1"}}}}}}},
                  {"filters", {{{"type", "RequestRedirect"}, {"requestRedirect", {{"scheme", "https"}}}}}}}}}};
  auto r = admit<HTTPRoute>(admit_http_route, meta("HTTPRoute", spec));
  ASSERT_TRUE(r.allowed) << ::testing::PrintToString(causes(r));
  auto j = to_json<HTTPRoute>(r.mutated);
  EXPECT_EQ(j["spec"]["parentRefs"][0]["group"], "gateway.networking.k8s.io");
  EXPECT_EQ(j["spec"]["parentRefs"][0]["kind"], "Gateway");
  EXPECT_EQ(j["spec"]["rules"][0]["matches"][0]["path"], (json{{"type", "PathPrefix"}, {"value", "/"}}));
  EXPECT_EQ(j["spec"]["rules"][0]["backendRefs"][0]["weight"], 1);
  EXPECT_EQ(j["spec"]["rules"][0]["backendRefs"][0]["kind"], "Service");
  EXPECT_EQ(j["spec"]["rules"][0]["backendRefs"][0]["group"], "");
  EXPECT_EQ(j["spec"]["rules"][1]["matches"][0]["headers"][0]["type"], "Exact");
  EXPECT_EQ(j["spec"]["rules"][1]["matches"][0]["path"]["value"], "/");
  EXPECT_EQ(j["spec"]["rules"][1]["filters"][0]["requestRedirect"]["statusCode"], 302);
  // No rules at all: the CRD's default rule.
  auto empty = admit<HTTPRoute>(admit_http_route, meta("HTTPRoute", {{"parentRefs", {{{"name", "gw"}}}}}));
  EXPECT_EQ(to_json<HTTPRoute>(empty.mutated)["spec"]["rules"][0]["matches"][0]["path"]["type"], "PathPrefix");
}

TEST(HTTPRouteRules, CelAndSchemaMessages) {
  json spec = {{"hostnames", {"Foo.com"}},
               {"rules",
                {{{"matches", {{{"path", {{"type", "PathPrefix"}, {"value", "foo//bar"}}}}}},
                  {"filters", {{{"type", "RequestRedirect"}}}},
                  {"backendRefs", {{{"name", "web"}, {"weight", 2000000}}}}}}}};
  auto r = admit<HTTPRoute>(admit_http_route, meta("HTTPRoute", spec));
  EXPECT_EQ(causes(r),
            (std::vector<std::string>{
                "spec.hostnames[0]: Invalid value: \"Foo.com\": spec.hostnames[0] in body should match "
                "'^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'",
                "spec.rules[0].matches[0].path: Invalid value: \"object\": value must be an absolute path and start "
                "with '/' when type one of ['Exact', 'PathPrefix']",
                "spec.rules[0].matches[0].path: Invalid value: \"object\": must not contain '//' when type one of "
                "['Exact', 'PathPrefix']",
                "spec.rules[0].filters[0]: Invalid value: \"object\": filter.requestRedirect must be specified for "
                "RequestRedirect filter.type",
                "spec.rules[0].backendRefs[0]: Invalid value: \"object\": Must have port for Service reference",
                "spec.rules[0].backendRefs[0].weight: Invalid value: 2000000: spec.rules[0].backendRefs[0].weight in "
                "body should be less than or equal to 1000000"}));
  json rule = {{"filters",
                {{{"type", "RequestRedirect"}, {"requestRedirect", {{"statusCode", 305}}}},
                 {{"type", "URLRewrite"},
                  {"urlRewrite", {{"path", {{"type", "ReplacePrefixMatch"}, {"replacePrefixMatch", "/x"}}}}}}}},
               {"matches", {{{"path", {{"type", "Exact"}, {"value", "/a"}}}}}}};
  json both = {{"rules", {rule}}};
  auto e = admit<HTTPRoute>(admit_http_route, meta("HTTPRoute", both));
  EXPECT_EQ(causes(e),
            (std::vector<std::string>{
                "spec.rules[0].filters[0].requestRedirect.statusCode: Unsupported value: 305: supported values: 301, "
                "302, 303, 307, 308",
                "spec.rules[0].filters: Invalid value: \"array\": May specify either httpRouteFilterRequestRedirect or "
                "httpRouteFilterRequestRewrite, but not both",
                "spec.rules[0]: Invalid value: \"object\": When using URLRewrite filter with path.replacePrefixMatch, "
                "exactly one PathPrefix match must be specified"}));
}

TEST(GatewayPrinters, LikeTheCrdColumns) {
  auto gw = meta("Gateway", {{"gatewayClassName", "nginx"}, {"listeners", {{{"name", "h"}, {"port", 80}, {"protocol", "HTTP"}}}}});
  gw["status"] = {{"addresses", {{{"type", "IPAddress"}, {"value", "10.0.0.1"}}, {{"value", "10.0.0.2"}}}},
                  {"conditions", {{{"type", "Programmed"}, {"status", "True"}, {"reason", "Programmed"}, {"message", ""},
                                   {"lastTransitionTime", "2026-01-01T00:00:00Z"}}}}};
  EXPECT_EQ(print_gateway(object<Gateway>(gw)), (std::vector<std::string>{"10.0.0.1", "True"}));
  auto route = meta("HTTPRoute", {{"hostnames", {"a.com", "b.com"}}});
  EXPECT_EQ(print_http_route(object<HTTPRoute>(route)), (std::vector<std::string>{"[\"a.com\",\"b.com\"]"}));
}

}  // namespace
}  // namespace capstan::gateway_kinds
