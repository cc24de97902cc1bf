// capstan.controller.v1/garbage-collector
#include "capstan/plugin.hpp"
#include "garbage_collector.hpp"

namespace {

capstan::sdk::PluginInfo make_info() {
  capstan::sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "garbage-collector";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.*"};
  info.manifest.description("garbage collection of dependents and deletion propagation");
  info.create = [](const capstan::sdk::Host& host, const std::string&) {
    return std::make_unique<capstan::gc::GarbageCollector>(host);
  };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
