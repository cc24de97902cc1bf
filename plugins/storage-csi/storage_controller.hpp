#pragma once
// The storage controller (capstan.controller.v1/storage-csi): Kubernetes' PersistentVolume
// binder and external-provisioner for CSI drivers in one plugin.
//   claims  bind to the smallest matching PV, or are provisioned through their class's CSI driver
//           (CreateVolume with the class parameters; PV pvc-<uid> with node affinity from the
//           returned topology), honouring WaitForFirstConsumer (the scheduler's selected-node);
//   volumes whose claim is gone are Released, then deleted (DeleteVolume, PV removed) or kept
//           (Retain);
//   at start the default StorageClass `standard` and the host-path CSIDriver exist;
//   a claim created while no default class existed gets one when it appears (retroactive);
//   a bound claim asking for more is expanded (ControllerExpandVolume; external-resizer's role).
// Every step is idempotent and keyed on what the API holds, so a crash between two steps is
// completed by the next reconcile.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/events.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "storage_logic.hpp"

namespace capstan::storage {

struct StorageConfig {
  // Controller endpoints of CSI drivers by name. A driver missing here is reached on the node its
  // volume lives on, at the endpoint the node's agent published on its CSINode (node-local
  // drivers such as the host-path driver, as external-provisioner's distributed provisioning).
  std::map<std::string, std::string> drivers;
  bool default_class = true;  // create StorageClass `standard` and the host-path CSIDriver
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};
StorageConfig parse_storage_config(const std::string& json);

// The annotation on a CSINode that carries a node-local driver's socket (Capstan's own: upstream
// runs a provisioner sidecar beside each such driver instead).
std::string endpoint_annotation(const std::string& driver);

class StorageController final : public sdk::Plugin {
 public:
  StorageController(const sdk::Host& host, const std::string& config);
  ~StorageController() override;
  void start() override;
  void stop() override;

 private:
  sdk::ReconcileResult sync_claim(const std::string& key);
  sdk::ReconcileResult sync_volume(const std::string& key);
  sdk::ReconcileResult provision(const sdk::ObjectPtr& claim_obj, const ClaimView& claim, const sdk::ObjectPtr& sc);
  sdk::ReconcileResult bind(const sdk::ObjectPtr& claim_obj, const ClaimView& claim, const sdk::ObjectPtr& pv_obj,
                            bool by_controller);
  // Expansion of a bound claim whose request is above its capacity (storage_resize.cpp).
  sdk::ReconcileResult resize(const sdk::ObjectPtr& claim_obj, const sdk::ObjectPtr& pv_obj);
  sdk::ObjectPtr default_class() const;
  // The driver's client for a volume on `node` ("" when the driver has a central endpoint).
  csi::Client* driver(const std::string& name, const std::string& node, std::string& error);
  // The event recorder of a component (a driver's provisioner, external-resizer, volume_expand).
  sdk::EventRecorder& provisioner_events(const std::string& component);
  void ensure_defaults();

  const sdk::Host& host_;
  sdk::Client client_;
  StorageConfig config_;
  sdk::EventRecorder events_;  // persistentvolume-controller
  sdk::Informer claims_, volumes_, classes_, csinodes_;
  std::unique_ptr<sdk::Controller> claim_ctl_, volume_ctl_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<csi::Client>> clients_;        // endpoint -> client
  std::map<std::string, std::unique_ptr<sdk::EventRecorder>> recorders_;  // driver -> its events
  std::map<std::string, std::string> last_event_;  // claim key -> last waiting reason (no repeats)
};

}  // namespace capstan::storage
