// CSI driver registration, as kubelet's csi plugin registration (nodeinfomanager) does it: the
// driver's NodeGetInfo topology becomes labels on the Node (so PersistentVolume node affinity and
// the scheduler can match it) and an entry in the node's CSINode object.
#include <nlohmann/json.hpp>

#include "capstan/machinery/resources.hpp"
#include "csi_client.hpp"
#include "node_agent.hpp"

namespace capstan::agent {

bool NodeAgent::register_csi() {
  const int starts = csi_->hostpath_starts();
  bool all = true;
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [driver, endpoint] : csi_->drivers()) {
    csi::NodeInfo info;
    std::string error;
    if (!csi_->node_info(driver, info, error)) {
      host_.warn("node-agent: CSI driver " + driver + " at " + endpoint + " is not registered yet: " + error);
      all = false;
      continue;
    }
    for (const auto& [k, v] : info.accessible_topology) labels[k] = v;
  }
  if (!labels.empty()) {
    nlohmann::json patch{{"metadata", {{"labels", labels}}}};
    auto r = client_.patch(machinery::kNodes, "", config_.node_name, "merge", patch.dump());
    if (!r.status.ok()) {
      host_.warn("node-agent: cannot label node " + config_.node_name + " with CSI topology: " + r.status.message);
      return false;
    }
  }
  if (all) csi_registered_starts_ = starts;
  return all;
}

}  // namespace capstan::agent
