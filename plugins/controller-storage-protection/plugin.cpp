// capstan.controller.v1/storage-protection: the plugin entry of the pvc-protection and
// pv-protection controllers.
#include "protection_controller.hpp"

namespace capstan::storage_protection {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "storage-protection";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.storage", "capstan.kind.v1.workloads"};
  info.manifest.description("pvc-protection and pv-protection: a claim in use by a pod, or a bound volume, stays until freed");
  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<ProtectionController>(host); };
  return info;
}

}  // namespace
}  // namespace capstan::storage_protection

CAPSTAN_PLUGIN(capstan::storage_protection::make_info)
