// Ingress and IngressClass admission called directly on objects decoded from JSON by the codec the
// API server uses: validation messages (pkg/apis/networking/validation), the default class,
// IngressClass defaulting, status checks and printer cells.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include <nlohmann/json.hpp>

#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/testing/json_objects.hpp"
#include "capstan/networking_v1.capnp.h"
#include "ingress_rules.hpp"

namespace capstan::network {
namespace {

using nlohmann::json;
using Op = sdk::AdmissionRequest::Operation;
using networking::v1::Ingress;
using networking::v1::IngressClass;

template <typename T>
sdk::ObjectPtr object(const json& j) {
  return sdk::testing::object_from_json<T>(j);
}

template <typename T>
json to_json(const std::string& bytes) {
  return sdk::testing::json_of<T>(bytes);
}

json ingress(json spec, json annotations = json::object()) {
  json md = {{"name", "web"}, {"namespace", "default"}};
  if (!annotations.empty()) md["annotations"] = annotations;
  return {{"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"metadata", md}, {"spec", spec}};
}

json path(std::string p, json type, json backend = {{"service", {{"name", "web"}, {"port", {{"number", 80}}}}}}) {
  json j = {{"path", p}, {"backend", backend}};
  if (!type.is_null()) j["pathType"] = type;
  return j;
}

json rule(std::string host, json paths) {
  json r = {{"http", {{"paths", paths}}}};
  if (!host.empty()) r["host"] = host;
  return r;
}

json ingress_class(std::string name, bool is_default, json spec = {{"controller", "k8s.io/ingress-nginx"}}) {
  json md = {{"name", name}};
  if (is_default) md["annotations"] = {{"ingressclass.kubernetes.io/is-default-class", "true"}};
  return {{"apiVersion", "networking.k8s.io/v1"}, {"kind", "IngressClass"}, {"metadata", md}, {"spec", spec}};
}

sdk::AdmissionResult admit(const json& j, std::vector<sdk::ObjectPtr> classes = {}, const json& old = nullptr,
                           std::string sub = "") {
  sdk::AdmissionRequest r;
  r.operation = old.is_null() ? Op::kCreate : Op::kUpdate;
  r.kind = "Ingress";
  r.subresource = sub;
  r.object = object<Ingress>(j);
  if (!old.is_null()) r.old_object = object<Ingress>(old);
  return admit_ingress(r, [&] { return classes; });
}

sdk::AdmissionResult admit_class(const json& j, const json& old = nullptr) {
  sdk::AdmissionRequest r;
  r.operation = old.is_null() ? Op::kCreate : Op::kUpdate;
  r.kind = "IngressClass";
  r.object = object<IngressClass>(j);
  if (!old.is_null()) r.old_object = object<IngressClass>(old);
  return admit_ingress_class(r);
}

std::vector<std::string> causes(const sdk::AdmissionResult& r) {
  std::vector<std::string> out;
  for (auto& c : r.causes) out.push_back(c.field + ": " + c.message);
  return out;
}

TEST(IngressValidation, AcceptsTheSeedIngress) {
  auto r = admit(ingress({{"rules",
                           {rule("blue.example.com", {path("/", "Prefix")}),
                            rule("", {path("/blue", "Prefix"), path("/green", "Exact")})}}}));
  EXPECT_TRUE(r.allowed) << ::testing::PrintToString(causes(r));
  EXPECT_TRUE(r.mutated.empty());  // no default class: nothing to set
}

TEST(IngressValidation, RulesOrDefaultBackend) {
  auto r = admit(ingress(json::object()));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r), (std::vector<std::string>{
                           "spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` "
                           "must be specified"}));
  EXPECT_TRUE(admit(ingress({{"defaultBackend", {{"service", {{"name", "web"}, {"port", {{"name", "http"}}}}}}}})).allowed);
}

TEST(IngressValidation, PathTypeAndPathRules) {
  auto r = admit(ingress({{"rules", {rule("", {path("/a", nullptr), path("/a", "Regex"), path("b", "Prefix"),
                                               path("/a//b/..", "Exact"), path("relative", "ImplementationSpecific"),
                                               path("", "ImplementationSpecific")})}}}));
  EXPECT_EQ(causes(r),
            (std::vector<std::string>{
                "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified",
                "spec.rules[0].http.paths[1].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", "
                "\"ImplementationSpecific\", \"Prefix\"",
                "spec.rules[0].http.paths[2].path: Invalid value: \"b\": must be an absolute path",
                "spec.rules[0].http.paths[3].path: Invalid value: \"/a//b/..\": must not contain '//'",
                "spec.rules[0].http.paths[3].path: Invalid value: \"/a//b/..\": cannot end with '/..'",
                "spec.rules[0].http.paths[4].path: Invalid value: \"relative\": must be an absolute path"}));
}

TEST(IngressValidation, Hosts) {
  auto r = admit(ingress({{"rules", {rule("1.2.3.4", {path("/", "Prefix")}), rule("*.foo.com", {path("/", "Prefix")}),
                                     rule("*.*.foo.com", {path("/", "Prefix")}), rule("Foo.com", {path("/", "Prefix")})}}}));
  auto c = causes(r);
  ASSERT_EQ(c.size(), 3u) << ::testing::PrintToString(c);
  EXPECT_EQ(c[0], "spec.rules[0].host: Invalid value: \"1.2.3.4\": must be a DNS name, not an IP address");
  EXPECT_EQ(c[1].rfind("spec.rules[2].host: Invalid value: \"*.*.foo.com\": a wildcard DNS-1123 subdomain must start "
                       "with '*.', followed by a valid DNS subdomain",
                       0),
            0u);
  EXPECT_EQ(c[2].rfind("spec.rules[3].host: Invalid value: \"Foo.com\": a lowercase RFC 1123 subdomain", 0), 0u);
}

TEST(IngressValidation, Backends) {
  json both = {{"service", {{"name", "web"}, {"port", {{"number", 80}}}}}, {"resource", {{"kind", "Bucket"}, {"name", "b"}}}};
  auto r = admit(ingress({{"rules",
                           {rule("", {path("/a", "Prefix", both),
                                      path("/b", "Prefix", {{"service", {{"name", "web"}, {"port", {{"number", 80}, {"name", "http"}}}}}}),
                                      path("/c", "Prefix", {{"service", {{"name", "web"}, {"port", json::object()}}}}),
                                      path("/d", "Prefix", {{"service", {{"name", "Web"}, {"port", {{"number", 70000}}}}}}),
                                      path("/e", "Prefix", json::object()),
                                      path("/f", "Prefix", {{"resource", {{"kind", "a/b"}}}})})}}}));
  auto c = causes(r);
  ASSERT_EQ(c.size(), 8u) << ::testing::PrintToString(c);
  EXPECT_EQ(c[0], "spec.rules[0].http.paths[0].backend: Invalid value: \"\": cannot set both resource and service backends");
  EXPECT_EQ(c[1], "spec.rules[0].http.paths[1].backend: Invalid value: \"\": cannot set both port name & port number");
  EXPECT_EQ(c[2], "spec.rules[0].http.paths[2].backend: Required value: port name or number is required");
  EXPECT_EQ(c[3].rfind("spec.rules[0].http.paths[3].backend.service.name: Invalid value: \"Web\": a DNS-1035 label", 0), 0u);
  EXPECT_EQ(c[4], "spec.rules[0].http.paths[3].backend.service.port.number: Invalid value: 70000: must be between 1 and "
                  "65535, inclusive");
  EXPECT_EQ(c[5], "spec.rules[0].http.paths[4].backend: Invalid value: \"\": resource or service backend is required");
  EXPECT_EQ(c[6], "spec.rules[0].http.paths[5].backend.resource.kind: Invalid value: \"a/b\": may not contain '/'");
  EXPECT_EQ(c[7], "spec.rules[0].http.paths[5].backend.resource.name: Required value");
}

TEST(IngressValidation, TlsAndClassAnnotation) {
  auto r = admit(ingress({{"ingressClassName", "nginx"},
                          {"tls", {{{"hosts", {"a.example.com", "*.b.com", "Bad"}}, {"secretName", "Not_Valid"}}}},
                          {"rules", {rule("a.example.com", {path("/", "Prefix")})}}},
                         {{"kubernetes.io/ingress.class", "other"}}));
  auto c = causes(r);
  ASSERT_EQ(c.size(), 3u) << ::testing::PrintToString(c);
  EXPECT_EQ(c[0].rfind("spec.tls[0].hosts[2]: Invalid value: \"Bad\"", 0), 0u);
  EXPECT_EQ(c[1].rfind("spec.tls[0].secretName: Invalid value: \"Not_Valid\"", 0), 0u);
  EXPECT_EQ(c[2], "annotations.kubernetes.io/ingress.class: Invalid value: \"other\": must match `ingressClassName` "
                  "when both are specified");
}

TEST(IngressValidation, UpdateKeepsStoredInvalidSecretName) {
  json bad = ingress({{"tls", {{{"secretName", "Not_Valid"}}}}, {"rules", {rule("a.com", {path("/", "Prefix")})}}});
  EXPECT_TRUE(admit(bad, {}, bad).allowed);
  EXPECT_FALSE(admit(bad).allowed);
}

TEST(DefaultIngressClass, SetOnCreateOnly) {
  auto spec = json{{"rules", {rule("a.com", {path("/", "Prefix")})}}};
  std::vector<sdk::ObjectPtr> classes{object<IngressClass>(ingress_class("nginx", true)),
                                      object<IngressClass>(ingress_class("other", false))};
  auto r = admit(ingress(spec), classes);
  ASSERT_TRUE(r.allowed);
  ASSERT_FALSE(r.mutated.empty());
  EXPECT_EQ(to_json<Ingress>(r.mutated)["spec"]["ingressClassName"], "nginx");
  // An explicit class, or the legacy annotation, is kept.
  auto explicit_class = spec;
  explicit_class["ingressClassName"] = "other";
  EXPECT_TRUE(admit(ingress(explicit_class), classes).mutated.empty());
  EXPECT_TRUE(admit(ingress(spec, {{"kubernetes.io/ingress.class", "x"}}), classes).mutated.empty());
  // Updates are not defaulted.
  EXPECT_TRUE(admit(ingress(spec), classes, ingress(spec)).mutated.empty());
  // Two defaults: refused as kube-apiserver does.
  classes.push_back(object<IngressClass>(ingress_class("third", true)));
  auto two = admit(ingress(spec), classes);
  EXPECT_FALSE(two.allowed);
  EXPECT_EQ(two.code, 403);
  EXPECT_EQ(two.message, "ingresses.networking.k8s.io \"web\" is forbidden: Internal error occurred: 2 default "
                         "IngressClasses were found, only 1 allowed");
}

TEST(IngressStatus, ChecksAddresses) {
  auto spec = json{{"rules", {rule("a.com", {path("/", "Prefix")})}}};
  auto with_status = [&](json lb) {
    auto j = ingress(spec);
    j["status"] = {{"loadBalancer", {{"ingress", lb}}}};
    return j;
  };
  EXPECT_TRUE(admit(with_status({{{"ip", "127.0.0.1"}}}), {}, ingress(spec), "status").allowed);
  auto r = admit(with_status({{{"ip", "nope"}}, {{"hostname", "10.0.0.1"}}}), {}, ingress(spec), "status");
  EXPECT_EQ(causes(r), (std::vector<std::string>{
                           "status.loadBalancer.ingress[0].ip: Invalid value: \"nope\": must be a valid IP address, "
                           "(e.g. 10.9.8.7 or 2001:db8::ffff)",
                           "status.loadBalancer.ingress[1].hostname: Invalid value: \"10.0.0.1\": must be a DNS name, "
                           "not an IP address"}));
}

TEST(IngressClassRules, DefaultsAndValidates) {
  auto r = admit_class(ingress_class("c", false, {{"controller", "example.com/ingress"},
                                                  {"parameters", {{"apiGroup", "k8s.example.com"}, {"kind", "Params"}, {"name", "p"}}}}));
  ASSERT_TRUE(r.allowed) << ::testing::PrintToString(causes(r));
  EXPECT_EQ(to_json<IngressClass>(r.mutated)["spec"]["parameters"]["scope"], "Cluster");

  auto bad = admit_class(ingress_class("c", false, {{"controller", "nginx"},
                                                    {"parameters", {{"kind", "P"}, {"name", "p"}, {"scope", "Namespace"}}}}));
  EXPECT_EQ(causes(bad), (std::vector<std::string>{
                             "spec.controller: Invalid value: \"nginx\": must be a domain-prefixed path (such as "
                             "\"acme.io/foo\")",
                             "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"}));
  auto cluster_ns = admit_class(ingress_class(
      "c", false, {{"controller", "a.io/b"}, {"parameters", {{"kind", "P"}, {"name", "p"}, {"namespace", "x"}}}}));
  EXPECT_EQ(causes(cluster_ns),
            (std::vector<std::string>{"spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"}));
  auto immutable = admit_class(ingress_class("c", false, {{"controller", "a.io/c"}}),
                               ingress_class("c", false, {{"controller", "a.io/b"}}));
  EXPECT_EQ(causes(immutable), (std::vector<std::string>{"spec.controller: Invalid value: \"a.io/c\": field is immutable"}));
  EXPECT_EQ(causes(admit_class(ingress_class("c", false, json::object()))),
            (std::vector<std::string>{"spec.controller: Required value"}));
}

TEST(IngressPrinters, LikeKubectl) {
  auto j = ingress({{"ingressClassName", "nginx"},
                    {"tls", {{{"hosts", {"a.com"}}}}},
                    {"rules", {rule("a.com", {path("/", "Prefix")}), rule("b.com", {path("/", "Prefix")}),
                               rule("", {path("/", "Prefix")}), rule("c.com", {path("/", "Prefix")}),
                               rule("d.com", {path("/", "Prefix")})}}});
  j["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "192.168.100.200"}}, {{"ip", "10.0.0.1"}}}}}}};
  EXPECT_EQ(print_ingress(object<Ingress>(j)),
            (std::vector<std::string>{"nginx", "a.com,b.com,c.com + 2 more...", "10.0.0.1,192....", "80, 443"}));
  auto plain = ingress({{"rules", {rule("", {path("/", "Prefix")})}}});
  EXPECT_EQ(print_ingress(object<Ingress>(plain)), (std::vector<std::string>{"<none>", "*", "", "80"}));
  auto cls = ingress_class("c", false, {{"controller", "a.io/b"},
                                        {"parameters", {{"apiGroup", "k8s.example.com"}, {"kind", "P"}, {"name", "p"}}}});
  EXPECT_EQ(print_ingress_class(object<IngressClass>(cls)), (std::vector<std::string>{"P.k8s.example.com/p"}));
  EXPECT_EQ(print_ingress_class(object<IngressClass>(ingress_class("c", false))), (std::vector<std::string>{"<none>"}));
}

}  // namespace
}  // namespace capstan::network
