// capstan.kind.v1/gateway: the Gateway API's gateway.networking.k8s.io/v1 GatewayClass, Gateway
// and HTTPRoute as built-in kinds (CRDs upstream), with the CRDs' defaults, schema checks, CEL
// rules and printer columns. Served by the ingress-nginx plugin's data plane.
#include "capstan/gateway_v1.capnp.h"
#include "capstan/plugin.hpp"
#include "capstan/printer_columns.hpp"
#include "gateway_rules.hpp"

namespace {

using namespace capstan;

class GatewayKinds final : public sdk::Plugin {
 public:
  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (req.kind == "GatewayClass") return gateway_kinds::admit_gateway_class(req);
    if (req.kind == "Gateway") return gateway_kinds::admit_gateway(req);
    if (req.kind == "HTTPRoute") return gateway_kinds::admit_http_route(req);
    return sdk::AdmissionResult::allow();
  }
  std::vector<std::string> print(const std::string& kind, const sdk::ObjectPtr& obj) override {
    if (kind == "GatewayClass") return gateway_kinds::print_gateway_class(obj);
    if (kind == "Gateway") return gateway_kinds::print_gateway(obj);
    if (kind == "HTTPRoute") return gateway_kinds::print_http_route(obj);
    return {};
  }
};

// The CRDs' additionalPrinterColumns carry no descriptions.
sdk::PrinterColumn col(std::string name, std::string type, std::string path, int priority = 0) {
  return sdk::column(std::move(name), std::move(type), std::move(path), "", priority);
}
sdk::PrinterColumn computed(std::string name) { return sdk::computed_column(std::move(name), "string", ""); }

sdk::KindSpec kind(std::string kind, std::string plural, std::string singular, bool namespaced, capnp::StructSchema schema) {
  sdk::KindSpec k;
  k.group = "gateway.networking.k8s.io";
  k.kind = std::move(kind);
  k.plural = std::move(plural);
  k.singular = std::move(singular);
  k.namespaced = namespaced;
  k.categories = {"gateway-api"};
  k.schema = schema;
  k.subresources = {{"status"}};
  k.status_field = "status";
  k.admission = true;
  return k;
}

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "gateway";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.core"};
  info.manifest.description("Gateway API gateway.networking.k8s.io/v1: GatewayClass, Gateway, HTTPRoute");

  auto gc = kind("GatewayClass", "gatewayclasses", "gatewayclass", false, capnp::Schema::from<gateway::v1::GatewayClass>());
  gc.short_names = {"gc"};
  gc.printer_columns = {col("Controller", "string", ".spec.controllerName"), computed("Accepted"),
                        col("Age", "date", ""), col("Description", "string", ".spec.description", 1)};
  info.manifest.kind(gc);

  auto gw = kind("Gateway", "gateways", "gateway", true, capnp::Schema::from<gateway::v1::Gateway>());
  gw.short_names = {"gtw"};
  gw.printer_columns = {col("Class", "string", ".spec.gatewayClassName"), computed("Address"), computed("Programmed"),
                        col("Age", "date", "")};
  info.manifest.kind(gw);

  auto route = kind("HTTPRoute", "httproutes", "httproute", true, capnp::Schema::from<gateway::v1::HTTPRoute>());
  route.printer_columns = {computed("Hostnames"), col("Age", "date", "")};
  info.manifest.kind(route);

  info.create = [](const sdk::Host&, const std::string&) { return std::make_unique<GatewayKinds>(); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
