// Volume expansion, controller side: kube-controller-manager's expand controller (it hands a CSI
// claim to the external resizer: the volume.kubernetes.io/storage-resizer annotation and an
// ExternalExpanding event) and external-resizer (ControllerExpandVolume, the PV's new capacity and
// the claim's status: allocatedResources, allocatedResourceStatuses, the Resizing and
// FileSystemResizePending conditions), with 1.33's RecoverVolumeExpansionFailure. The file system
// is grown by the node agent of the node that has the volume mounted (NodeExpandVolume), which
// then finishes the claim's status. Every step is written to the API before the next, so a
// restart resumes where it stopped (resize_decision reads it back).
#include <nlohmann/json.hpp>

#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/quantity.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "csi_client.hpp"
#include "storage_controller.hpp"

namespace capstan::storage {
namespace core = capstan::core::v1;
using machinery::kPersistentVolumeClaims;
using machinery::kPersistentVolumes;
using nlohmann::json;

namespace {

std::string text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

std::string annotation_of(meta::ObjectMeta::Reader md, const std::string& key) {
  for (auto e : md.getAnnotations())
    if (text(e.getKey()) == key) return text(e.getValue());
  return "";
}

std::optional<int64_t> storage_bytes(capnp::List<k8s::QuantityEntry>::Reader list) {
  for (auto q : list)
    if (text(q.getKey()) == "storage") return machinery::value_of(text(q.getValue()));
  return std::nullopt;
}

std::string quantity(int64_t bytes) {
  return machinery::Quantity::from_int64(bytes, machinery::Quantity::Format::kBinarySI).to_string();
}

std::vector<ClaimCondition> conditions_of(core::PersistentVolumeClaim::Reader pvc) {
  std::vector<ClaimCondition> out;
  for (auto c : pvc.getStatus().getConditions())
    out.push_back({text(c.getType()), text(c.getStatus()), text(c.getLastProbeTime()), text(c.getLastTransitionTime()),
                   text(c.getReason()), text(c.getMessage())});
  return out;
}

json conditions_json(const std::vector<ClaimCondition>& cs) {
  json out = json::array();
  for (const auto& c : cs) {
    json j{{"type", c.type}, {"status", c.status}};
    if (!c.last_probe_time.empty()) j["lastProbeTime"] = c.last_probe_time;
    if (!c.last_transition_time.empty()) j["lastTransitionTime"] = c.last_transition_time;
    if (!c.reason.empty()) j["reason"] = c.reason;
    if (!c.message.empty()) j["message"] = c.message;
    out.push_back(std::move(j));
  }
  return out;
}

ClaimCondition condition(const std::string& type, const std::string& message = "") {
  return {type, "True", "", machinery::format_rfc3339(machinery::now_seconds()), "", message};
}

ResizeState resize_state(core::PersistentVolumeClaim::Reader pvc, core::PersistentVolume::Reader pv) {
  ResizeState s;
  s.spec_bytes = storage_bytes(pvc.getSpec().getResources().getRequests()).value_or(0);
  s.status_bytes = storage_bytes(pvc.getStatus().getCapacity()).value_or(0);
  s.pv_bytes = storage_bytes(pv.getSpec().getCapacity()).value_or(0);
  s.allocated_bytes = storage_bytes(pvc.getStatus().getAllocatedResources());
  for (auto e : pvc.getStatus().getAllocatedResourceStatuses())
    if (text(e.getKey()) == "storage") s.resize_status = text(e.getValue());
  for (auto c : pvc.getStatus().getConditions())
    if (text(c.getType()) == kConditionFileSystemResizePending && text(c.getStatus()) == "True") s.fs_resize_pending = true;
  return s;
}

}  // namespace

sdk::ReconcileResult StorageController::resize(const sdk::ObjectPtr& claim_obj, const sdk::ObjectPtr& pv_obj) {
  auto pvc = claim_obj->as<core::PersistentVolumeClaim>();
  auto pv = pv_obj->as<core::PersistentVolume>();
  if (text(pvc.getStatus().getPhase()) != "Bound" || !pv.getSpec().hasCsi()) return sdk::ReconcileResult::ok();
  if (!pv.getSpec().hasClaimRef() || text(pv.getSpec().getClaimRef().getUid()) != claim_obj->uid())
    return sdk::ReconcileResult::ok();
  const ResizeState state = resize_state(pvc, pv);
  if (!claim_needs_resize(state)) return sdk::ReconcileResult::ok();
  const std::string ns = claim_obj->ns(), name = claim_obj->name(), pv_name = pv_obj->name();
  const std::string driver_name = text(pv.getSpec().getCsi().getDriver());
  auto fail = [](const sdk::Status& s) {
    return s.not_found() || s.conflict() ? sdk::ReconcileResult{true, {}, {}} : sdk::ReconcileResult::fail(s.message);
  };

  // The expand controller: a CSI volume is the external resizer's, named on the claim.
  if (annotation_of(pvc.getMetadata(), kAnnStorageResizer) != driver_name) {
    json patch{{"metadata", {{"annotations", {{kAnnStorageResizer, driver_name}}}}}};
    auto r = client_.patch(kPersistentVolumeClaims, ns, name, "merge", patch.dump());
    if (!r.status.ok()) return fail(r.status);
    provisioner_events("volume_expand").record(claim_obj, sdk::kEventTypeWarning, "ExternalExpanding", kExternalExpandingMessage);
    return sdk::ReconcileResult::ok();  // the annotated claim comes back through the informer
  }

  auto decision = resize_decision(state);
  if (!decision) return sdk::ReconcileResult::ok();
  const int64_t new_bytes = decision->new_bytes;
  auto& events = provisioner_events("external-resizer " + driver_name);
  if (decision->update_status) {
    json st{{"status",
             {{"conditions", conditions_json(merge_resize_conditions(conditions_of(pvc), {condition(kConditionResizing)}))},
              {"allocatedResourceStatuses", {{"storage", kControllerResizeInProgress}}},
              {"allocatedResources", {{"storage", quantity(new_bytes)}}}}}};
    auto r = client_.patch(kPersistentVolumeClaims, ns, name, "merge", st.dump(), "status");
    if (!r.status.ok()) return fail(r.status);
  }
  events.record(claim_obj, sdk::kEventTypeNormal, "Resizing", "External resizer is resizing volume " + pv_name);

  std::string error;
  auto* client = driver(driver_name, annotation_of(pv.getMetadata(), "csi.capstan.io/volume-node"), error);
  csi::Status s;
  int64_t capacity = 0;
  bool node_required = true;
  if (!client) {
    s = {csi::kUnavailable, error};
  } else {
    // A driver without controller expansion grows on the node alone (external-resizer's trivial
    // resizer): the PV takes the new size at once.
    std::set<int> caps;
    s = client->controller_get_capabilities(caps);
    if (s.ok() && caps.count(csi::kExpandVolume)) {
      csi::VolumeCapability cap;
      cap.fs_type = text(pv.getSpec().getCsi().getFsType());
      cap.mount_flags.clear();
      for (auto m : pv.getSpec().getMountOptions()) cap.mount_flags.push_back(text(m));
      if (pv.getSpec().getAccessModes().size()) cap.mode = csi_access_mode(text(pv.getSpec().getAccessModes()[0]));
      s = client->controller_expand_volume(text(pv.getSpec().getCsi().getVolumeHandle()), new_bytes, 0, &cap, capacity,
                                           node_required);
    }
  }
  if (!s.ok()) {
    const std::string message =
        "resize volume \"" + pv_name + "\" by resizer \"" + driver_name + "\" failed: " + s.describe();
    events.record(claim_obj, sdk::kEventTypeWarning, "VolumeResizeFailed", message);
    if (resize_infeasible(s.code)) {
      // The same size can never succeed: recorded, so the user may ask for less (recovery).
      auto cond = condition(kConditionControllerResizeError, message);
      json st{{"status",
               {{"conditions", conditions_json(merge_resize_conditions(conditions_of(pvc), {cond}))},
                {"allocatedResourceStatuses", {{"storage", kControllerResizeInfeasible}}}}}};
      client_.patch(kPersistentVolumeClaims, ns, name, "merge", st.dump(), "status");
    }
    return sdk::ReconcileResult::fail(message);
  }
  if (capacity <= 0) capacity = new_bytes;
  const std::string size = quantity(capacity);
  {
    json patch{{"spec", {{"capacity", {{"storage", size}}}}}};
    auto r = client_.patch(kPersistentVolumes, "", pv_name, "merge", patch.dump());
    if (!r.status.ok()) return fail(r.status);
  }
  // The claim as it is now (the status patch above changed it).
  auto fresh = client_.get(kPersistentVolumeClaims, ns, name);
  if (!fresh.status.ok()) return fail(fresh.status);
  auto now = fresh.object->as<core::PersistentVolumeClaim>();
  if (node_required) {
    json st{{"status",
             {{"conditions", conditions_json(merge_resize_conditions(
                                 conditions_of(now), {condition(kConditionFileSystemResizePending, kFileSystemResizePendingMessage)}))},
              {"allocatedResourceStatuses", {{"storage", kNodeResizePending}}}}}};
    auto r = client_.patch(kPersistentVolumeClaims, ns, name, "merge", st.dump(), "status");
    if (!r.status.ok()) return fail(r.status);
    events.record(claim_obj, sdk::kEventTypeNormal, "FileSystemResizeRequired", "Require file system resize of volume on node");
    return sdk::ReconcileResult::ok();
  }
  json st{{"status",
           {{"capacity", {{"storage", size}}},
            {"conditions", conditions_json(merge_resize_conditions(conditions_of(now), {}))},
            {"allocatedResourceStatuses", {{"storage", nullptr}}}}}};
  auto r = client_.patch(kPersistentVolumeClaims, ns, name, "merge", st.dump(), "status");
  if (!r.status.ok()) return fail(r.status);
  events.record(claim_obj, sdk::kEventTypeNormal, "VolumeResizeSuccessful", "Resize volume succeeded");
  return sdk::ReconcileResult::ok();
}

}  // namespace capstan::storage
