// capstan.scheduler.v1/default-scheduler
#include "capstan/plugin.hpp"
#include "scheduler.hpp"

namespace {

capstan::sdk::PluginInfo make_info() {
  capstan::sdk::PluginInfo info;
  info.type = "capstan.scheduler.v1";
  info.id = "default-scheduler";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.workloads"};
  info.manifest.description("default-scheduler: assigns pending pods to nodes (filter, score, bind)");
  info.create = [](const capstan::sdk::Host& host, const std::string& config) {
    return std::make_unique<capstan::scheduler::Scheduler>(host, config);
  };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
