#include "service_rules.hpp"

#include "capstan/machinery/message.hpp"
#include "capstan/machinery/validation.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace capstan::network {

using Op = sdk::AdmissionRequest::Operation;
using machinery::quote;

namespace {

const std::vector<std::string> kTypes = {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"};
const std::vector<std::string> kProtocols = {"SCTP", "TCP", "UDP"};
constexpr int kDefaultAffinityTimeout = 10800;  // 3 hours, as kube-apiserver
constexpr int kMaxAffinityTimeout = 86400;

std::string supported(const std::vector<std::string>& values) {
  std::string out = "supported values: ";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + quote(values[i]);
  return out;
}

bool one_of(std::string_view v, const std::vector<std::string>& ok) { return std::find(ok.begin(), ok.end(), v) != ok.end(); }

std::string port_path(unsigned i) { return "spec.ports[" + std::to_string(i) + "]"; }

bool is_headless(Service::Reader svc) { return svc.getSpec().getClusterIP() == "None"; }

using machinery::Mutable;
using machinery::same_value;

void set_cluster_ips(core::v1::ServiceSpec::Builder spec, const std::string& ip) {
  spec.setClusterIP(ip);
  auto ips = spec.initClusterIPs(1);
  ips.set(0, ip);
}

}  // namespace


bool needs_node_ports(std::string_view type) { return type == "NodePort" || type == "LoadBalancer"; }
bool needs_cluster_ip(std::string_view type) { return type != "ExternalName"; }

void default_service(Service::Builder svc) {
  auto spec = svc.getSpec();
  if (spec.getType().size() == 0) spec.setType("ClusterIP");
  if (spec.getSessionAffinity().size() == 0) spec.setSessionAffinity("None");
  if (spec.getSessionAffinity() == "ClientIP") {
    auto cfg = spec.getSessionAffinityConfig().getClientIP();
    if (!cfg.getTimeoutSeconds().isValue()) cfg.getTimeoutSeconds().setValue(kDefaultAffinityTimeout);
  }
  // A client may send only clusterIPs; clusterIP is its first element.
  if (spec.getClusterIP().size() == 0 && spec.getClusterIPs().size() > 0) spec.setClusterIP(spec.getClusterIPs()[0]);
  for (auto p : spec.getPorts()) {
    if (p.getProtocol().size() == 0) p.setProtocol("TCP");
    if (!p.hasTargetPort()) p.initTargetPort().setInt(p.getPort());
    else if (p.getTargetPort().isInt() && p.getTargetPort().getInt() == 0) p.getTargetPort().setInt(p.getPort());
    else if (p.getTargetPort().isStr() && p.getTargetPort().getStr().size() == 0) p.getTargetPort().setInt(p.getPort());
  }
  if (needs_cluster_ip(spec.getType().cStr())) {
    if (spec.getInternalTrafficPolicy().size() == 0) spec.setInternalTrafficPolicy("Cluster");
    if (spec.getIpFamilies().size() == 0) spec.initIpFamilies(1).set(0, "IPv4");
    if (spec.getIpFamilyPolicy().size() == 0) spec.setIpFamilyPolicy("SingleStack");
  }
  if (needs_node_ports(spec.getType().cStr()) && spec.getExternalTrafficPolicy().size() == 0)
    spec.setExternalTrafficPolicy("Cluster");
  if (spec.getType() == "LoadBalancer" && !spec.getAllocateLoadBalancerNodePorts().isValue())
    spec.getAllocateLoadBalancerNodePorts().setValue(true);
}

void validate_service(Service::Reader svc, Causes& causes) {
  std::string name = svc.getMetadata().getName();
  // ValidateServiceName: a DNS-1035 label.
  if (!name.empty())
    for (const auto& problem : machinery::is_dns1035_label(name))
      causes.push_back({"metadata.name", "FieldValueInvalid", "Invalid value: " + quote(name) + ": " + problem});
  auto spec = svc.getSpec();
  std::string type = spec.getType();
  if (!one_of(type, kTypes)) {
    causes.push_back({"spec.type", "FieldValueNotSupported", "Unsupported value: " + quote(type) + ": " + supported(kTypes)});
    return;
  }
  auto ports = spec.getPorts();
  const bool headless = is_headless(svc);
  if (ports.size() == 0 && type != "ExternalName" && !headless)
    causes.push_back({"spec.ports", "FieldValueRequired", "Required value"});
  if (type == "ExternalName") {
    std::string ext = spec.getExternalName();
    if (ext.empty()) causes.push_back({"spec.externalName", "FieldValueRequired", "Required value"});
    if (spec.getClusterIP().size() && spec.getClusterIP() != "None")
      causes.push_back({"spec.clusterIPs", "FieldValueForbidden", "Forbidden: may not be set for ExternalName services"});
  } else {
    std::string ip = spec.getClusterIP();
    if (!ip.empty() && ip != "None" && !machinery::parse_ipv4(ip))
      causes.push_back({"spec.clusterIP", "FieldValueInvalid", "Invalid value: " + quote(ip) + ": must be a valid IP address"});
    if (spec.getClusterIPs().size() > 1)
      causes.push_back({"spec.clusterIPs", "FieldValueInvalid", "Invalid value: only one (IPv4) cluster IP is supported"});
    else if (spec.getClusterIPs().size() == 1 && spec.getClusterIPs()[0] != spec.getClusterIP())
      causes.push_back({"spec.clusterIPs[0]", "FieldValueInvalid",
                        "Invalid value: " + quote(spec.getClusterIPs()[0].cStr()) + ": must be equal to clusterIP"});
    if (headless && needs_node_ports(type))
      causes.push_back({"spec.clusterIPs[0]", "FieldValueInvalid",
                        "Invalid value: \"None\": may not be set to 'None' for LoadBalancer or NodePort services"});
  }
  std::set<std::string> names;
  std::set<std::pair<int, std::string>> port_protocols;
  for (unsigned i = 0; i < ports.size(); ++i) {
    auto p = ports[i];
    const std::string path = port_path(i);
    std::string pname = p.getName();
    if (ports.size() > 1 && pname.empty()) causes.push_back({path + ".name", "FieldValueRequired", "Required value"});
    if (!pname.empty()) {
      const auto problems = machinery::is_dns1123_label(pname);
      for (const auto& problem : problems)
        causes.push_back({path + ".name", "FieldValueInvalid", "Invalid value: " + quote(pname) + ": " + problem});
      if (problems.empty() && !names.insert(pname).second)
        causes.push_back({path + ".name", "FieldValueDuplicate", "Duplicate value: " + quote(pname)});
    }
    const int port = p.getPort();
    if (port < 1 || port > 65535)
      causes.push_back({path + ".port", "FieldValueInvalid",
                        "Invalid value: " + std::to_string(port) + ": must be between 1 and 65535, inclusive"});
    std::string proto = p.getProtocol();
    if (!one_of(proto, kProtocols))
      causes.push_back({path + ".protocol", "FieldValueNotSupported",
                        "Unsupported value: " + quote(proto) + ": " + supported(kProtocols)});
    else if (!port_protocols.insert({port, proto}).second)
      causes.push_back({path, "FieldValueDuplicate",
                        "Duplicate value: core.ServicePort{Name:" + quote(pname) + ", Protocol:" + quote(proto) +
                            ", Port:" + std::to_string(port) + "}"});
    if (p.hasTargetPort()) {
      auto t = p.getTargetPort();
      if (t.isInt() && (t.getInt() < 1 || t.getInt() > 65535))
        causes.push_back({path + ".targetPort", "FieldValueInvalid",
                          "Invalid value: " + std::to_string(t.getInt()) + ": must be between 1 and 65535, inclusive"});
      if (t.isStr())  // ValidatePortNumOrName: an IANA service name
        for (const auto& problem : machinery::is_valid_port_name(t.getStr().cStr()))
          causes.push_back({path + ".targetPort", "FieldValueInvalid",
                            "Invalid value: " + quote(t.getStr().cStr()) + ": " + problem});
    }
    const int node_port = p.getNodePort();
    if (node_port != 0 && !needs_node_ports(type))
      causes.push_back({path + ".nodePort", "FieldValueForbidden",
                        "Forbidden: may not be used when `type` is '" + type + "'"});
    if (node_port < 0 || node_port > 65535)
      causes.push_back({path + ".nodePort", "FieldValueInvalid",
                        "Invalid value: " + std::to_string(node_port) + ": must be between 1 and 65535, inclusive"});
  }
  std::string affinity = spec.getSessionAffinity();
  if (!one_of(affinity, {"ClientIP", "None"}))
    causes.push_back({"spec.sessionAffinity", "FieldValueNotSupported",
                      "Unsupported value: " + quote(affinity) + ": supported values: \"ClientIP\", \"None\""});
  if (affinity == "ClientIP") {
    auto t = spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
    int v = t.isValue() ? t.getValue() : 0;
    if (v <= 0 || v > kMaxAffinityTimeout)
      causes.push_back({"spec.sessionAffinityConfig.clientIP.timeoutSeconds", "FieldValueInvalid",
                        "Invalid value: " + std::to_string(v) + ": must be greater than 0 and less than 86400"});
  } else if (spec.hasSessionAffinityConfig() && spec.getSessionAffinityConfig().hasClientIP()) {
    causes.push_back({"spec.sessionAffinityConfig", "FieldValueInvalid",
                      "Invalid value: must not be set when session affinity is None"});
  }
  for (auto key : {"externalTrafficPolicy", "internalTrafficPolicy"}) {
    std::string v = std::string(key) == "externalTrafficPolicy" ? spec.getExternalTrafficPolicy().cStr()
                                                                : spec.getInternalTrafficPolicy().cStr();
    if (!v.empty() && !one_of(v, {"Cluster", "Local"}))
      causes.push_back({std::string("spec.") + key, "FieldValueNotSupported",
                        "Unsupported value: " + quote(v) + ": supported values: \"Cluster\", \"Local\""});
  }
  if (spec.getExternalTrafficPolicy().size() && !needs_node_ports(type) && spec.getExternalIPs().size() == 0)
    causes.push_back({"spec.externalTrafficPolicy", "FieldValueInvalid",
                      "Invalid value: " + quote(spec.getExternalTrafficPolicy().cStr()) +
                          ": may only be set for externally-accessible services"});
  auto external = spec.getExternalIPs();
  for (unsigned i = 0; i < external.size(); ++i)
    if (!machinery::parse_ipv4(external[i].cStr()))
      causes.push_back({"spec.externalIPs[" + std::to_string(i) + "]", "FieldValueInvalid",
                        "Invalid value: " + quote(external[i].cStr()) + ": must be a valid IP address"});
}

void keep_allocated_values(Service::Builder svc, Service::Reader old) {
  auto spec = svc.getSpec();
  auto was = old.getSpec();
  const std::string type = spec.getType().cStr();
  const std::string old_type = was.getType();
  if (needs_cluster_ip(type) && needs_cluster_ip(old_type) && spec.getClusterIP().size() == 0 &&
      was.getClusterIP().size() > 0) {
    spec.setClusterIP(was.getClusterIP());
    spec.setClusterIPs(was.getClusterIPs());
  }
  // ExternalName keeps no address (dropTypeDependentFields).
  if (!needs_cluster_ip(type) && needs_cluster_ip(old_type)) {
    if (spec.getClusterIP() == was.getClusterIP()) {
      spec.disownClusterIP();
      spec.disownClusterIPs();
    }
  }
  auto ports = spec.getPorts();
  auto old_ports = was.getPorts();
  if (needs_node_ports(type) && needs_node_ports(old_type)) {
    for (auto p : ports) {
      if (p.getNodePort() != 0) continue;
      // The same service port (number and protocol) keeps its node port; with one port each
      // side, a renumbered port keeps it too (as kubectl edit users expect).
      for (auto o : old_ports)
        if (o.getPort() == p.getPort() && o.getProtocol() == p.getProtocol() && o.getNodePort() != 0) p.setNodePort(o.getNodePort());
      if (p.getNodePort() == 0 && ports.size() == 1 && old_ports.size() == 1) p.setNodePort(old_ports[0].getNodePort());
    }
    if (spec.getHealthCheckNodePort() == 0) spec.setHealthCheckNodePort(was.getHealthCheckNodePort());
  }
  if (!needs_node_ports(type) && needs_node_ports(old_type)) {
    // Node ports the old type had and the client sent back unchanged go away with the type.
    for (auto p : ports)
      for (auto o : old_ports)
        if (p.getNodePort() != 0 && p.getNodePort() == o.getNodePort()) p.setNodePort(0);
    spec.setHealthCheckNodePort(0);
  }
}

void validate_service_update(Service::Reader svc, Service::Reader old, Causes& causes) {
  auto spec = svc.getSpec();
  auto was = old.getSpec();
  if (!needs_cluster_ip(spec.getType().cStr()) || !needs_cluster_ip(was.getType().cStr())) return;
  std::string now = spec.getClusterIP(), before = was.getClusterIP();
  if (!before.empty() && now != before)
    causes.push_back({"spec.clusterIP", "FieldValueInvalid", "Invalid value: " + quote(now) + ": field is immutable"});
}

void allocate_service(Service::Builder svc, const std::string& owner, ServiceAllocator& alloc, bool dry_run,
                      Causes& causes) {
  auto spec = svc.getSpec();
  const std::string type = spec.getType().cStr();
  const auto& cfg = alloc.config();
  bool reserved = false;
  if (needs_cluster_ip(type) && spec.getClusterIP() != "None") {
    std::string ip = spec.getClusterIP().cStr();
    if (ip.empty()) {
      if (dry_run) {
        // kube-apiserver answers a dry run with an address it does not keep; so do we.
        auto got = alloc.allocate_ip(owner);
        if (got) set_cluster_ips(spec, machinery::format_ipv4(*got));
        alloc.release_pending(owner);
        if (!got) causes.push_back({"spec.clusterIPs", "FieldValueInvalid", "Invalid value: failed to allocate a serviceIP: range is full"});
      } else if (auto got = alloc.allocate_ip(owner)) {
        set_cluster_ips(spec, machinery::format_ipv4(*got));
        reserved = true;
      } else {
        causes.push_back({"spec.clusterIPs", "FieldValueInvalid", "Invalid value: failed to allocate a serviceIP: range is full"});
      }
    } else if (auto parsed = machinery::parse_ipv4(ip)) {
      auto r = dry_run ? alloc.check_ip(owner, *parsed) : alloc.reserve_ip(owner, *parsed);
      if (r == ServiceAllocator::Result::kOutOfRange)
        causes.push_back({"spec.clusterIP", "FieldValueInvalid",
                          "Invalid value: " + quote(ip) + ": failed to allocate IP " + ip + ": the provided IP (" + ip +
                              ") is not in the valid range. The range of valid IPs is " + cfg.service_cidr.str()});
      else if (r == ServiceAllocator::Result::kTaken)
        causes.push_back({"spec.clusterIP", "FieldValueInvalid",
                          "Invalid value: " + quote(ip) + ": failed to allocate IP " + ip + ": provided IP is already allocated"});
      else {
        reserved = !dry_run;
        set_cluster_ips(spec, ip);
      }
    }
  } else if (spec.getClusterIP() == "None") {
    set_cluster_ips(spec, "None");
  }
  const bool lb_without_ports =
      type == "LoadBalancer" && spec.getAllocateLoadBalancerNodePorts().isValue() && !spec.getAllocateLoadBalancerNodePorts().getValue();
  if (needs_node_ports(type)) {
    auto ports = spec.getPorts();
    // Explicit ports first, so an automatic pick never takes one asked for in the same request.
    std::map<int, unsigned> explicit_ports;  // port -> first index using it
    for (unsigned i = 0; i < ports.size(); ++i) {
      const int np = ports[i].getNodePort();
      if (np == 0) continue;
      const std::string path = port_path(i) + ".nodePort";
      if (explicit_ports.count(np)) {
        // TCP and UDP of one service may share a node port; two TCP ports may not.
        if (ports[explicit_ports[np]].getProtocol() == ports[i].getProtocol())
          causes.push_back({path, "FieldValueDuplicate", "Duplicate value: " + std::to_string(np)});
        continue;
      }
      explicit_ports[np] = i;
      auto r = dry_run ? alloc.check_port(owner, np) : alloc.reserve_port(owner, np);
      if (r == ServiceAllocator::Result::kOutOfRange)
        causes.push_back({path, "FieldValueInvalid",
                          "Invalid value: " + std::to_string(np) +
                              ": provided port is not in the valid range. The range of valid ports is " +
                              std::to_string(cfg.node_port_min) + "-" + std::to_string(cfg.node_port_max)});
      else if (r == ServiceAllocator::Result::kTaken)
        causes.push_back({path, "FieldValueInvalid", "Invalid value: " + std::to_string(np) + ": provided port is already allocated"});
      else reserved = reserved || !dry_run;
    }
    if (!lb_without_ports) {
      std::map<std::string, int> by_name;  // a port name shared by TCP and UDP gets one node port
      for (unsigned i = 0; i < ports.size(); ++i) {
        if (ports[i].getNodePort() != 0) continue;
        std::string pname = ports[i].getName().cStr();
        if (!pname.empty() && by_name.count(pname)) {
          ports[i].setNodePort(by_name[pname]);
          continue;
        }
        auto got = alloc.allocate_port(owner);
        if (!got) {
          causes.push_back({port_path(i) + ".nodePort", "FieldValueInvalid", "Invalid value: 0: range is full"});
          break;
        }
        reserved = true;
        ports[i].setNodePort(*got);
        if (!pname.empty()) by_name[pname] = *got;
      }
      if (dry_run) alloc.release_pending(owner);
    }
  }
  if (!causes.empty() && reserved) alloc.release_pending(owner);
}

Holdings holdings_of(Service::Reader svc, const machinery::Ipv4Cidr& service_cidr) {
  Holdings h;
  auto spec = svc.getSpec();
  if (needs_cluster_ip(spec.getType().cStr()))
    if (auto ip = machinery::parse_ipv4(spec.getClusterIP().cStr()); ip && service_cidr.contains(*ip)) h.ips.push_back(*ip);
  for (auto p : spec.getPorts())
    if (p.getNodePort() != 0) h.node_ports.push_back(p.getNodePort());
  if (spec.getHealthCheckNodePort() != 0) h.node_ports.push_back(spec.getHealthCheckNodePort());
  return h;
}

sdk::AdmissionResult admit_service(const sdk::AdmissionRequest& req, ServiceAllocator& alloc) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();
  Mutable<Service> m(req.object->as<Service>());
  const bool update = req.operation == Op::kUpdate && req.old_object;
  if (update) keep_allocated_values(m.root, req.old_object->as<Service>());
  default_service(m.root);
  Causes causes;
  validate_service(m.root.asReader(), causes);
  if (update) validate_service_update(m.root.asReader(), req.old_object->as<Service>(), causes);
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  const std::string owner = req.object->ns() + "/" + req.object->name();
  allocate_service(m.root, owner, alloc, req.dry_run, causes);
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult r;
  r.mutated = m.bytes();
  return r;
}

sdk::AdmissionResult admit_endpoints(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  Mutable<core::v1::Endpoints> m(req.object->as<core::v1::Endpoints>());
  Causes causes;
  auto subsets = m.root.getSubsets();
  for (unsigned s = 0; s < subsets.size(); ++s) {
    auto ports = subsets[s].getPorts();
    for (unsigned i = 0; i < ports.size(); ++i) {
      if (ports[i].getProtocol().size() == 0) ports[i].setProtocol("TCP");
      const int port = ports[i].getPort();
      if (port < 1 || port > 65535)
        causes.push_back({"subsets[" + std::to_string(s) + "].ports[" + std::to_string(i) + "].port", "FieldValueInvalid",
                          "Invalid value: " + std::to_string(port) + ": must be between 1 and 65535, inclusive"});
    }
    auto check = [&](capnp::List<core::v1::EndpointAddress>::Reader list, const char* field) {
      for (unsigned i = 0; i < list.size(); ++i)
        if (!machinery::parse_ipv4(list[i].getIp().cStr()))
          causes.push_back({"subsets[" + std::to_string(s) + "]." + field + "[" + std::to_string(i) + "].ip",
                            "FieldValueInvalid", "Invalid value: " + quote(list[i].getIp().cStr()) + ": must be a valid IP address"});
    };
    check(subsets[s].getAddresses().asReader(), "addresses");
    check(subsets[s].getNotReadyAddresses().asReader(), "notReadyAddresses");
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult r;
  r.mutated = m.bytes();
  return r;
}

sdk::AdmissionResult admit_endpoint_slice(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  Mutable<discovery::v1::EndpointSlice> m(req.object->as<discovery::v1::EndpointSlice>());
  Causes causes;
  std::string type = m.root.getAddressType().cStr();
  if (!one_of(type, {"IPv4", "IPv6", "FQDN"}))
    causes.push_back({"addressType", "FieldValueNotSupported",
                      "Unsupported value: " + quote(type) + ": supported values: \"FQDN\", \"IPv4\", \"IPv6\""});
  if (req.operation == Op::kUpdate && req.old_object &&
      req.old_object->as<discovery::v1::EndpointSlice>().getAddressType() != m.root.getAddressType())
    causes.push_back({"addressType", "FieldValueInvalid", "Invalid value: " + quote(type) + ": field is immutable"});
  auto eps = m.root.getEndpoints();
  if (eps.size() > 1000) causes.push_back({"endpoints", "FieldValueTooMany", "Too many: must have at most 1000 items"});
  for (unsigned i = 0; i < eps.size(); ++i) {
    auto a = eps[i].getAddresses();
    if (a.size() < 1 || a.size() > 100)
      causes.push_back({"endpoints[" + std::to_string(i) + "].addresses", "FieldValueInvalid",
                        "Invalid value: must have between 1 and 100 addresses"});
    if (type == "IPv4")
      for (unsigned k = 0; k < a.size(); ++k)
        if (!machinery::parse_ipv4(a[k].cStr()))
          causes.push_back({"endpoints[" + std::to_string(i) + "].addresses[" + std::to_string(k) + "]", "FieldValueInvalid",
                            "Invalid value: " + quote(a[k].cStr()) + ": must be a valid IPv4 address"});
  }
  for (auto p : m.root.getPorts())
    if (p.getProtocol().size() == 0) p.setProtocol("TCP");
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult r;
  r.mutated = m.bytes();
  return r;
}

}  // namespace capstan::network
