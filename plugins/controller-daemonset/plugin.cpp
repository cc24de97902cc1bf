// capstan.controller.v1/daemonset: the plugin entry of the DaemonSet controller.
#include "daemonset_controller.hpp"

namespace capstan::daemonset {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "daemonset";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.workloads"};
  info.manifest.description("DaemonSet controller: runs one daemon pod on every eligible node");
  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<DaemonSetController>(host); };
  return info;
}

}  // namespace
}  // namespace capstan::daemonset

CAPSTAN_PLUGIN(capstan::daemonset::make_info)
