// capstan.controller.v1/horizontal-pod-autoscaler: the plugin entry of the HPA controller.
#include "hpa_controller.hpp"

namespace capstan::hpa {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "horizontal-pod-autoscaler";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.autoscaling", "capstan.kind.v1.workloads", "capstan.kind.v1.metrics"};
  info.manifest.description("HorizontalPodAutoscaler controller: scales targets from their pods' resource usage");
  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<HpaController>(host); };
  return info;
}

}  // namespace
}  // namespace capstan::hpa

CAPSTAN_PLUGIN(capstan::hpa::make_info)
