#include "protection_controller.hpp"

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/message.hpp"
#include "capstan/machinery/resources.hpp"
#include "protection_logic.hpp"

namespace capstan::storage_protection {

using machinery::kPersistentVolumeClaims;
using machinery::kPersistentVolumes;
using machinery::kPods;

namespace {

// Writes the object back with its finalizer added or removed; the resourceVersion it carries
// makes a concurrent change a Conflict, retried on a fresher cache.
template <typename T>
sdk::ReconcileResult write_finalizers(const sdk::Client& client, const sdk::Resource& resource, const sdk::ObjectPtr& obj,
                                      const char* finalizer, bool add) {
  machinery::Mutable<T> m(obj->as<T>());
  auto meta = m.root.getMetadata();
  std::vector<std::string> list = without(meta.asReader().getFinalizers(), finalizer);
  if (add) list.emplace_back(finalizer);
  auto out = meta.initFinalizers(static_cast<unsigned>(list.size()));
  for (unsigned i = 0; i < list.size(); ++i) out.set(i, list[i]);
  auto r = client.update(resource, obj->ns(), obj->name(), m.message);
  if (r.status.ok() || r.status.not_found()) return sdk::ReconcileResult::ok();
  return sdk::ReconcileResult::fail((add ? "adding " : "removing ") + std::string(finalizer) + " on " + obj->key() + ": " +
                                    r.status.message);
}

}  // namespace

ProtectionController::ProtectionController(const sdk::Host& host)
    : host_(host), client_(host, kComponent), claims_(client_, kPersistentVolumeClaims), volumes_(client_, kPersistentVolumes),
      pods_(client_, kPods) {
  claim_controller_ = std::make_unique<sdk::Controller>("pvc-protection", host_,
                                                        [this](const std::string& key) { return reconcile_claim(key); });
  volume_controller_ = std::make_unique<sdk::Controller>("pv-protection", host_,
                                                         [this](const std::string& key) { return reconcile_volume(key); });
  claim_controller_->watch(claims_);
  volume_controller_->watch(volumes_);
  // A pod's change (a new pod, its deletion) may free or take the claims it names.
  claim_controller_->watch_owned(pods_, [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; });
  pods_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind) {
    for (const auto& claim : claims_of(obj->as<core::v1::Pod>())) claim_controller_->enqueue(obj->ns() + "/" + claim);
  });
}

void ProtectionController::start() {
  claims_.start();
  volumes_.start();
  pods_.start();
  claim_controller_->start();
  volume_controller_->start();
}

void ProtectionController::stop() {
  claim_controller_->stop();
  volume_controller_->stop();
  pods_.stop();
  volumes_.stop();
  claims_.stop();
}

bool ProtectionController::claim_in_use(const std::string& ns, const std::string& name, bool live) {
  for (const auto& pod : pods_.list(ns))
    if (pod_uses_claim(pod->as<core::v1::Pod>(), name)) return true;
  if (!live) return false;
  auto r = client_.list(kPods, ns);
  if (!r.status.ok()) throw std::runtime_error("listing pods of " + ns + ": " + r.status.message);
  for (const auto& pod : r.items)
    if (pod_uses_claim(pod->as<core::v1::Pod>(), name)) return true;
  return false;
}

sdk::ReconcileResult ProtectionController::reconcile_claim(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto obj = claims_.get(ns, name);
  if (!obj) return sdk::ReconcileResult::ok();
  auto pvc = obj->as<core::v1::PersistentVolumeClaim>();
  const bool deleting = pvc.getMetadata().hasDeletionTimestamp();
  const bool in_use = deleting && claim_in_use(ns, name, true);
  switch (claim_action(pvc, in_use)) {
    case Action::kAddFinalizer:
      return write_finalizers<core::v1::PersistentVolumeClaim>(client_, kPersistentVolumeClaims, obj, kPvcFinalizer, true);
    case Action::kRemoveFinalizer:
      host_.info("pvc-protection: " + key + " is no longer used by any pod; removing its finalizer");
      return write_finalizers<core::v1::PersistentVolumeClaim>(client_, kPersistentVolumeClaims, obj, kPvcFinalizer, false);
    case Action::kWait:  // a pod's deletion enqueues the claim again
    case Action::kNone:
      return sdk::ReconcileResult::ok();
  }
  return sdk::ReconcileResult::ok();
}

sdk::ReconcileResult ProtectionController::reconcile_volume(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto obj = volumes_.get("", name);
  if (!obj) return sdk::ReconcileResult::ok();
  switch (volume_action(obj->as<core::v1::PersistentVolume>())) {
    case Action::kAddFinalizer:
      return write_finalizers<core::v1::PersistentVolume>(client_, kPersistentVolumes, obj, kPvFinalizer, true);
    case Action::kRemoveFinalizer:
      host_.info("pv-protection: " + name + " is not bound; removing its finalizer");
      return write_finalizers<core::v1::PersistentVolume>(client_, kPersistentVolumes, obj, kPvFinalizer, false);
    case Action::kWait:  // the volume's own status change enqueues it again
    case Action::kNone:
      return sdk::ReconcileResult::ok();
  }
  return sdk::ReconcileResult::ok();
}

}  // namespace capstan::storage_protection
