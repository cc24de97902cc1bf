// capstan.controller.v1/namespace
#include "capstan/plugin.hpp"
#include "namespace_controller.hpp"

namespace {

capstan::sdk::PluginInfo make_info() {
  capstan::sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "namespace";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.core"};
  info.manifest.description("namespace lifecycle and default service accounts");
  info.create = [](const capstan::sdk::Host& host, const std::string&) {
    return std::make_unique<capstan::controllers::NamespaceController>(host);
  };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
