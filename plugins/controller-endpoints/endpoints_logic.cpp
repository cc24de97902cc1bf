#include "endpoints_logic.hpp"

#include <algorithm>
#include <map>

#include "capstan/selectors.hpp"

namespace capstan::endpoints {

namespace {

// Orders addresses numerically (10.244.0.9 before 10.244.0.10).
uint64_t ip_key(const std::string& ip) {
  uint64_t v = 0;
  unsigned part = 0;
  int parts = 0;
  for (char c : ip) {
    if (c == '.') {
      v = (v << 8) | part;
      part = 0;
      ++parts;
    } else if (c >= '0' && c <= '9') {
      part = part * 10 + static_cast<unsigned>(c - '0');
    } else {
      return UINT64_MAX;
    }
  }
  return parts == 3 ? ((v << 8) | part) : UINT64_MAX;
}

bool by_address(const EndpointInfo& a, const EndpointInfo& b) {
  auto ka = ip_key(a.ip), kb = ip_key(b.ip);
  return ka != kb ? ka < kb : (a.ip != b.ip ? a.ip < b.ip : a.pod_uid < b.pod_uid);
}

void fill_address(core::v1::EndpointAddress::Builder a, const EndpointInfo& e) {
  a.setIp(e.ip);
  if (!e.hostname.empty()) a.setHostname(e.hostname);
  if (!e.node_name.empty()) a.setNodeName(e.node_name);
  auto ref = a.initTargetRef();
  ref.setKind("Pod");
  ref.setNamespace(e.pod_namespace);
  ref.setName(e.pod_name);
  ref.setUid(e.pod_uid);
}

}  // namespace

bool pod_ready(core::v1::Pod::Reader pod) {
  for (auto c : pod.getStatus().getConditions())
    if (c.getType() == "Ready") return c.getStatus() == "True";
  return false;
}

int resolve_target_port(core::v1::ServicePort::Reader port, core::v1::Pod::Reader pod) {
  if (!port.hasTargetPort()) return port.getPort();
  auto t = port.getTargetPort();
  if (t.isInt()) return t.getInt() != 0 ? t.getInt() : port.getPort();
  std::string name = t.getStr();
  if (name.empty()) return port.getPort();
  std::string proto = port.getProtocol().size() ? port.getProtocol().cStr() : "TCP";
  for (auto c : pod.getSpec().getContainers())
    for (auto cp : c.getPorts()) {
      std::string cp_proto = cp.getProtocol().size() ? cp.getProtocol().cStr() : "TCP";
      if (cp.getName() == name && cp_proto == proto) return cp.getContainerPort();
    }
  return 0;
}

std::vector<EndpointGroup> compute_endpoints(core::v1::Service::Reader svc, const std::vector<sdk::ObjectPtr>& pods) {
  auto spec = svc.getSpec();
  const bool publish_not_ready = spec.getPublishNotReadyAddresses();
  const std::string svc_name = svc.getMetadata().getName();
  const std::string svc_ns = svc.getMetadata().getNamespace();
  sdk::Labels selector;
  for (auto e : spec.getSelector()) selector[e.getKey()] = e.getValue();
  std::vector<EndpointGroup> groups;
  if (selector.empty()) return groups;  // endpoints managed by someone else
  for (const auto& obj : pods) {
    auto pod = obj->as<core::v1::Pod>();
    if (obj->ns() != svc_ns) continue;
    auto labels = sdk::labels_of(pod.getMetadata().getLabels());
    bool match = true;
    for (auto& [k, v] : selector) {
      auto it = labels.find(k);
      if (it == labels.end() || it->second != v) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    auto status = pod.getStatus();
    std::string ip = status.getPodIP();
    if (ip.empty()) continue;
    if (status.getPhase() == "Succeeded" || status.getPhase() == "Failed") continue;
    EndpointInfo e;
    e.ip = ip;
    e.node_name = pod.getSpec().getNodeName();
    e.pod_namespace = obj->ns();
    e.pod_name = obj->name();
    e.pod_uid = obj->uid();
    e.terminating = pod.getMetadata().hasDeletionTimestamp();
    const bool ready = pod_ready(pod);
    e.serving = ready || publish_not_ready;
    e.ready = (ready && !e.terminating) || publish_not_ready;
    // A pod is named in a headless Service's DNS when its subdomain names the Service.
    if (pod.getSpec().getHostname().size() && pod.getSpec().getSubdomain() == svc_name)
      e.hostname = pod.getSpec().getHostname();
    std::vector<PortInfo> ports;
    for (auto sp : spec.getPorts()) {
      int p = resolve_target_port(sp, pod);
      if (p == 0) continue;  // a named port this pod does not have: no endpoint port for it here
      PortInfo pi;
      pi.name = sp.getName();
      pi.protocol = sp.getProtocol().size() ? sp.getProtocol().cStr() : "TCP";
      pi.app_protocol = sp.getAppProtocol();
      pi.port = p;
      ports.push_back(std::move(pi));
    }
    if (ports.empty() && spec.getPorts().size() > 0) continue;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const EndpointGroup& g) { return g.ports == ports; });
    if (it == groups.end()) {
      groups.push_back({ports, {}});
      it = std::prev(groups.end());
    }
    it->endpoints.push_back(std::move(e));
  }
  for (auto& g : groups) std::sort(g.endpoints.begin(), g.endpoints.end(), by_address);
  std::sort(groups.begin(), groups.end(), [](const EndpointGroup& a, const EndpointGroup& b) {
    return by_address(a.endpoints.front(), b.endpoints.front());
  });
  return groups;
}

void fill_endpoints(core::v1::Endpoints::Builder ep, const std::vector<EndpointGroup>& groups, bool publish_not_ready) {
  std::vector<std::pair<const EndpointGroup*, std::pair<std::vector<const EndpointInfo*>, std::vector<const EndpointInfo*>>>> subsets;
  for (const auto& g : groups) {
    std::vector<const EndpointInfo*> ready, not_ready;
    for (const auto& e : g.endpoints) {
      if (e.terminating && !publish_not_ready) continue;
      (e.ready ? ready : not_ready).push_back(&e);
    }
    if (ready.empty() && not_ready.empty()) continue;
    subsets.push_back({&g, {std::move(ready), std::move(not_ready)}});
  }
  if (subsets.empty()) {
    ep.disownSubsets();
    return;
  }
  auto out = ep.initSubsets(subsets.size());
  for (unsigned i = 0; i < subsets.size(); ++i) {
    auto& [g, lists] = subsets[i];
    if (!lists.first.empty()) {
      auto a = out[i].initAddresses(lists.first.size());
      for (unsigned k = 0; k < lists.first.size(); ++k) fill_address(a[k], *lists.first[k]);
    }
    if (!lists.second.empty()) {
      auto a = out[i].initNotReadyAddresses(lists.second.size());
      for (unsigned k = 0; k < lists.second.size(); ++k) fill_address(a[k], *lists.second[k]);
    }
    if (!g->ports.empty()) {
      auto ps = out[i].initPorts(g->ports.size());
      for (unsigned k = 0; k < g->ports.size(); ++k) {
        if (!g->ports[k].name.empty()) ps[k].setName(g->ports[k].name);
        ps[k].setPort(g->ports[k].port);
        ps[k].setProtocol(g->ports[k].protocol);
        if (!g->ports[k].app_protocol.empty()) ps[k].setAppProtocol(g->ports[k].app_protocol);
      }
    }
  }
}

std::vector<SliceContent> plan_slices(const std::vector<EndpointGroup>& groups) {
  std::vector<SliceContent> out;
  for (const auto& g : groups)
    for (size_t b = 0; b < g.endpoints.size(); b += kMaxEndpointsPerSlice)
      out.push_back({&g, b, std::min(g.endpoints.size(), b + kMaxEndpointsPerSlice)});
  if (out.empty()) out.push_back({nullptr, 0, 0});
  return out;
}

void fill_slice(discovery::v1::EndpointSlice::Builder slice, const SliceContent& content) {
  slice.setAddressType("IPv4");
  if (!content.group) {
    slice.disownEndpoints();
    slice.disownPorts();
    return;
  }
  const auto& g = *content.group;
  auto eps = slice.initEndpoints(content.end - content.begin);
  for (size_t i = content.begin; i < content.end; ++i) {
    const auto& e = g.endpoints[i];
    auto out = eps[i - content.begin];
    out.initAddresses(1).set(0, e.ip);
    auto c = out.initConditions();
    c.getReady().setValue(e.ready);
    c.getServing().setValue(e.serving);
    c.getTerminating().setValue(e.terminating);
    if (!e.hostname.empty()) out.setHostname(e.hostname);
    if (!e.node_name.empty()) out.setNodeName(e.node_name);
    auto ref = out.initTargetRef();
    ref.setKind("Pod");
    ref.setNamespace(e.pod_namespace);
    ref.setName(e.pod_name);
    ref.setUid(e.pod_uid);
  }
  auto ps = slice.initPorts(g.ports.size());
  for (unsigned k = 0; k < g.ports.size(); ++k) {
    ps[k].setName(g.ports[k].name);
    ps[k].setProtocol(g.ports[k].protocol);
    ps[k].getPort().setValue(g.ports[k].port);
    if (!g.ports[k].app_protocol.empty()) ps[k].setAppProtocol(g.ports[k].app_protocol);
  }
}

}  // namespace capstan::endpoints
