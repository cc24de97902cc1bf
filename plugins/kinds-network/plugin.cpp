// capstan.kind.v1/network: Service and Endpoints (core/v1), EndpointSlice (discovery.k8s.io/v1),
// Ingress and IngressClass (networking.k8s.io/v1), with kube-apiserver's defaulting and validation,
// the clusterIP / nodePort allocator and the DefaultIngressClass admission plugin.
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>

#include "allocator.hpp"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/discovery_v1.capnp.h"
#include "capstan/informer.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/networking_v1.capnp.h"
#include "capstan/plugin.hpp"
#include "capstan/printer_columns.hpp"
#include "ingress_rules.hpp"
#include "printers.hpp"
#include "service_rules.hpp"

namespace {

using namespace capstan;
using namespace capstan::network;

using machinery::kServices;
using machinery::kIngressClasses;

// serviceCIDR ("10.96.0.0/16") and nodePortRange ("30000-32767") from the plugin configuration.
AllocatorConfig parse_config(const std::string& text) {
  AllocatorConfig cfg;
  if (text.empty()) return cfg;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return cfg;
  if (j.contains("serviceCIDR") && j["serviceCIDR"].is_string()) {
    auto c = machinery::parse_cidr(j["serviceCIDR"].get<std::string>(), true);
    if (!c || c->prefix > 30) throw std::runtime_error("serviceCIDR: not an IPv4 CIDR of /30 or larger");
    cfg.service_cidr = *c;
  }
  if (j.contains("nodePortRange") && j["nodePortRange"].is_string()) {
    std::string r = j["nodePortRange"];
    auto dash = r.find('-');
    if (dash == std::string::npos) throw std::runtime_error("nodePortRange: expected MIN-MAX");
    cfg.node_port_min = std::stoi(r.substr(0, dash));
    cfg.node_port_max = std::stoi(r.substr(dash + 1));
    if (cfg.node_port_min < 1 || cfg.node_port_max > 65535 || cfg.node_port_min > cfg.node_port_max)
      throw std::runtime_error("nodePortRange: bad range " + r);
  }
  return cfg;
}

class NetworkKinds final : public sdk::Plugin {
 public:
  NetworkKinds(const sdk::Host& host, const std::string& config)
      : host_(host), client_(host, "service-allocator"), alloc_(parse_config(config)), services_(client_, kServices),
        ingress_classes_(client_, kIngressClasses) {
    services_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) {
      const std::string owner = obj->ns() + "/" + obj->name();
      if (kind == sdk::EventKind::kDeleted) alloc_.forget(owner);  // release on delete
      else alloc_.set_committed(owner, holdings_of(obj->as<core::v1::Service>(), alloc_.config().service_cidr));
    });
  }

  void start() override {
    ingress_classes_.start();
    services_.start();
    if (!services_.wait_for_sync(std::chrono::seconds(30)))
      throw std::runtime_error("service allocator: cannot list services");
    {
      std::lock_guard lock(mu_);
      ready_ = true;
    }
    cv_.notify_all();
    host_.info("service allocator: " + std::to_string(alloc_.used_ips()) + " cluster IPs and " +
               std::to_string(alloc_.used_ports()) + " node ports in use; range " + alloc_.config().service_cidr.str());
  }
  void stop() override {
    services_.stop();
    ingress_classes_.stop();
  }

  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (req.kind == "Service") {
      if (!wait_ready()) {
        sdk::AdmissionResult r;
        r.allowed = false;
        r.code = 503;
        r.reason = "ServiceUnavailable";
        r.message = "the service IP allocator is not ready yet";
        return r;
      }
      return admit_service(req, alloc_);
    }
    if (req.kind == "Endpoints") return admit_endpoints(req);
    if (req.kind == "EndpointSlice") return admit_endpoint_slice(req);
    if (req.kind == "Ingress") return admit_ingress(req, [this] { return ingress_classes(); });
    if (req.kind == "IngressClass") return admit_ingress_class(req);
    return sdk::AdmissionResult::allow();
  }

  std::vector<std::string> print(const std::string& kind, const sdk::ObjectPtr& obj) override {
    if (kind == "Service") return print_service(obj);
    if (kind == "Endpoints") return print_endpoints(obj);
    if (kind == "EndpointSlice") return print_endpoint_slice(obj);
    if (kind == "Ingress") return print_ingress(obj);
    if (kind == "IngressClass") return print_ingress_class(obj);
    return {};
  }

 private:
  // The stored IngressClasses, for the default class of a new Ingress: from the informer once it
  // has synced, else (an Ingress created while the plugin starts) listed directly.
  std::vector<sdk::ObjectPtr> ingress_classes() {
    if (ingress_classes_.has_synced()) return ingress_classes_.list();
    auto r = client_.list(kIngressClasses);
    if (!r.status.ok()) throw std::runtime_error("cannot list ingressclasses: " + r.status.message);
    return r.items;
  }

  // Admission may arrive between the API opening and start(): wait for the allocator's first list.
  bool wait_ready() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [this] { return ready_; });
  }

  const sdk::Host& host_;
  sdk::Client client_;
  ServiceAllocator alloc_;
  sdk::Informer services_;
  sdk::Informer ingress_classes_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "network";
  info.dependencies = {"capstan.kind.v1.core"};
  info.roles = CAPSTAN_ROLE_SERVER;
  info.manifest.description(
      "Networking: Service, Endpoints, EndpointSlice, Ingress, IngressClass; cluster IP and node port allocation");

  sdk::KindSpec svc;
  svc.kind = "Service";
  svc.plural = "services";
  svc.singular = "service";
  svc.short_names = {"svc"};
  svc.categories = {"all"};
  svc.schema = capnp::Schema::from<core::v1::Service>();
  svc.subresources = {{"status"}};
  svc.status_field = "status";
  svc.printer_columns = {sdk::column("Type", "string", ".spec.type", "The type of the service"),
                         sdk::column("Cluster-IP", "string", ".spec.clusterIP", "The cluster IP of the service"),
                         sdk::computed_column("External-IP", "string", "External addresses of the service"),
                         sdk::computed_column("Port(s)", "string", "Ports of the service (port:nodePort/protocol)"),
                         sdk::age_column(),
                         sdk::computed_column("Selector", "string", "The selector of the service's pods", 1)};
  svc.selectable_fields = {"spec.type", "spec.clusterIP"};
  svc.admission = true;
  info.manifest.kind(svc);

  sdk::KindSpec ep;
  ep.kind = "Endpoints";
  ep.plural = "endpoints";
  ep.singular = "endpoints";
  ep.short_names = {"ep"};
  ep.schema = capnp::Schema::from<core::v1::Endpoints>();
  ep.printer_columns = {sdk::computed_column("Endpoints", "string", "Ready addresses and ports"), sdk::age_column()};
  ep.admission = true;
  info.manifest.kind(ep);

  sdk::KindSpec slice;
  slice.group = "discovery.k8s.io";
  slice.kind = "EndpointSlice";
  slice.plural = "endpointslices";
  slice.singular = "endpointslice";
  slice.schema = capnp::Schema::from<discovery::v1::EndpointSlice>();
  slice.printer_columns = {sdk::column("AddressType", "string", ".addressType", "The type of the addresses"),
                           sdk::computed_column("Ports", "string", "Ports of the endpoints"), sdk::computed_column("Endpoints", "string", "Addresses of the endpoints"),
                           sdk::age_column()};
  slice.admission = true;
  info.manifest.kind(slice);

  sdk::KindSpec ing;
  ing.group = "networking.k8s.io";
  ing.kind = "Ingress";
  ing.plural = "ingresses";
  ing.singular = "ingress";
  ing.short_names = {"ing"};
  ing.schema = capnp::Schema::from<networking::v1::Ingress>();
  ing.subresources = {{"status"}};
  ing.status_field = "status";
  ing.printer_columns = {sdk::computed_column("Class", "string", "The name of the IngressClass the Ingress uses"),
                         sdk::computed_column("Hosts", "string", "The hosts the Ingress routes"),
                         sdk::computed_column("Address", "string", "The addresses the Ingress is served on"),
                         sdk::computed_column("Ports", "string", "The ports the Ingress is served on"), sdk::age_column()};
  ing.admission = true;
  info.manifest.kind(ing);

  sdk::KindSpec cls;
  cls.group = "networking.k8s.io";
  cls.kind = "IngressClass";
  cls.plural = "ingressclasses";
  cls.singular = "ingressclass";
  cls.namespaced = false;
  cls.schema = capnp::Schema::from<networking::v1::IngressClass>();
  cls.printer_columns = {sdk::column("Controller", "string", ".spec.controller", "The controller that handles the class"),
                         sdk::computed_column("Parameters", "string", "The parameters of the class"), sdk::age_column()};
  cls.admission = true;
  info.manifest.kind(cls);

  info.create = [](const sdk::Host& host, const std::string& config) {
    return std::make_unique<NetworkKinds>(host, config);
  };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
