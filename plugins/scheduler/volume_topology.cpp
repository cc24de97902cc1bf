// VolumeBinding's host side: the pod's claims read from the API when it is scheduled (only pods
// with persistentVolumeClaim volumes pay for it), and the chosen node recorded on the claims that
// wait for their first consumer (upstream's selected-node annotation, which the provisioner reads).
#include <nlohmann/json.hpp>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/resources.hpp"
#include "capstan/storage_v1.capnp.h"
#include "policies.hpp"
#include "scheduler.hpp"

namespace capstan::scheduler {
namespace {
constexpr const char* kAnnSelectedNode = "volume.kubernetes.io/selected-node";
std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }
}  // namespace

void Scheduler::fill_volumes(core::v1::Pod::Reader pod, PodInfo& info) const {
  const std::string ns = str(pod.getMetadata().getNamespace());
  for (auto vol : pod.getSpec().getVolumes()) {
    if (!vol.hasPersistentVolumeClaim()) continue;
    const std::string claim = str(vol.getPersistentVolumeClaim().getClaimName());
    auto r = client_.get(machinery::kPersistentVolumeClaims, ns, claim);
    if (!r.status.ok()) {
      info.volume_error = r.status.not_found() ? "persistentvolumeclaim \"" + claim + "\" not found" : r.status.message;
      return;
    }
    auto pvc = r.object->as<core::v1::PersistentVolumeClaim>();
    if (pvc.getMetadata().hasDeletionTimestamp() && pvc.getMetadata().getDeletionTimestamp().size()) {
      info.volume_error = "persistentvolumeclaim \"" + claim + "\" is being deleted";
      return;
    }
    const std::string volume = str(pvc.getSpec().getVolumeName());
    if (!volume.empty()) {
      auto pv = client_.get(machinery::kPersistentVolumes, "", volume);
      if (!pv.status.ok()) {
        info.volume_error = pv.status.not_found() ? "persistentvolume \"" + volume + "\" not found" : pv.status.message;
        return;
      }
      auto spec = pv.object->as<core::v1::PersistentVolume>().getSpec();
      if (spec.hasNodeAffinity() && spec.getNodeAffinity().hasRequired()) {
        std::vector<NodeSelectorTerm> terms;
        for (auto t : spec.getNodeAffinity().getRequired().getNodeSelectorTerms())
          terms.push_back(sdk::scheduling::term_of(t));
        info.volume_affinity.push_back(std::move(terms));
      }
      continue;
    }
    // Unbound: a WaitForFirstConsumer claim waits for this pod's node; any other must bind first.
    bool delayed = false;
    if (pvc.getSpec().hasStorageClassName() && pvc.getSpec().getStorageClassName().size()) {
      auto sc = client_.get(machinery::kStorageClasses, "", str(pvc.getSpec().getStorageClassName()));
      delayed = sc.status.ok() &&
                str(sc.object->as<storage::v1::StorageClass>().getVolumeBindingMode()) == "WaitForFirstConsumer";
    }
    if (!delayed) {
      info.volume_error = kErrReasonUnboundImmediate;
      return;
    }
    info.delayed_claims.push_back(claim);
  }
}

bool Scheduler::select_node_for_claims(const sdk::ObjectPtr& pod, const std::vector<std::string>& claims,
                                       const std::string& node) {
  for (const auto& claim : claims) {
    nlohmann::json patch{{"metadata", {{"annotations", {{kAnnSelectedNode, node}}}}}};
    auto r = client_.patch(machinery::kPersistentVolumeClaims, pod->ns(), claim, "merge", patch.dump());
    if (!r.status.ok()) {
      host_.warn("default-scheduler: recording node " + node + " on claim " + pod->ns() + "/" + claim + ": " +
                 r.status.message);
      return false;
    }
  }
  return true;
}

}  // namespace capstan::scheduler
