// capstan.runtime.v1/sim: the simulated container runtime (see sim_runtime.hpp).
#include "capstan/plugin.hpp"
#include "sim_runtime.hpp"

namespace {

class SimRuntimePlugin final : public capstan::sdk::Plugin {
 public:
  std::string invoke(const std::string& request) override { return runtime_.handle(request); }

 private:
  capstan::runtime_sim::SimRuntime runtime_;
};

capstan::sdk::PluginInfo make_info() {
  capstan::sdk::PluginInfo info;
  info.type = "capstan.runtime.v1";
  info.id = "sim";
  info.roles = CAPSTAN_ROLE_AGENT;
  info.manifest.description("simulated container runtime: sandboxes and containers in memory");
  info.create = [](const capstan::sdk::Host&, const std::string&) { return std::make_unique<SimRuntimePlugin>(); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
