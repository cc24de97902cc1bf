#include "printers.hpp"

#include <map>

#include "capstan/core_v1_services.capnp.h"
#include "capstan/discovery_v1.capnp.h"

namespace capstan::network {

namespace {

// kubectl shows at most three entries, then " + N more...".
std::string first_three(const std::vector<std::string>& items) {
  if (items.empty()) return "<none>";
  std::string out;
  for (size_t i = 0; i < items.size() && i < 3; ++i) out += (i ? "," : "") + items[i];
  if (items.size() > 3) out += " + " + std::to_string(items.size() - 3) + " more...";
  return out;
}

}  // namespace

std::vector<std::string> print_service(const sdk::ObjectPtr& obj) {
  auto svc = obj->as<core::v1::Service>();
  auto spec = svc.getSpec();
  const std::string type = spec.getType();
  std::vector<std::string> external;
  for (auto ip : spec.getExternalIPs()) external.push_back(ip);
  std::string external_ip;
  if (type == "ExternalName") {
    external_ip = spec.getExternalName().cStr();
  } else if (type == "LoadBalancer") {
    std::vector<std::string> lb;
    for (auto in : svc.getStatus().getLoadBalancer().getIngress())
      lb.push_back(in.getIp().size() ? in.getIp().cStr() : in.getHostname().cStr());
    lb.insert(lb.end(), external.begin(), external.end());
    external_ip = lb.empty() ? "<pending>" : [&] {
      std::string s;
      for (size_t i = 0; i < lb.size(); ++i) s += (i ? "," : "") + lb[i];
      return s;
    }();
  } else {
    external_ip = external.empty() ? "<none>" : [&] {
      std::string s;
      for (size_t i = 0; i < external.size(); ++i) s += (i ? "," : "") + external[i];
      return s;
    }();
  }
  std::string ports;
  for (auto p : spec.getPorts()) {
    if (!ports.empty()) ports += ",";
    ports += std::to_string(p.getPort());
    if (p.getNodePort() != 0) ports += ":" + std::to_string(p.getNodePort());
    ports += "/" + std::string(p.getProtocol().cStr());
  }
  if (ports.empty()) ports = "<none>";
  std::map<std::string, std::string> sel;
  for (auto e : spec.getSelector()) sel[e.getKey()] = e.getValue();
  std::string selector;
  for (auto& [k, v] : sel) selector += (selector.empty() ? "" : ",") + k + "=" + v;
  if (selector.empty()) selector = "<none>";
  return {external_ip, ports, selector};
}

std::vector<std::string> print_endpoints(const sdk::ObjectPtr& obj) {
  auto ep = obj->as<core::v1::Endpoints>();
  std::vector<std::string> items;
  for (auto s : ep.getSubsets()) {
    for (auto a : s.getAddresses()) {
      if (s.getPorts().size() == 0) items.push_back(a.getIp());
      for (auto p : s.getPorts()) items.push_back(std::string(a.getIp().cStr()) + ":" + std::to_string(p.getPort()));
    }
  }
  return {first_three(items)};
}

std::vector<std::string> print_endpoint_slice(const sdk::ObjectPtr& obj) {
  auto slice = obj->as<discovery::v1::EndpointSlice>();
  std::string ports;
  for (auto p : slice.getPorts()) {
    if (!ports.empty()) ports += ",";
    ports += p.getPort().isValue() ? std::to_string(p.getPort().getValue()) : "<unset>";
  }
  if (ports.empty()) ports = "<unset>";
  std::vector<std::string> addrs;
  for (auto e : slice.getEndpoints())
    for (auto a : e.getAddresses()) addrs.push_back(a);
  return {ports, first_three(addrs)};
}

}  // namespace capstan::network
