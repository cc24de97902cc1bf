// capstan.controller.v1/node-lifecycle: the plugin entry of the node lifecycle controller.
#include "node_lifecycle.hpp"

namespace capstan::lifecycle {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "node-lifecycle";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.workloads"};
  info.manifest.description("node lifecycle: Ready=Unknown, unreachable taint and pod eviction for silent nodes");
  info.create = [](const sdk::Host& host, const std::string& config) { return std::make_unique<NodeLifecycle>(host, Options::parse(config)); };
  return info;
}

}  // namespace
}  // namespace capstan::lifecycle

CAPSTAN_PLUGIN(capstan::lifecycle::make_info)
