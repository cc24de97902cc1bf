#pragma once
// Test helper: API objects written as JSON and decoded by the codec the API server uses.
#include <capnp/message.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/discovery_v1.capnp.h"
#include "capstan/gateway_v1.capnp.h"
#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/networking_v1.capnp.h"
#include "capstan/object.hpp"
#include "capstan/testing/json_objects.hpp"

namespace capstan::ingress::testing {

using nlohmann::json;

template <typename T>
sdk::ObjectPtr object(json j) {
  if (!j["metadata"].contains("uid")) j["metadata"]["uid"] = "uid-" + j["metadata"].value("name", std::string("x"));
  if (!j["metadata"].contains("resourceVersion")) j["metadata"]["resourceVersion"] = "1";
  return sdk::testing::object_from_json<T>(j);
}

inline json meta(std::string name, std::string ns = "default", std::string created = "2026-01-01T00:00:00Z") {
  json m = {{"name", name}, {"creationTimestamp", created}};
  if (!ns.empty()) m["namespace"] = ns;
  return m;
}

inline sdk::ObjectPtr service(std::string name, std::string cluster_ip, json ports = json::array({{{"name", "http"}, {"port", 80}, {"targetPort", 8080}, {"protocol", "TCP"}}})) {
  return object<core::v1::Service>({{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", meta(name)},
                                    {"spec", {{"clusterIP", cluster_ip}, {"ports", ports}}}});
}

inline sdk::ObjectPtr slice(std::string service, std::vector<std::string> ips, int port = 8080) {
  json eps = json::array();
  for (auto& ip : ips) eps.push_back({{"addresses", {ip}}, {"conditions", {{"ready", true}}}});
  json md = meta(service + "-x");
  md["labels"] = {{"kubernetes.io/service-name", service}};
  return object<discovery::v1::EndpointSlice>({{"apiVersion", "discovery.k8s.io/v1"}, {"kind", "EndpointSlice"},
                                               {"metadata", md}, {"addressType", "IPv4"},
                                               {"ports", {{{"name", "http"}, {"port", port}}}}, {"endpoints", eps}});
}

inline sdk::ObjectPtr ingress(std::string name, json spec, json annotations = json::object(),
                              std::string created = "2026-01-01T00:00:00Z") {
  json md = meta(name, "default", created);
  if (!annotations.empty()) md["annotations"] = annotations;
  return object<networking::v1::Ingress>({{"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"metadata", md}, {"spec", spec}});
}

inline sdk::ObjectPtr ingress_class(std::string name, std::string controller, bool is_default = false) {
  json md = meta(name, "");
  if (is_default) md["annotations"] = {{"ingressclass.kubernetes.io/is-default-class", "true"}};
  return object<networking::v1::IngressClass>({{"apiVersion", "networking.k8s.io/v1"}, {"kind", "IngressClass"},
                                               {"metadata", md}, {"spec", {{"controller", controller}}}});
}

inline json path(std::string p, std::string type, std::string svc = "web", json port = {{"number", 80}}) {
  return {{"path", p}, {"pathType", type}, {"backend", {{"service", {{"name", svc}, {"port", port}}}}}};
}

inline json rule(std::string host, json paths) {
  json r = {{"http", {{"paths", paths}}}};
  if (!host.empty()) r["host"] = host;
  return r;
}

}  // namespace capstan::ingress::testing
