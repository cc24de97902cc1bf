// capstan.controller.v1/deployment: the plugin entry of the Deployment controller.
#include "deployment_controller.hpp"

namespace capstan::deployment {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "deployment";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.workloads"};
  info.manifest.description("Deployment controller: rolling updates and rollbacks through ReplicaSets");
  info.create = [](const sdk::Host& host, const std::string&) { return make_controller(host); };
  return info;
}

}  // namespace
}  // namespace capstan::deployment

CAPSTAN_PLUGIN(capstan::deployment::make_info)
