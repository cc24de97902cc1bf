// capstan.kind.v1/storage: PersistentVolume and PersistentVolumeClaim (core/v1), StorageClass,
// CSIDriver, CSINode and VolumeAttachment (storage.k8s.io/v1). Admission also does what
// kube-apiserver's DefaultStorageClass and StorageObjectInUseProtection admission plugins do.
#include "capstan/core_v1_storage.capnp.h"
#include "capstan/informer.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/plugin.hpp"
#include "capstan/printer_columns.hpp"
#include "capstan/storage_v1.capnp.h"
#include "kinds.hpp"
#include "printers.hpp"
#include "storage_rules.hpp"

namespace {

using namespace capstan;
using namespace capstan::storage_kinds;

class StorageKinds final : public sdk::Plugin {
 public:
  explicit StorageKinds(const sdk::Host& host) : client_(host, "kinds-storage"), classes_(client_, machinery::kStorageClasses) {}

  void start() override { classes_.start(); }
  void stop() override { classes_.stop(); }

  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (req.kind == "PersistentVolume") return admit_persistent_volume(req);
    if (req.kind == "PersistentVolumeClaim") return admit_persistent_volume_claim(req, [this] { return class_infos(); });
    if (req.kind == "StorageClass") return admit_storage_class(req);
    if (req.kind == "CSIDriver") return admit_csi_driver(req);
    if (req.kind == "CSINode") return admit_csi_node(req);
    if (req.kind == "VolumeAttachment") return admit_volume_attachment(req);
    return sdk::AdmissionResult::allow();
  }

  std::vector<std::string> print(const std::string& kind, const sdk::ObjectPtr& obj) override {
    if (kind == "PersistentVolume") return print_persistent_volume(obj);
    if (kind == "PersistentVolumeClaim") return print_persistent_volume_claim(obj);
    if (kind == "StorageClass") return print_storage_class(obj);
    if (kind == "CSIDriver") return print_csi_driver(obj);
    if (kind == "CSINode") return print_csi_node(obj);
    if (kind == "VolumeAttachment") return print_volume_attachment(obj);
    return {};
  }

 private:
  // The classes for the DefaultStorageClass admission: from the informer once it has synced,
  // else (a claim created while the plugin starts) listed directly.
  std::vector<ClassInfo> class_infos() {
    std::vector<sdk::ObjectPtr> items;
    if (classes_.has_synced()) {
      items = classes_.list();
    } else {
      auto r = client_.list(machinery::kStorageClasses);
      if (!r.status.ok()) throw std::runtime_error("cannot list storageclasses: " + r.status.message);
      items = std::move(r.items);
    }
    std::vector<ClassInfo> out;
    for (const auto& o : items) {
      auto sc = o->as<storage::v1::StorageClass>();
      out.push_back({sc.getMetadata().getName(), sc.getMetadata().getCreationTimestamp(),
                     is_default_class(sc.getMetadata().getAnnotations()),
                     sc.getAllowVolumeExpansion().isValue() && sc.getAllowVolumeExpansion().getValue()});
    }
    return out;
  }

  sdk::Client client_;
  sdk::Informer classes_;
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "storage";
  info.dependencies = {"capstan.kind.v1.core"};
  info.roles = CAPSTAN_ROLE_SERVER;
  info.manifest.description("Storage: PersistentVolume, PersistentVolumeClaim, StorageClass, CSIDriver, CSINode, VolumeAttachment");

  sdk::KindSpec pv;
  pv.kind = "PersistentVolume";
  pv.plural = "persistentvolumes";
  pv.singular = "persistentvolume";
  pv.short_names = {"pv"};
  pv.namespaced = false;
  pv.schema = capnp::Schema::from<core::v1::PersistentVolume>();
  pv.subresources = {{"status"}};
  pv.status_field = "status";
  pv.printer_columns = {sdk::computed_column("Capacity", "string", "The capacity of the volume"),
                        sdk::computed_column("Access Modes", "string", "All the ways the volume can be mounted"),
                        sdk::column("Reclaim Policy", "string", ".spec.persistentVolumeReclaimPolicy",
                                    "What happens to the volume when released from its claim"),
                        sdk::computed_column("Status", "string", "The phase of the volume"),
                        sdk::computed_column("Claim", "string", "The claim bound to the volume"),
                        sdk::computed_column("StorageClass", "string", "The StorageClass of the volume"),
                        sdk::computed_column("VolumeAttributesClass", "string", "The VolumeAttributesClass of the volume"),
                        sdk::computed_column("Reason", "string", "Why the volume is in its phase"),
                        sdk::age_column(),
                        sdk::computed_column("VolumeMode", "string", "Filesystem or Block", 1)};
  pv.admission = true;
  info.manifest.kind(pv);

  sdk::KindSpec pvc;
  pvc.kind = "PersistentVolumeClaim";
  pvc.plural = "persistentvolumeclaims";
  pvc.singular = "persistentvolumeclaim";
  pvc.short_names = {"pvc"};
  pvc.schema = capnp::Schema::from<core::v1::PersistentVolumeClaim>();
  pvc.subresources = {{"status"}};
  pvc.status_field = "status";
  pvc.printer_columns = {sdk::computed_column("Status", "string", "The phase of the claim"),
                         sdk::computed_column("Volume", "string", "The volume bound to the claim"),
                         sdk::computed_column("Capacity", "string", "The capacity of the bound volume"),
                         sdk::computed_column("Access Modes", "string", "The access modes of the bound volume"),
                         sdk::computed_column("StorageClass", "string", "The StorageClass of the claim"),
                         sdk::computed_column("VolumeAttributesClass", "string", "The VolumeAttributesClass of the claim"),
                         sdk::age_column(),
                         sdk::computed_column("VolumeMode", "string", "Filesystem or Block", 1)};
  pvc.admission = true;
  info.manifest.kind(pvc);

  sdk::KindSpec sc;
  sc.group = "storage.k8s.io";
  sc.kind = "StorageClass";
  sc.plural = "storageclasses";
  sc.singular = "storageclass";
  sc.short_names = {"sc"};
  sc.namespaced = false;
  sc.schema = capnp::Schema::from<storage::v1::StorageClass>();
  // A computed Name column replaces the kernel's: the default class reads "name (default)".
  sc.printer_columns = {sdk::computed_column("Name", "string", "Name must be unique within a namespace."),
                        sdk::column("Provisioner", "string", ".provisioner", "Indicates the type of the provisioner."),
                        sdk::computed_column("ReclaimPolicy", "string", "Indicates the type of the reclaim policy."),
                        sdk::computed_column("VolumeBindingMode", "string", "Indicates how PersistentVolumeClaims should be bound."),
                        sdk::computed_column("AllowVolumeExpansion", "string", "Indicates whether the storage class allows volume expansion."),
                        sdk::age_column()};
  sc.admission = true;
  info.manifest.kind(sc);

  sdk::KindSpec driver;
  driver.group = "storage.k8s.io";
  driver.kind = "CSIDriver";
  driver.plural = "csidrivers";
  driver.singular = "csidriver";
  driver.namespaced = false;
  driver.schema = capnp::Schema::from<storage::v1::CSIDriver>();
  driver.printer_columns = {sdk::computed_column("AttachRequired", "boolean", "Whether the driver needs an attach operation"),
                            sdk::computed_column("PodInfoOnMount", "boolean", "Whether pod information is passed on mount"),
                            sdk::computed_column("StorageCapacity", "boolean", "Whether the driver reports capacity"),
                            sdk::computed_column("TokenRequests", "string", "Audiences of the service account tokens passed on mount"),
                            sdk::computed_column("RequiresRepublish", "boolean", "Whether NodePublishVolume is called periodically"),
                            sdk::computed_column("Modes", "string", "Volume lifecycle modes supported by the driver"),
                            sdk::age_column()};
  driver.admission = true;
  info.manifest.kind(driver);

  sdk::KindSpec node;
  node.group = "storage.k8s.io";
  node.kind = "CSINode";
  node.plural = "csinodes";
  node.singular = "csinode";
  node.namespaced = false;
  node.schema = capnp::Schema::from<storage::v1::CSINode>();
  node.printer_columns = {sdk::computed_column("Drivers", "integer", "Number of CSI drivers on the node"), sdk::age_column()};
  node.admission = true;
  info.manifest.kind(node);

  sdk::KindSpec va;
  va.group = "storage.k8s.io";
  va.kind = "VolumeAttachment";
  va.plural = "volumeattachments";
  va.singular = "volumeattachment";
  va.namespaced = false;
  va.schema = capnp::Schema::from<storage::v1::VolumeAttachment>();
  va.subresources = {{"status"}};
  va.status_field = "status";
  va.printer_columns = {sdk::column("Attacher", "string", ".spec.attacher", "The driver that handles the attachment"),
                        sdk::computed_column("PV", "string", "The volume to attach"),
                        sdk::column("Node", "string", ".spec.nodeName", "The node to attach to"),
                        sdk::computed_column("Attached", "boolean", "Whether the volume is attached"),
                        sdk::age_column()};
  va.admission = true;
  info.manifest.kind(va);

  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<StorageKinds>(host); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
