// capstan.controller.v1/endpoints: keeps an Endpoints object and EndpointSlices for every Service
// with a selector, following its pods' readiness; keeps the `default/kubernetes` Service and its
// Endpoints pointing at the API server, and the cluster DNS Service `kube-system/kube-dns`.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "capstan/controller.hpp"
#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/discovery_v1.capnp.h"
#include "capstan/informer.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/plugin.hpp"
#include "capstan/selectors.hpp"
#include "endpoints_logic.hpp"

namespace {

using namespace capstan;
using namespace capstan::endpoints;
using core::v1::Endpoints;
using core::v1::Service;
using discovery::v1::EndpointSlice;

using machinery::kServices;
using machinery::kPods;
using machinery::kEndpoints;
using machinery::kEndpointSlices;
const char* const kServiceNameLabel = "kubernetes.io/service-name";
const char* const kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
const char* const kManagedBy = "endpointslice-controller.k8s.io";

struct Config {
  std::string api_host = "127.0.0.1";
  int api_port = 6443;
  std::string kubernetes_ip = "10.96.0.1";
  std::string dns_ip = "10.96.0.10";
  bool dns_service = true;
};

Config parse_config(const std::string& text) {
  Config c;
  if (text.empty()) return c;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return c;
  std::string node_ip = j.value("nodeIP", "");
  if (j.contains("apiServer") && j["apiServer"].is_string()) {
    // https://HOST:PORT
    std::string url = j["apiServer"];
    auto scheme = url.find("://");
    std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
    rest = rest.substr(0, rest.find('/'));
    auto colon = rest.rfind(':');
    if (colon != std::string::npos) {
      c.api_host = rest.substr(0, colon);
      c.api_port = std::atoi(rest.c_str() + colon + 1);
    } else {
      c.api_host = rest;
      c.api_port = 443;
    }
  }
  // A wildcard listener is reached at the node's own address.
  if ((c.api_host == "0.0.0.0" || c.api_host.empty()) && !node_ip.empty()) c.api_host = node_ip;
  if (c.api_host == "localhost") c.api_host = "127.0.0.1";
  // An explicit address for the `kubernetes` endpoint (e.g. the node's IP when the server listens
  // on 0.0.0.0, which the kernel reports as 127.0.0.1).
  c.api_host = j.value("kubernetesEndpointIP", c.api_host);
  c.kubernetes_ip = j.value("kubernetesServiceIP", c.kubernetes_ip);
  c.dns_ip = j.value("clusterDNSIP", c.dns_ip);
  c.dns_service = j.value("dnsService", c.dns_service);
  return c;
}

std::string label_of(const sdk::ObjectPtr& obj, const std::string& key) {
  for (auto l : obj->metadata().getLabels())
    if (l.getKey() == key.c_str()) return l.getValue();
  return {};
}

bool has_label(const sdk::ObjectPtr& obj, const std::string& key) {
  for (auto l : obj->metadata().getLabels())
    if (l.getKey() == key.c_str()) return true;
  return false;
}

class EndpointsController final : public sdk::Plugin {
 public:
  EndpointsController(const sdk::Host& host, const std::string& config)
      : host_(host),
        config_(parse_config(config)),
        client_(host, "endpoint-controller"),
        services_(client_, kServices),
        pods_(client_, kPods),
        endpoints_(client_, kEndpoints),
        slices_(client_, kEndpointSlices) {
    controller_ = std::make_unique<sdk::Controller>("endpoints", host_, [this](const std::string& k) { return reconcile(k); }, 2);
    controller_->watch(services_);
    // An Endpoints object or a slice changed by someone else is put back.
    controller_->watch(endpoints_);
    controller_->watch_owned(slices_, [](const sdk::ObjectPtr& obj) -> std::optional<std::string> {
      std::string svc = label_of(obj, kServiceNameLabel);
      if (svc.empty()) return std::nullopt;
      return obj->ns() + "/" + svc;
    });
    // A pod change concerns the Services selecting it now and those that selected it before.
    pods_.add_handler([this](const sdk::ObjectPtr& pod, sdk::EventKind kind) { on_pod(pod, kind); });
  }

  void start() override {
    services_.start();
    pods_.start();
    endpoints_.start();
    slices_.start();
    controller_->start();
    stopping_ = false;
    defaults_ = std::thread([this] { keep_default_services(); });
  }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (defaults_.joinable()) defaults_.join();
    controller_->stop();
    slices_.stop();
    endpoints_.stop();
    pods_.stop();
    services_.stop();
  }

 private:
  void on_pod(const sdk::ObjectPtr& pod, sdk::EventKind kind) {
    const std::string pod_key = pod->key();
    std::set<std::string> targets;
    {
      std::lock_guard lock(pod_mu_);
      if (auto it = pod_services_.find(pod_key); it != pod_services_.end()) targets = it->second;
    }
    std::set<std::string> now;
    if (kind != sdk::EventKind::kDeleted) {
      auto labels = sdk::labels_of(pod->as<core::v1::Pod>().getMetadata().getLabels());
      for (const auto& svc : services_.list(pod->ns())) {
        auto sel = svc->as<Service>().getSpec().getSelector();
        if (sel.size() == 0) continue;
        bool match = true;
        for (auto e : sel) {
          auto it = labels.find(e.getKey());
          if (it == labels.end() || it->second != e.getValue().cStr()) {
            match = false;
            break;
          }
        }
        if (match) now.insert(svc->key());
      }
    }
    {
      std::lock_guard lock(pod_mu_);
      if (now.empty()) pod_services_.erase(pod_key);
      else pod_services_[pod_key] = now;
    }
    targets.insert(now.begin(), now.end());
    for (const auto& k : targets) controller_->enqueue(k);
  }

  bool is_default_kubernetes(const std::string& ns, const std::string& name) const {
    return ns == "default" && name == "kubernetes";
  }

  sdk::ReconcileResult reconcile(const std::string& key) {
    auto [ns, name] = sdk::split_key(key);
    if (is_default_kubernetes(ns, name)) return sdk::ReconcileResult::ok();  // keep_default_services owns it
    auto svc_obj = services_.get(ns, name);
    if (!svc_obj || svc_obj->as<Service>().getSpec().getSelector().size() == 0) {
      // Gone, or its endpoints are managed by someone else: only clean up what this controller made.
      if (!svc_obj) {
        if (auto ep = endpoints_.get(ns, name)) {
          auto st = client_.remove(kEndpoints, ns, name, "Background", ep->uid());
          if (!st.ok() && !st.not_found()) return sdk::ReconcileResult::fail("delete endpoints " + key + ": " + st.message);
        }
      }
      for (const auto& s : our_slices(ns, name)) client_.remove(kEndpointSlices, ns, s->name(), "Background", s->uid());
      return sdk::ReconcileResult::ok();
    }
    auto svc = svc_obj->as<Service>();
    if (svc.getMetadata().hasDeletionTimestamp()) return sdk::ReconcileResult::ok();
    auto pods = pods_.list(ns);
    auto groups = compute_endpoints(svc, pods);
    if (auto r = sync_endpoints(svc_obj, groups); !r.error.empty() || r.requeue) return r;
    return sync_slices(svc_obj, groups);
  }

  void set_service_labels(capnp::List<k8s::StringEntry>::Builder out, const std::map<std::string, std::string>& labels) {
    unsigned i = 0;
    for (auto& [k, v] : labels) {
      out[i].setKey(k);
      out[i].setValue(v);
      ++i;
    }
  }

  std::map<std::string, std::string> endpoints_labels(Service::Reader svc) {
    std::map<std::string, std::string> labels;
    for (auto l : svc.getMetadata().getLabels()) labels[l.getKey()] = l.getValue();
    if (svc.getSpec().getClusterIP() == "None") labels["service.kubernetes.io/headless"] = "";
    return labels;
  }

  sdk::ReconcileResult sync_endpoints(const sdk::ObjectPtr& svc_obj, const std::vector<EndpointGroup>& groups) {
    auto svc = svc_obj->as<Service>();
    const std::string ns = svc_obj->ns(), name = svc_obj->name();
    capnp::MallocMessageBuilder m;
    auto existing = endpoints_.get(ns, name);
    if (existing) m.setRoot(existing->as<Endpoints>());
    auto ep = existing ? m.getRoot<Endpoints>() : m.initRoot<Endpoints>();
    ep.setApiVersion("v1");
    ep.setKind("Endpoints");
    ep.getMetadata().setName(name);
    ep.getMetadata().setNamespace(ns);
    auto labels = endpoints_labels(svc);
    set_service_labels(ep.getMetadata().initLabels(labels.size()), labels);
    fill_endpoints(ep, groups, svc.getSpec().getPublishNotReadyAddresses());
    if (existing && same_value(existing->as<Endpoints>(), ep.asReader())) return sdk::ReconcileResult::ok();
    auto r = existing ? client_.update(kEndpoints, ns, name, m) : client_.create(kEndpoints, ns, m);
    if (r.status.ok()) return sdk::ReconcileResult::ok();
    if (r.status.conflict() || r.status.already_exists()) return {true, std::chrono::milliseconds{0}, {}};
    if (r.status.not_found()) return sdk::ReconcileResult::ok();  // namespace going away
    return sdk::ReconcileResult::fail("write endpoints " + ns + "/" + name + ": " + r.status.message);
  }

  std::vector<sdk::ObjectPtr> our_slices(const std::string& ns, const std::string& svc) {
    auto out = slices_.list_matching([&](const sdk::ObjectPtr& s) {
      return s->ns() == ns && label_of(s, kServiceNameLabel) == svc && label_of(s, kManagedByLabel) == kManagedBy;
    });
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
    return out;
  }

  void slice_metadata(EndpointSlice::Builder s, const sdk::ObjectPtr& svc_obj) {
    auto svc = svc_obj->as<Service>();
    s.setApiVersion("discovery.k8s.io/v1");
    s.setKind("EndpointSlice");
    auto meta = s.getMetadata();
    meta.setNamespace(svc_obj->ns());
    auto labels = endpoints_labels(svc);
    labels[kServiceNameLabel] = svc_obj->name();
    labels[kManagedByLabel] = kManagedBy;
    set_service_labels(meta.initLabels(labels.size()), labels);
    auto owner = meta.initOwnerReferences(1)[0];
    owner.setApiVersion("v1");
    owner.setKind("Service");
    owner.setName(svc_obj->name());
    owner.setUid(svc_obj->uid());
    owner.getController().setValue(true);
    owner.getBlockOwnerDeletion().setValue(true);
  }

  sdk::ReconcileResult sync_slices(const sdk::ObjectPtr& svc_obj, const std::vector<EndpointGroup>& groups) {
    const std::string ns = svc_obj->ns(), name = svc_obj->name();
    auto plan = plan_slices(groups);
    auto existing = our_slices(ns, name);
    bool retry = false;
    for (size_t i = 0; i < plan.size(); ++i) {
      capnp::MallocMessageBuilder m;
      if (i < existing.size()) {
        m.setRoot(existing[i]->as<EndpointSlice>());
        auto s = m.getRoot<EndpointSlice>();
        slice_metadata(s, svc_obj);
        fill_slice(s, plan[i]);
        if (same_value(existing[i]->as<EndpointSlice>(), s.asReader())) continue;
        auto r = client_.update(kEndpointSlices, ns, existing[i]->name(), m);
        if (!r.status.ok()) {
          if (r.status.conflict() || r.status.not_found()) retry = true;
          else return sdk::ReconcileResult::fail("update endpointslice " + ns + "/" + existing[i]->name() + ": " + r.status.message);
        }
      } else {
        auto s = m.initRoot<EndpointSlice>();
        slice_metadata(s, svc_obj);
        s.getMetadata().setGenerateName(name + "-");
        fill_slice(s, plan[i]);
        auto r = client_.create(kEndpointSlices, ns, m);
        if (!r.status.ok() && !r.status.not_found())
          return sdk::ReconcileResult::fail("create endpointslice for " + ns + "/" + name + ": " + r.status.message);
      }
    }
    for (size_t i = plan.size(); i < existing.size(); ++i)
      client_.remove(kEndpointSlices, ns, existing[i]->name(), "Background", existing[i]->uid());
    if (retry) return {true, std::chrono::milliseconds{0}, {}};
    return sdk::ReconcileResult::ok();
  }

  // ---- default/kubernetes and kube-system/kube-dns, checked every 10 s as kube-apiserver's
  // endpoint reconciler does (every second until the first success).

  void keep_default_services() {
    bool done = false;
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      try {
        done = ensure_kubernetes_service() && (!config_.dns_service || ensure_dns_service());
      } catch (const std::exception& e) {
        host_.warn(std::string("endpoints: default services: ") + e.what());
        done = false;
      }
      lock.lock();
      cv_.wait_for(lock, done ? std::chrono::seconds(10) : std::chrono::seconds(1), [this] { return stopping_; });
    }
  }

  // Creates a Service when missing; true once it exists.
  bool ensure_service(const std::string& ns, const std::string& name, const std::function<void(Service::Builder)>& fill) {
    if (services_.get(ns, name)) return true;
    capnp::MallocMessageBuilder m;
    auto svc = m.initRoot<Service>();
    svc.setApiVersion("v1");
    svc.setKind("Service");
    svc.getMetadata().setName(name);
    svc.getMetadata().setNamespace(ns);
    fill(svc);
    auto r = client_.create(kServices, ns, m);
    if (r.status.ok() || r.status.already_exists()) return true;
    host_.info("endpoints: cannot create service " + ns + "/" + name + " yet: " + r.status.message);
    return false;
  }

  bool ensure_kubernetes_service() {
    bool ok = ensure_service("default", "kubernetes", [&](Service::Builder svc) {
      auto labels = svc.getMetadata().initLabels(2);
      labels[0].setKey("component");
      labels[0].setValue("apiserver");
      labels[1].setKey("provider");
      labels[1].setValue("kubernetes");
      auto spec = svc.getSpec();
      spec.setType("ClusterIP");
      spec.setClusterIP(config_.kubernetes_ip);
      auto p = spec.initPorts(1)[0];
      p.setName("https");
      p.setPort(443);
      p.setProtocol("TCP");
      p.initTargetPort().setInt(config_.api_port);
    });
    if (!ok) return false;
    // The Endpoints: the API server's address and port.
    capnp::MallocMessageBuilder m;
    auto existing = endpoints_.get("default", "kubernetes");
    if (existing) m.setRoot(existing->as<Endpoints>());
    auto ep = existing ? m.getRoot<Endpoints>() : m.initRoot<Endpoints>();
    ep.setApiVersion("v1");
    ep.setKind("Endpoints");
    ep.getMetadata().setName("kubernetes");
    ep.getMetadata().setNamespace("default");
    auto labels = ep.getMetadata().initLabels(1);
    labels[0].setKey("endpointslice.kubernetes.io/skip-mirror");
    labels[0].setValue("true");
    auto subset = ep.initSubsets(1)[0];
    subset.initAddresses(1)[0].setIp(config_.api_host);
    auto port = subset.initPorts(1)[0];
    port.setName("https");
    port.setPort(config_.api_port);
    port.setProtocol("TCP");
    if (existing && same_value(existing->as<Endpoints>(), ep.asReader())) return true;
    auto r = existing ? client_.update(kEndpoints, "default", "kubernetes", m) : client_.create(kEndpoints, "default", m);
    if (!r.status.ok()) {
      host_.info("endpoints: cannot write default/kubernetes endpoints yet: " + r.status.message);
      return false;
    }
    return true;
  }

  bool ensure_dns_service() {
    return ensure_service("kube-system", "kube-dns", [&](Service::Builder svc) {
      auto labels = svc.getMetadata().initLabels(2);
      labels[0].setKey("k8s-app");
      labels[0].setValue("kube-dns");
      labels[1].setKey("kubernetes.io/name");
      labels[1].setValue("CoreDNS");
      auto spec = svc.getSpec();
      spec.setType("ClusterIP");
      spec.setClusterIP(config_.dns_ip);
      auto ports = spec.initPorts(2);
      ports[0].setName("dns");
      ports[0].setPort(53);
      ports[0].setProtocol("UDP");
      ports[1].setName("dns-tcp");
      ports[1].setPort(53);
      ports[1].setProtocol("TCP");
      // No selector: each node's service proxy sends this address to the node's own resolver.
    });
  }

  const sdk::Host& host_;
  const Config config_;
  sdk::Client client_;
  sdk::Informer services_, pods_, endpoints_, slices_;
  std::unique_ptr<sdk::Controller> controller_;
  std::mutex pod_mu_;
  std::map<std::string, std::set<std::string>> pod_services_;  // pod key -> service keys selecting it
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread defaults_;
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "endpoints";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.network", "capstan.kind.v1.workloads"};
  info.create = [](const sdk::Host& host, const std::string& config) {
    return std::make_unique<EndpointsController>(host, config);
  };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
