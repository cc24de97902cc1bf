#include "storage_logic.hpp"

#include <algorithm>

namespace capstan::storage {

std::optional<size_t> find_best_pv(const ClaimView& claim, const std::vector<PvView>& pvs,
                                   const std::function<bool(const PvView&)>& extra) {
  std::optional<size_t> best;
  for (size_t i = 0; i < pvs.size(); ++i) {
    const auto& pv = pvs[i];
    const bool prebound = !pv.claim_name.empty() && pv.claim_ns == claim.ns && pv.claim_name == claim.name &&
                          (pv.claim_uid.empty() || pv.claim_uid == claim.uid);
    if (!pv.claim_name.empty() && !prebound) continue;  // someone else's
    if (pv.deleting) continue;
    if (pv.volume_mode != claim.volume_mode) continue;
    bool modes = true;
    for (const auto& m : claim.access_modes)
      if (std::find(pv.access_modes.begin(), pv.access_modes.end(), m) == pv.access_modes.end()) modes = false;
    if (!modes) continue;
    if (prebound) {
      // A PV pre-bound to the claim is taken whatever its size and class, as upstream does
      // (checkVolumeSatisfyClaim is left to the binding itself).
      if (pv.capacity_bytes >= claim.request_bytes && pv.class_name == claim.class_name) return i;
      continue;
    }
    if (pv.class_name != claim.class_name) continue;
    if (pv.phase != "Available" && !pv.phase.empty()) continue;
    if (pv.capacity_bytes < claim.request_bytes) continue;
    if (extra && !extra(pv)) continue;
    if (!best || pv.capacity_bytes < pvs[*best].capacity_bytes) best = i;
  }
  return best;
}

std::string pv_name_for(const std::string& claim_uid) { return "pvc-" + claim_uid; }

csi::AccessMode csi_access_mode(const std::string& mode) {
  if (mode == "ReadOnlyMany") return csi::AccessMode::MultiNodeReaderOnly;
  if (mode == "ReadWriteMany") return csi::AccessMode::MultiNodeMultiWriter;
  return csi::AccessMode::SingleNodeWriter;  // ReadWriteOnce, ReadWriteOncePod
}

csi::CreateVolumeRequest create_request(const ClaimView& claim, const std::map<std::string, std::string>& parameters,
                                        const std::vector<std::string>& mount_options,
                                        const std::optional<csi::Topology>& selected_node_topology,
                                        std::string& fs_type, std::string& error) {
  csi::CreateVolumeRequest r;
  r.name = pv_name_for(claim.uid);
  r.required_bytes = claim.request_bytes;
  fs_type = kDefaultFsType;
  for (const auto& [k, v] : parameters) {
    if (k.rfind("csi.storage.k8s.io/", 0) == 0) {
      if (k == kFsTypeParameter) fs_type = v;
      else if (k.find("secret") == std::string::npos) {
        error = "invalid parameter \"" + k + "\": prefix \"csi.storage.k8s.io/\" is reserved";
        return r;
      }
      continue;
    }
    r.parameters[k] = v;
  }
  std::vector<std::string> modes = claim.access_modes;
  if (modes.empty()) modes = {"ReadWriteOnce"};
  for (const auto& m : modes) {
    csi::VolumeCapability c;
    c.fs_type = fs_type;
    c.mount_flags = mount_options;
    c.mode = csi_access_mode(m);
    r.capabilities.push_back(c);
  }
  if (selected_node_topology && !selected_node_topology->empty()) {
    r.requisite = {*selected_node_topology};
    r.preferred = {*selected_node_topology};
  }
  return r;
}

std::vector<NodeTerm> node_affinity(const std::vector<csi::Topology>& topology) {
  std::vector<NodeTerm> out;
  for (const auto& t : topology) {
    if (t.empty()) continue;
    NodeTerm term;
    for (const auto& [k, v] : t) term.in.emplace_back(k, v);
    out.push_back(std::move(term));
  }
  return out;
}

std::string external_provisioning_message(const std::string& provisioner) {
  return "Waiting for a volume to be created either by the external provisioner '" + provisioner +
         "' or manually by the system administrator. If volume creation is delayed, please verify that the "
         "provisioner is running and correctly registered.";
}

std::optional<ResizeDecision> resize_decision(const ResizeState& s) {
  int64_t new_bytes = s.spec_bytes;
  const std::string& st = s.resize_status;
  const bool node_pending = st == kNodeResizePending || st == kNodeResizeInProgress;
  if (s.pv_bytes < s.spec_bytes) {
    // The volume is smaller than asked: expand, but let an expansion under way finish first.
    if (st == kNodeResizeInfeasible) {
      if (s.allocated_bytes) new_bytes = *s.allocated_bytes;
    } else if (node_pending) {
      if (s.allocated_bytes) new_bytes = *s.allocated_bytes;
      if (s.pv_bytes >= new_bytes) return std::nullopt;
    } else if (st == kControllerResizeInProgress) {
      if (s.allocated_bytes) new_bytes = *s.allocated_bytes;
    }
  } else {
    // The volume is large enough already: a pending node expansion is the kubelet's (agent's);
    // otherwise the bookkeeping of an expansion that was done is completed.
    if (node_pending) return std::nullopt;
    if (st == kNodeResizeInfeasible || st == kControllerResizeInProgress || st == kControllerResizeInfeasible) {
      if (s.allocated_bytes) new_bytes = *s.allocated_bytes;
    } else if (s.allocated_bytes) {
      new_bytes = *s.allocated_bytes;
    } else if (s.fs_resize_pending) {
      return std::nullopt;
    }
  }
  ResizeDecision d;
  d.new_bytes = new_bytes;
  d.update_status = !(s.allocated_bytes && *s.allocated_bytes == new_bytes);
  return d;
}

bool resize_infeasible(int code) {
  return code == csi::kInvalidArgument || code == csi::kOutOfRange || code == csi::kNotFound;
}

std::vector<ClaimCondition> merge_resize_conditions(const std::vector<ClaimCondition>& have,
                                                    const std::vector<ClaimCondition>& add) {
  auto resize_type = [](const std::string& t) {
    return t == kConditionResizing || t == kConditionFileSystemResizePending || t == kConditionControllerResizeError ||
           t == kConditionNodeResizeError;
  };
  std::vector<ClaimCondition> out;
  std::vector<ClaimCondition> pending = add;
  for (const auto& c : have) {
    if (!resize_type(c.type)) {
      out.push_back(c);
      continue;
    }
    for (auto it = pending.begin(); it != pending.end(); ++it)
      if (it->type == c.type && it->status == c.status) {
        out.push_back(c);
        pending.erase(it);
        break;
      }
  }
  out.insert(out.end(), pending.begin(), pending.end());
  return out;
}

}  // namespace capstan::storage
