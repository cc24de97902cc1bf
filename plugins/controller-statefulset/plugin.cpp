// capstan.controller.v1/statefulset: the plugin entry of the StatefulSet controller.
#include "statefulset_controller.hpp"

namespace capstan::statefulset {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "statefulset";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.workloads", "capstan.kind.v1.storage"};
  info.manifest.description("StatefulSet controller: ordered pods with stable names, hostnames and claims");
  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<StatefulSetController>(host); };
  return info;
}

}  // namespace
}  // namespace capstan::statefulset

CAPSTAN_PLUGIN(capstan::statefulset::make_info)
