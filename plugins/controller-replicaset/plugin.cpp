// capstan.controller.v1/replicaset: the plugin entry of the ReplicaSet controller.
#include "replicaset_controller.hpp"

namespace capstan::replicaset {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "replicaset";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.workloads"};
  info.manifest.description("ReplicaSet controller: keeps spec.replicas pods running per ReplicaSet");
  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<ReplicaSetController>(host); };
  return info;
}

}  // namespace
}  // namespace capstan::replicaset

CAPSTAN_PLUGIN(capstan::replicaset::make_info)
