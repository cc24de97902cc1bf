// The node agent's plugin entry point (the agent itself is node_agent_core, shared with the tests).
#include "node_agent.hpp"

namespace capstan::agent {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.agent.v1";
  info.id = "node-agent";
  info.roles = CAPSTAN_ROLE_AGENT;
  info.dependencies = {"capstan.kind.v1.workloads", "capstan.runtime.v1.*"};
  info.manifest.description("node agent: registers the node, heartbeats, runs its pods through capstan.runtime.v1");
  info.create = [](const sdk::Host& host, const std::string& config) {
    return std::make_unique<NodeAgent>(host, config);
  };
  return info;
}

}  // namespace
}  // namespace capstan::agent

CAPSTAN_PLUGIN(capstan::agent::make_info)
