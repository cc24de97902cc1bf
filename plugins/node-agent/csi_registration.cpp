// CSI driver registration, as kubelet's csi plugin registration (nodeinfomanager) does it: the
// driver's NodeGetInfo topology becomes labels on the Node (so PersistentVolume node affinity and
// the scheduler can match it) and an entry in the node's CSINode object.
#include <nlohmann/json.hpp>

#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/quantity.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/storage_v1.capnp.h"
#include "csi_client.hpp"
#include "node_agent.hpp"
#include "storage_logic.hpp"

namespace capstan::agent {

namespace {
std::string text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }
}  // namespace

// The claim's bound PersistentVolume, as kubelet's desired-state populator finds it.
std::optional<ClaimVolume> AgentObjects::claim_volume(const std::string& ns, const std::string& claim) const {
  ClaimVolume out;
  auto r = client_.get(machinery::kPersistentVolumeClaims, ns, claim);
  if (r.status.not_found()) {
    out.pending = true;
    out.error = "error processing PVC " + ns + "/" + claim + ": persistentvolumeclaim \"" + claim + "\" not found";
    return out;
  }
  if (!r.status.ok()) throw std::runtime_error("cannot read persistentvolumeclaim \"" + claim + "\": " + r.status.message);
  auto pvc = r.object->as<core::PersistentVolumeClaim>();
  const std::string phase = text(pvc.getStatus().getPhase()), volume = text(pvc.getSpec().getVolumeName());
  if (volume.empty() || phase != "Bound") {
    out.pending = true;
    out.error = "error processing PVC " + ns + "/" + claim + ": PVC " + ns + "/" + claim + " has non-bound phase (\"" +
                phase + "\") or empty pvc.Spec.VolumeName (\"" + volume + "\")";
    return out;
  }
  auto p = client_.get(machinery::kPersistentVolumes, "", volume);
  if (p.status.not_found()) {
    out.pending = true;
    out.error = "error processing PVC " + ns + "/" + claim + ": persistentvolume \"" + volume + "\" not found";
    return out;
  }
  if (!p.status.ok()) throw std::runtime_error("cannot read persistentvolume \"" + volume + "\": " + p.status.message);
  auto pv = p.object->as<core::PersistentVolume>();
  out.pv_name = volume;
  if (!pv.getSpec().hasCsi()) {
    out.error = "MountVolume.SetUp failed for volume \"" + volume +
                "\" : only CSI persistent volumes are supported by this node agent";
    return out;
  }
  auto csi = pv.getSpec().getCsi();
  out.driver = text(csi.getDriver());
  out.volume_handle = text(csi.getVolumeHandle());
  out.fs_type = text(csi.getFsType());
  out.readonly = csi.getReadOnly();
  for (auto a : csi.getVolumeAttributes()) out.volume_attributes[text(a.getKey())] = text(a.getValue());
  for (auto m : pv.getSpec().getMountOptions()) out.mount_options.push_back(text(m));
  if (pv.getSpec().getAccessModes().size()) out.access_mode = text(pv.getSpec().getAccessModes()[0]);
  // A node expansion to finish (kubelet's volume manager checks the same on mounted volumes): the
  // resizer says NodeResizePending (or an older one set only the FileSystemResizePending
  // condition) and the PV is larger than the claim's capacity.
  auto storage = [](capnp::List<k8s::QuantityEntry>::Reader list) -> std::pair<std::string, int64_t> {
    for (auto q : list)
      if (q.getKey() == "storage") return {text(q.getValue()), machinery::value_of(text(q.getValue())).value_or(0)};
    return {"", 0};
  };
  const auto pv_size = storage(pv.getSpec().getCapacity());
  const auto claim_size = storage(pvc.getStatus().getCapacity());
  bool pending = false;
  for (auto e : pvc.getStatus().getAllocatedResourceStatuses())
    if (e.getKey() == "storage" && (e.getValue() == "NodeResizePending" || e.getValue() == "NodeResizeInProgress")) pending = true;
  for (auto c : pvc.getStatus().getConditions())
    if (c.getType() == "FileSystemResizePending" && c.getStatus() == "True") pending = true;
  if (pending && pv_size.second > claim_size.second) {
    out.node_expand = true;
    out.pv_capacity = pv_size.first;
    out.pv_capacity_bytes = pv_size.second;
  }
  return out;
}

void NodeAgent::finish_expansions(const sdk::ObjectPtr& pod, const std::vector<ClaimExpansion>& expansions) {
  const std::string ns = pod->ns();
  for (const auto& e : expansions) {
    if (!e.error.empty()) {
      events_.emit(pod, "Pod", "Warning", "FileSystemResizeFailed",
                   "MountVolume.NodeExpandVolume failed for volume \"" + e.pv_name + "\" : " + e.error);
      continue;
    }
    auto r = client_.get(machinery::kPersistentVolumeClaims, ns, e.claim);
    if (!r.status.ok()) {
      host_.warn("node-agent: cannot read persistentvolumeclaim " + ns + "/" + e.claim + " after expanding it: " + r.status.message);
      continue;
    }
    std::vector<storage::ClaimCondition> have;
    for (auto c : r.object->as<core::PersistentVolumeClaim>().getStatus().getConditions())
      have.push_back({text(c.getType()), text(c.getStatus()), text(c.getLastProbeTime()), text(c.getLastTransitionTime()),
                      text(c.getReason()), text(c.getMessage())});
    nlohmann::json conditions = nlohmann::json::array();
    for (const auto& c : storage::merge_resize_conditions(have, {})) {
      nlohmann::json j{{"type", c.type}, {"status", c.status}};
      if (!c.last_probe_time.empty()) j["lastProbeTime"] = c.last_probe_time;
      if (!c.last_transition_time.empty()) j["lastTransitionTime"] = c.last_transition_time;
      if (!c.reason.empty()) j["reason"] = c.reason;
      if (!c.message.empty()) j["message"] = c.message;
      conditions.push_back(std::move(j));
    }
    nlohmann::json st{{"status",
                       {{"capacity", {{"storage", e.capacity}}},
                        {"conditions", conditions},
                        {"allocatedResourceStatuses", {{"storage", nullptr}}}}}};
    auto p = client_.patch(machinery::kPersistentVolumeClaims, ns, e.claim, "merge", st.dump(), "status");
    if (!p.status.ok()) {
      host_.warn("node-agent: cannot finish the expansion of persistentvolumeclaim " + ns + "/" + e.claim + ": " +
                 p.status.message);
      continue;
    }
    const std::string message = "MountVolume.NodeExpandVolume succeeded for volume \"" + e.pv_name + "\" " + config_.node_name;
    events_.emit(pod, "Pod", "Normal", "FileSystemResizeSuccessful", message);
    events_.emit(p.object, "PersistentVolumeClaim", "Normal", "FileSystemResizeSuccessful", message);
  }
}

bool NodeAgent::register_csi() {
  const int starts = csi_->hostpath_starts();
  bool all = true;
  nlohmann::json labels = nlohmann::json::object();
  nlohmann::json drivers = nlohmann::json::array();
  nlohmann::json annotations = nlohmann::json::object();
  for (const auto& [driver, endpoint] : csi_->drivers()) {
    csi::NodeInfo info;
    std::string error;
    if (!csi_->node_info(driver, info, error)) {
      host_.warn("node-agent: CSI driver " + driver + " at " + endpoint + " is not registered yet: " + error);
      all = false;
      continue;
    }
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& [k, v] : info.accessible_topology) {
      labels[k] = v;
      keys.push_back(k);
    }
    nlohmann::json d{{"name", driver}, {"nodeID", info.node_id}, {"topologyKeys", keys}};
    if (info.max_volumes_per_node > 0) d["allocatable"] = {{"count", info.max_volumes_per_node}};
    drivers.push_back(d);
    // Capstan's own: where the provisioner reaches a node-local driver (storage-csi plugin).
    annotations["csi.capstan.io/endpoint-" + driver] = endpoint;
  }
  if (!labels.empty()) {
    nlohmann::json patch{{"metadata", {{"labels", labels}}}};
    auto r = client_.patch(machinery::kNodes, "", config_.node_name, "merge", patch.dump());
    if (!r.status.ok()) {
      host_.warn("node-agent: cannot label node " + config_.node_name + " with CSI topology: " + r.status.message);
      return false;
    }
  }
  if (!drivers.empty()) {
    // The node's CSINode, as kubelet's nodeinfomanager keeps it: one entry per registered driver.
    const std::string& node = config_.node_name;
    nlohmann::json body{{"metadata", {{"annotations", annotations}}}, {"spec", {{"drivers", drivers}}}};
    auto got = client_.get(machinery::kCSINodes, "", node);
    if (got.status.not_found()) {
      capnp::MallocMessageBuilder m;
      auto cn = m.initRoot<storage::v1::CSINode>();
      cn.setApiVersion("storage.k8s.io/v1");
      cn.setKind("CSINode");
      auto md = cn.initMetadata();
      md.setName(node);
      auto nodeobj = client_.get(machinery::kNodes, "", node);
      if (nodeobj.status.ok()) {
        auto ref = md.initOwnerReferences(1)[0];
        ref.setApiVersion("v1");
        ref.setKind("Node");
        ref.setName(node);
        ref.setUid(nodeobj.object->uid());
      }
      cn.initSpec().initDrivers(0);
      auto c = client_.create(machinery::kCSINodes, "", m);
      if (!c.status.ok() && !c.status.already_exists()) {
        host_.warn("node-agent: cannot create CSINode " + node + ": " + c.status.message);
        return false;
      }
    } else if (!got.status.ok()) {
      host_.warn("node-agent: cannot read CSINode " + node + ": " + got.status.message);
      return false;
    }
    auto r = client_.patch(machinery::kCSINodes, "", node, "merge", body.dump());
    if (!r.status.ok()) {
      host_.warn("node-agent: cannot register CSI drivers on CSINode " + node + ": " + r.status.message);
      return false;
    }
  }
  if (all) csi_registered_starts_ = starts;
  return all;
}

}  // namespace capstan::agent
