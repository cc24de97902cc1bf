#include "cluster.hpp"

#include <algorithm>
#include <cctype>

#include "capstan/core_v1_services.capnp.h"
#include "capstan/discovery_v1.capnp.h"

namespace capstan::ingress {

namespace {

const char* const kServiceNameLabel = "kubernetes.io/service-name";

std::map<std::string, std::string> to_map(capnp::List<k8s::StringEntry>::Reader list) {
  std::map<std::string, std::string> out;
  for (auto e : list) out[e.getKey()] = e.getValue();
  return out;
}

}  // namespace

std::map<std::string, std::string> annotations_of(const sdk::ObjectPtr& obj) { return to_map(obj->metadata().getAnnotations()); }
std::map<std::string, std::string> labels_of(const sdk::ObjectPtr& obj) { return to_map(obj->metadata().getLabels()); }

std::string upstream_name(const std::string& ns, const std::string& service, const std::string& port,
                          const std::string& suffix) {
  std::string out = ns + "-" + service + "-" + port + (suffix.empty() ? "" : "-" + suffix);
  for (auto& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '-' || c == '_' || c == '.')) c = '_';
    c = static_cast<char>(std::tolower(u));
  }
  return out;
}

bool host_matches(const std::string& pattern, const std::string& host) {
  if (pattern == host) return true;
  if (pattern.rfind("*.", 0) != 0) return false;
  const std::string suffix = pattern.substr(1);  // ".foo.com"
  if (host.size() <= suffix.size() || host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  const std::string label = host.substr(0, host.size() - suffix.size());
  return !label.empty() && label.find('.') == std::string::npos && label != "*";
}

Backends::Backends(const Snapshot& snapshot, Model& model) : model_(model) {
  for (const auto& s : snapshot.services) services_[s->ns() + "/" + s->name()] = s;
  for (const auto& sl : snapshot.endpoint_slices) {
    auto labels = labels_of(sl);
    auto it = labels.find(kServiceNameLabel);
    if (it != labels.end()) slices_[sl->ns() + "/" + it->second].push_back(sl);
  }
}

bool Backends::service_exists(const std::string& ns, const std::string& name) const {
  return services_.count(ns + "/" + name) > 0;
}

std::vector<std::string> Backends::endpoint_servers(const std::string& ns, const std::string& service,
                                                    const std::string& port_name, int32_t target_port) const {
  std::vector<std::string> out;
  auto it = slices_.find(ns + "/" + service);
  if (it == slices_.end()) return out;
  for (const auto& obj : it->second) {
    auto slice = obj->as<discovery::v1::EndpointSlice>();
    if (slice.getAddressType() != "IPv4") continue;
    int32_t port = 0;
    for (auto p : slice.getPorts())
      if (p.getName() == port_name.c_str() && p.getPort().isValue()) port = p.getPort().getValue();
    if (port == 0) port = target_port;
    if (port == 0) continue;
    for (auto e : slice.getEndpoints()) {
      auto c = e.getConditions();
      const bool ready = !c.getReady().isValue() || c.getReady().getValue();
      if (!ready || e.getAddresses().size() == 0) continue;
      out.push_back(std::string(e.getAddresses()[0].cStr()) + ":" + std::to_string(port));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Backends::Result Backends::service(const std::string& ns, const std::string& name, int32_t port_number,
                                   const std::string& port_name, const std::string& affinity_cookie) {
  Result r;
  auto it = services_.find(ns + "/" + name);
  if (it == services_.end()) {
    r.reason = "ServiceNotFound";
    r.message = "service \"" + ns + "/" + name + "\" not found";
    return r;
  }
  auto spec = it->second->as<core::v1::Service>().getSpec();
  if (spec.getType() == "ExternalName") {
    r.reason = "UnsupportedServiceType";
    r.message = "service \"" + ns + "/" + name + "\" is of type ExternalName, which this controller does not proxy to";
    return r;
  }
  bool found = false;
  int32_t port = 0, target = 0;
  std::string svc_port_name;
  for (auto p : spec.getPorts()) {
    const bool match = port_name.empty() ? p.getPort() == port_number : p.getName() == port_name.c_str();
    if (!match || (p.getProtocol().size() && p.getProtocol() != "TCP")) continue;
    found = true;
    port = p.getPort();
    svc_port_name = p.getName();
    auto tp = p.getTargetPort();
    target = tp.isInt() ? tp.getInt() : 0;
    if (target == 0 && tp.isStr() && tp.getStr().size() == 0) target = port;
    break;
  }
  if (!found) {
    r.reason = "PortNotFound";
    r.message = "service \"" + ns + "/" + name + "\" has no TCP port " +
                (port_name.empty() ? std::to_string(port_number) : "named \"" + port_name + "\"");
    return r;
  }
  const std::string cluster_ip = spec.getClusterIP();
  const bool headless = cluster_ip.empty() || cluster_ip == "None";
  Upstream up;
  if (headless || !affinity_cookie.empty()) {
    up.servers = endpoint_servers(ns, name, svc_port_name, target);
    up.affinity_cookie = affinity_cookie;
    up.name = upstream_name(ns, name, std::to_string(port), affinity_cookie.empty() ? "endpoints" : "sticky-" + affinity_cookie);
    if (up.servers.empty()) {
      r.reason = "NoEndpoints";
      r.message = "service \"" + ns + "/" + name + "\" has no ready endpoints";
      return r;
    }
  } else {
    up.name = upstream_name(ns, name, std::to_string(port));
    up.servers = {cluster_ip + ":" + std::to_string(port), cluster_ip + ":" + std::to_string(port)};
  }
  model_.upstreams[up.name] = up;
  r.upstream = up.name;
  return r;
}

}  // namespace capstan::ingress
