// capstan.controller.v1/namespace
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "capstan/plugin.hpp"
#include "namespace_controller.hpp"

namespace {

capstan::sdk::PluginInfo make_info() {
  capstan::sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "namespace";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.core"};
  info.manifest.description("namespace lifecycle, default service accounts and the kube-root-ca.crt ConfigMaps");
  info.create = [](const capstan::sdk::Host& host, const std::string& config) {
    // The kernel names the cluster CA's certificate (clusterCAFile) on the server.
    std::string ca_pem;
    auto c = nlohmann::json::parse(config.empty() ? "{}" : config, nullptr, false);
    if (c.is_object() && c.contains("clusterCAFile") && c["clusterCAFile"].is_string()) {
      std::ifstream in(c["clusterCAFile"].get<std::string>());
      std::stringstream text;
      text << in.rdbuf();
      ca_pem = text.str();
      if (ca_pem.empty()) host.warn("cannot read the cluster CA " + c["clusterCAFile"].get<std::string>() + ": kube-root-ca.crt is not published");
    }
    return std::make_unique<capstan::controllers::NamespaceController>(host, std::move(ca_pem));
  };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
