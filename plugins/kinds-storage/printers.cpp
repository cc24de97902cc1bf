#include "printers.hpp"

#include "capstan/core_v1_storage.capnp.h"
#include "capstan/storage_v1.capnp.h"
#include "storage_rules.hpp"

namespace capstan::storage_kinds {

namespace {

std::string quantity_string(const std::optional<Quantity>& q) { return q ? q->to_string() : "0"; }

template <typename G>
std::string flag(G g, bool fallback) {
  return (g.isValue() ? g.getValue() : fallback) ? "true" : "false";
}

}  // namespace

std::vector<std::string> print_persistent_volume(const sdk::ObjectPtr& obj) {
  auto pv = obj->as<core::v1::PersistentVolume>();
  auto spec = pv.getSpec();
  std::string claim;
  if (spec.hasClaimRef()) claim = std::string(spec.getClaimRef().getNamespace().cStr()) + "/" + spec.getClaimRef().getName().cStr();
  std::string phase = pv.getStatus().getPhase();
  if (pv.getMetadata().hasDeletionTimestamp()) phase = "Terminating";
  // GetPersistentVolumeClass: the beta annotation wins over the field.
  std::string cls = annotation(pv.getMetadata().getAnnotations(), kBetaStorageClassAnnotation).value_or(spec.getStorageClassName().cStr());
  return {quantity_string(storage_of(spec.getCapacity())),
          access_modes_string(spec.getAccessModes()),
          phase,
          claim,
          cls,
          spec.hasVolumeAttributesClassName() ? spec.getVolumeAttributesClassName().cStr() : "<unset>",
          pv.getStatus().getReason(),
          spec.hasVolumeMode() ? spec.getVolumeMode().cStr() : "<unset>"};
}

std::vector<std::string> print_persistent_volume_claim(const sdk::ObjectPtr& obj) {
  auto pvc = obj->as<core::v1::PersistentVolumeClaim>();
  auto spec = pvc.getSpec();
  std::string phase = pvc.getStatus().getPhase();
  if (pvc.getMetadata().hasDeletionTimestamp()) phase = "Terminating";
  std::string cls = annotation(pvc.getMetadata().getAnnotations(), kBetaStorageClassAnnotation)
                        .value_or(spec.hasStorageClassName() ? spec.getStorageClassName().cStr() : "");
  std::string capacity, modes;
  // A claim shows what it got only once it names its volume.
  if (spec.getVolumeName().size() > 0) {
    modes = access_modes_string(pvc.getStatus().getAccessModes());
    capacity = quantity_string(storage_of(pvc.getStatus().getCapacity()));
  }
  return {phase,
          spec.getVolumeName(),
          capacity,
          modes,
          cls,
          spec.hasVolumeAttributesClassName() ? spec.getVolumeAttributesClassName().cStr() : "<unset>",
          spec.hasVolumeMode() ? spec.getVolumeMode().cStr() : "<unset>"};
}

std::vector<std::string> print_storage_class(const sdk::ObjectPtr& obj) {
  auto sc = obj->as<storage::v1::StorageClass>();
  std::string name = sc.getMetadata().getName();
  if (is_default_class(sc.getMetadata().getAnnotations())) name += " (default)";
  return {name, sc.hasReclaimPolicy() ? sc.getReclaimPolicy().cStr() : "Delete",
          sc.hasVolumeBindingMode() ? sc.getVolumeBindingMode().cStr() : "Immediate", flag(sc.getAllowVolumeExpansion(), false)};
}

std::vector<std::string> print_csi_driver(const sdk::ObjectPtr& obj) {
  auto spec = obj->as<storage::v1::CSIDriver>().getSpec();
  std::string modes;
  for (auto m : spec.getVolumeLifecycleModes()) modes += (modes.empty() ? "" : ",") + std::string(m.cStr());
  if (modes.empty()) modes = "<none>";
  std::string tokens = "<unset>";
  if (spec.hasTokenRequests()) {
    tokens.clear();
    for (auto t : spec.getTokenRequests()) tokens += (tokens.empty() ? "" : ",") + std::string(t.getAudience().cStr());
  }
  return {flag(spec.getAttachRequired(), true), flag(spec.getPodInfoOnMount(), false), flag(spec.getStorageCapacity(), false),
          tokens, flag(spec.getRequiresRepublish(), false), modes};
}

std::vector<std::string> print_csi_node(const sdk::ObjectPtr& obj) {
  return {std::to_string(obj->as<storage::v1::CSINode>().getSpec().getDrivers().size())};
}

std::vector<std::string> print_volume_attachment(const sdk::ObjectPtr& obj) {
  auto va = obj->as<storage::v1::VolumeAttachment>();
  auto src = va.getSpec().getSource();
  return {src.hasPersistentVolumeName() ? src.getPersistentVolumeName().cStr() : "",
          flag(va.getStatus().getAttached(), false)};
}

}  // namespace capstan::storage_kinds
