#include "printers.hpp"

#include "capstan/apps_v1.capnp.h"
#include "capstan/core_v1.capnp.h"
#include "capstan/selectors.hpp"

#include <cctype>
#include <map>

namespace capstan::workloads {


std::vector<std::string> print_pod(const sdk::ObjectPtr& obj) {
  auto pod = obj->as<core::v1::Pod>();
  auto status = pod.getStatus();
  std::string reason = status.hasReason() && status.getReason().size() ? status.getReason().cStr() : status.getPhase().cStr();
  int restarts = 0;
  bool initializing = false;
  const unsigned init_total = pod.getSpec().getInitContainers().size();
  unsigned i = 0;
  for (auto cs : status.getInitContainerStatuses()) {
    restarts += cs.getRestartCount();
    auto st = cs.getState();
    if (st.hasTerminated() && st.getTerminated().getExitCode() == 0) { ++i; continue; }
    initializing = true;
    if (st.hasTerminated()) {
      auto t = st.getTerminated();
      reason = t.getReason().size() ? "Init:" + std::string(t.getReason().cStr())
                                    : "Init:ExitCode:" + std::to_string(t.getExitCode());
    } else if (st.hasWaiting() && st.getWaiting().getReason().size() && st.getWaiting().getReason() != "PodInitializing") {
      reason = "Init:" + std::string(st.getWaiting().getReason().cStr());
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(init_total);
    }
    break;
  }
  int ready = 0;
  const unsigned total = pod.getSpec().getContainers().size();
  bool running = false;
  auto statuses = status.getContainerStatuses();
  for (unsigned k = statuses.size(); k-- > 0;) {
    auto cs = statuses[k];
    restarts += cs.getRestartCount();
    auto st = cs.getState();
    if (!initializing) {
      if (st.hasWaiting() && st.getWaiting().getReason().size()) reason = st.getWaiting().getReason().cStr();
      else if (st.hasTerminated()) {
        auto t = st.getTerminated();
        reason = t.getReason().size() ? std::string(t.getReason().cStr()) : "ExitCode:" + std::to_string(t.getExitCode());
      } else if (st.hasRunning() && cs.getReady()) {
        running = true;
      }
    }
    if (cs.getReady()) ++ready;
  }
  if (!initializing && reason == "Completed" && running) reason = "Running";
  if (pod.getMetadata().hasDeletionTimestamp()) reason = "Terminating";
  return {std::to_string(ready) + "/" + std::to_string(total), reason, std::to_string(restarts)};
}

std::vector<std::string> print_node(const sdk::ObjectPtr& obj) {
  auto node = obj->as<core::v1::Node>();
  std::string status = "Unknown";
  for (auto c : node.getStatus().getConditions()) {
    if (c.getType() != "Ready") continue;
    status = c.getStatus() == "True" ? "Ready" : c.getStatus() == "False" ? "NotReady" : "Unknown";
  }
  if (status == "Unknown") status = "NotReady";
  if (node.getSpec().getUnschedulable()) status += ",SchedulingDisabled";
  std::string roles;
  const std::string prefix = "node-role.kubernetes.io/";
  for (auto l : node.getMetadata().getLabels()) {
    std::string key = l.getKey().cStr();
    if (key.rfind(prefix, 0) == 0) roles += (roles.empty() ? "" : ",") + key.substr(prefix.size());
  }
  return {status, roles.empty() ? "<none>" : roles};
}

std::vector<std::string> print_replica_set(const sdk::ObjectPtr& obj) {
  return {sdk::selector_string(obj->as<apps::v1::ReplicaSet>().getSpec().getSelector())};
}

std::vector<std::string> print_deployment(const sdk::ObjectPtr& obj) {
  auto d = obj->as<apps::v1::Deployment>();
  auto replicas = d.getSpec().getReplicas();
  int desired = replicas.isValue() ? replicas.getValue() : 1;
  return {std::to_string(d.getStatus().getReadyReplicas()) + "/" + std::to_string(desired),
          sdk::selector_string(d.getSpec().getSelector())};
}

std::vector<std::string> print_stateful_set(const sdk::ObjectPtr& obj) {
  auto sts = obj->as<apps::v1::StatefulSet>();
  auto replicas = sts.getSpec().getReplicas();
  return {std::to_string(sts.getStatus().getReadyReplicas()) + "/" + std::to_string(replicas.isValue() ? replicas.getValue() : 0)};
}

std::vector<std::string> print_daemon_set(const sdk::ObjectPtr& obj) {
  auto ds = obj->as<apps::v1::DaemonSet>();
  auto st = ds.getStatus();
  auto n = [](auto group) { return std::to_string(group.isValue() ? group.getValue() : 0); };
  // labels.FormatLabels of the template's nodeSelector: sorted k=v pairs, "<none>" when empty.
  std::map<std::string, std::string> sel;
  for (auto e : ds.getSpec().getTemplate().getSpec().getNodeSelector()) sel.emplace(e.getKey(), e.getValue());
  std::string node_selector;
  for (const auto& [k, v] : sel) node_selector += (node_selector.empty() ? "" : ",") + k + "=" + v;
  if (node_selector.empty()) node_selector = "<none>";
  return {n(st.getDesiredNumberScheduled()), n(st.getCurrentNumberScheduled()), n(st.getNumberReady()),
          std::to_string(st.getUpdatedNumberScheduled()), std::to_string(st.getNumberAvailable()), node_selector,
          sdk::selector_string(ds.getSpec().getSelector())};
}
std::vector<std::string> print_controller_revision(const sdk::ObjectPtr& obj) {
  auto cr = obj->as<apps::v1::ControllerRevision>();
  // The controlling owner as <kind lowercased>.<group>/<name> ("<none>" without one).
  std::string controller = "<none>";
  for (auto o : cr.getMetadata().getOwnerReferences()) {
    if (!o.getController().isValue() || !o.getController().getValue()) continue;
    std::string api = o.getApiVersion(), kind = o.getKind();
    std::string group = api.find('/') == std::string::npos ? "" : api.substr(0, api.find('/'));
    for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    controller = kind + (group.empty() ? "" : "." + group) + "/" + o.getName().cStr();
  }
  return {controller, std::to_string(cr.getRevision().isValue() ? cr.getRevision().getValue() : 0)};
}
}  // namespace capstan::workloads
