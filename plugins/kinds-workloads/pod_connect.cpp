// Where pods/log, pods/exec and pods/attach are served: by the node agent of the pod's node, at
// the node's InternalIP and the agent's port (Node.status.daemonEndpoints.kubeletEndpoint), on the
// kubelet's paths (/containerLogs/NS/POD/CONTAINER, /exec/..., /attach/...). The kernel proxies.
#include "pod_connect.hpp"

#include "capstan/core_v1.capnp.h"
#include "capstan/host.capnp.h"
#include "capstan/machinery/message.hpp"
#include "capstan/machinery/resources.hpp"

namespace capstan::workloads {

namespace {

using machinery::kNodes;

std::string answer(int code, const std::string& reason, const std::string& message, const std::string& url = "") {
  capnp::MallocMessageBuilder m;
  auto r = m.initRoot<capstan::host::ConnectResponse>();
  auto st = r.initStatus();
  st.setCode(code);
  st.setReason(reason);
  st.setMessage(message);
  r.setUrl(url);
  return machinery::serialize(m);
}

// Splits a raw query string, keeping everything but `container`, which it returns.
std::string take_container(const std::string& query, std::string& rest) {
  std::string container;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    std::string item = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (item.rfind("container=", 0) == 0) container = item.substr(10);
    else if (!item.empty()) rest += (rest.empty() ? "" : "&") + item;
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return container;
}

}  // namespace

std::string resolve_pod_connect(const sdk::Client& client, const std::string& request) {
  machinery::MessageReader reader{std::string_view(request)};
  auto req = reader.root<capstan::host::ConnectRequest>();
  const std::string sub = req.getSubresource().cStr();
  if (sub != "log" && sub != "exec" && sub != "attach")
    return answer(404, "NotFound", "pods have no " + sub + " subresource");
  auto object = sdk::Object::from_bytes(req.getObject().begin(), req.getObject().size());
  auto pod = object->as<core::v1::Pod>();
  const std::string name = pod.getMetadata().getName().cStr();
  const std::string ns = pod.getMetadata().getNamespace().cStr();
  std::string rest;
  std::string container = take_container(req.getQuery().cStr(), rest);
  auto spec = pod.getSpec();
  std::vector<std::string> names;
  for (auto c : spec.getContainers()) names.emplace_back(c.getName().cStr());
  bool valid = false;
  for (auto c : spec.getInitContainers()) valid |= container == c.getName().cStr();
  for (const auto& n : names) valid |= container == n;
  if (container.empty()) {
    if (names.size() != 1) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : " ") + n;
      return answer(400, "BadRequest", "a container name must be specified for pod " + name + ", choose one of: [" + list + "]");
    }
    container = names[0];
  } else if (!valid) {
    return answer(400, "BadRequest", "container " + container + " is not valid for pod " + name);
  }
  const std::string node_name = spec.getNodeName().cStr();
  if (node_name.empty()) return answer(400, "BadRequest", "pod " + name + " does not have a host assigned");
  auto node = client.get(kNodes, "", node_name);
  if (!node.status.ok())
    return answer(503, "ServiceUnavailable", "cannot reach the node " + node_name + " of pod " + name + ": " + node.status.message);
  auto status = node.object->as<core::v1::Node>().getStatus();
  std::string ip;
  for (auto a : status.getAddresses())
    if (std::string(a.getType().cStr()) == "InternalIP" && ip.empty()) ip = a.getAddress().cStr();
  int port = status.getDaemonEndpoints().getKubeletEndpoint().getPort();
  if (ip.empty() || port <= 0)
    return answer(503, "ServiceUnavailable", "node " + node_name + " does not publish its agent's address yet");
  const std::string path = sub == "log" ? "/containerLogs/" : sub == "exec" ? "/exec/" : "/attach/";
  std::string host = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
  std::string url = "http://" + host + ":" + std::to_string(port) + path + ns + "/" + name + "/" + container;
  if (!rest.empty()) url += "?" + rest;
  return answer(200, "", "", url);
}

}  // namespace capstan::workloads
