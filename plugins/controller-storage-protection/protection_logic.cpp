#include "protection_logic.hpp"

namespace capstan::storage_protection {

namespace {

bool has(capnp::List<capnp::Text>::Reader list, const char* value) {
  for (auto f : list)
    if (f == value) return true;
  return false;
}

template <typename Object>
Action decide(Object obj, const char* finalizer, bool in_use) {
  auto meta = obj.getMetadata();
  const bool present = has(meta.getFinalizers(), finalizer);
  if (meta.hasDeletionTimestamp()) {
    if (!present) return Action::kNone;
    return in_use ? Action::kWait : Action::kRemoveFinalizer;
  }
  return present ? Action::kNone : Action::kAddFinalizer;
}

}  // namespace

bool pod_uses_claim(core::v1::Pod::Reader pod, const std::string& claim) {
  if (pod.getSpec().getNodeName().size() == 0) return false;
  for (auto v : pod.getSpec().getVolumes())
    if (v.hasPersistentVolumeClaim() && v.getPersistentVolumeClaim().getClaimName() == claim) return true;
  return false;
}

std::vector<std::string> claims_of(core::v1::Pod::Reader pod) {
  std::vector<std::string> out;
  for (auto v : pod.getSpec().getVolumes())
    if (v.hasPersistentVolumeClaim()) out.emplace_back(v.getPersistentVolumeClaim().getClaimName().cStr());
  return out;
}

Action claim_action(core::v1::PersistentVolumeClaim::Reader pvc, bool in_use) { return decide(pvc, kPvcFinalizer, in_use); }

Action volume_action(core::v1::PersistentVolume::Reader pv) {
  return decide(pv, kPvFinalizer, pv.getStatus().getPhase() == "Bound");
}

std::vector<std::string> without(capnp::List<capnp::Text>::Reader finalizers, const std::string& finalizer) {
  std::vector<std::string> out;
  for (auto f : finalizers)
    if (f != finalizer.c_str()) out.emplace_back(f.cStr());
  return out;
}

}  // namespace capstan::storage_protection
