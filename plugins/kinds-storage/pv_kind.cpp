// core/v1 PersistentVolume: SetDefaults_PersistentVolume, the registry strategy (status reset to
// Pending on create, lastPhaseTransitionTime on phase changes) and ValidatePersistentVolume(Update).
#include "capstan/machinery/object_rules.hpp"
#include "capstan/machinery/time.hpp"
#include "kinds.hpp"
#include "storage_rules.hpp"

namespace capstan::storage_kinds {

using core::v1::PersistentVolume;
using Op = sdk::AdmissionRequest::Operation;
namespace field = sdk::field;

namespace {

void set_defaults(PersistentVolume::Builder pv) {
  auto spec = pv.getSpec();
  // Manually created volumes are retained; provisioners set Delete from their class.
  if (spec.getPersistentVolumeReclaimPolicy().size() == 0) spec.setPersistentVolumeReclaimPolicy("Retain");
  if (!spec.hasVolumeMode()) spec.setVolumeMode("Filesystem");
  if (pv.getStatus().getPhase().size() == 0) pv.getStatus().setPhase("Pending");
}

// The PersistentVolumeSource part of a spec: what may never change after creation.
std::string changed_sources(core::v1::PersistentVolumeSpec::Reader a, core::v1::PersistentVolumeSpec::Reader b) {
  std::string out;
  auto note = [&](const char* name, bool has_a, bool has_b, bool same) {
    if (has_a != has_b || (has_a && !same)) out += std::string(out.empty() ? "" : ", ") + name;
  };
  note("hostPath", a.hasHostPath(), b.hasHostPath(), machinery::same_value(a.getHostPath(), b.getHostPath()));
  note("nfs", a.hasNfs(), b.hasNfs(), machinery::same_value(a.getNfs(), b.getNfs()));
  note("local", a.hasLocal(), b.hasLocal(), machinery::same_value(a.getLocal(), b.getLocal()));
  note("csi", a.hasCsi(), b.hasCsi(), machinery::same_value(a.getCsi(), b.getCsi()));
  return out;
}

}  // namespace

sdk::AdmissionResult admit_persistent_volume(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  Mutable<PersistentVolume> m(req.object->as<PersistentVolume>());
  const bool update = req.operation == Op::kUpdate && req.old_object;

  if (req.subresource == "status") {
    if (!update) return sdk::AdmissionResult::allow();
    auto old = req.old_object->as<PersistentVolume>();
    auto status = m.root.getStatus();
    if (status.getPhase().size() == 0) status.setPhase("Pending");
    const bool phase_changed = std::string_view(old.getStatus().getPhase().cStr()) != status.getPhase().cStr();
    if (!phase_changed && !status.hasLastPhaseTransitionTime()) {
      if (old.getStatus().hasLastPhaseTransitionTime())
        status.setLastPhaseTransitionTime(old.getStatus().getLastPhaseTransitionTime());
    } else if (phase_changed && (!status.hasLastPhaseTransitionTime() ||
                                 status.getLastPhaseTransitionTime() == old.getStatus().getLastPhaseTransitionTime())) {
      status.setLastPhaseTransitionTime(machinery::now_rfc3339());
    }
    sdk::AdmissionResult out;
    out.mutated = m.bytes();
    return out;
  }

  set_defaults(m.root);
  if (req.operation == Op::kCreate) {
    // persistentvolumeStrategy.PrepareForCreate: a new volume starts Pending, now.
    auto status = m.root.initStatus();
    status.setPhase("Pending");
    status.setLastPhaseTransitionTime(machinery::now_rfc3339());
    machinery::add_finalizer(m.root.getMetadata(), kPvProtectionFinalizer);
  }

  Causes causes;
  auto spec = m.root.asReader().getSpec();
  validate_pv_spec(spec, "spec", causes);
  if (update) {
    auto old = req.old_object->as<PersistentVolume>().getSpec();
    // A CSI volume may gain a controllerExpandSecretRef it did not have.
    Mutable<core::v1::PersistentVolumeSpec> now(spec);
    if (old.hasCsi() && !old.getCsi().hasControllerExpandSecretRef() && spec.hasCsi() &&
        spec.getCsi().hasControllerExpandSecretRef())
      now.root.getCsi().disownControllerExpandSecretRef();
    const std::string changed = changed_sources(old, now.root.asReader());
    if (!changed.empty())
      field::forbidden(causes, "spec.persistentvolumesource",
                       "spec.persistentvolumesource is immutable after creation\n(changed: " + changed + ")");
    const std::string old_mode = old.hasVolumeMode() ? old.getVolumeMode().cStr() : "";
    const std::string new_mode = spec.hasVolumeMode() ? spec.getVolumeMode().cStr() : "";
    if (old_mode != new_mode || old.hasVolumeMode() != spec.hasVolumeMode())
      field::invalid(causes, "volumeMode", spec.hasVolumeMode() ? field::go_quote(new_mode) : "null", "field is immutable");
    if (old.hasNodeAffinity() && (!spec.hasNodeAffinity() || !machinery::same_value(old.getNodeAffinity(), spec.getNodeAffinity())))
      field::invalid(causes, "nodeAffinity", "", "field is immutable");
    if (old.hasVolumeAttributesClassName() && !spec.hasVolumeAttributesClassName())
      field::forbidden(causes, "spec.volumeAttributesClassName", "update from non-nil value to nil is forbidden");
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult out;
  out.mutated = m.bytes();
  return out;
}

}  // namespace capstan::storage_kinds
