// capstan.controller.v1/storage-csi: PersistentVolume binding and CSI provisioning (the
// DefaultStorageClass admission itself is kinds-storage's).
#include "storage_controller.hpp"

namespace capstan::storage {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "storage-csi";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.storage"};
  info.manifest.description(
      "Storage: binds PersistentVolumeClaims to PersistentVolumes and provisions volumes through CSI drivers");
  info.create = [](const sdk::Host& host, const std::string& config) {
    return std::make_unique<StorageController>(host, config);
  };
  return info;
}

}  // namespace
}  // namespace capstan::storage

CAPSTAN_PLUGIN(capstan::storage::make_info)
