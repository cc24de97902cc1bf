// A well-formed plugin built the ordinary way, with the SDK's CAPSTAN_PLUGIN macro.
#include "capstan/plugin.hpp"

namespace {

capstan::sdk::PluginInfo make_info() {
  capstan::sdk::PluginInfo info;
  info.type = "capstan.test.v1";
  info.id = "good";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.manifest.description("ABI test: a good plugin");
  info.create = [](const capstan::sdk::Host&, const std::string&) { return std::make_unique<capstan::sdk::Plugin>(); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
