// capstan.ingress.v1/ingress-nginx: this node's ingress controller. Serves networking.k8s.io/v1
// Ingresses and the Gateway API (gateway.networking.k8s.io/v1 GatewayClass, Gateway, HTTPRoute)
// on one nginx (Debian's package) that it configures, checks, reloads and supervises. See
// README.md and docs/ingress.md.
#include <unistd.h>

#include <memory>

#include "capstan/plugin.hpp"
#include "controller.hpp"
#include "settings.hpp"

namespace {

using namespace capstan;

class IngressNginx final : public sdk::Plugin {
 public:
  IngressNginx(const sdk::Host& host, const std::string& config) : host_(host), settings_(ingress::parse_settings(config)) {}

  void start() override {
    if (access(settings_.nginx.c_str(), X_OK) != 0)
      throw sdk::SkipPlugin("ingress-nginx: " + settings_.nginx + " is not installed (scripts/install-deps.sh installs nginx)");
    if ((settings_.http_port < 1024 || settings_.https_port < 1024) && geteuid() != 0)
      throw sdk::SkipPlugin("ingress-nginx: ports " + std::to_string(settings_.http_port) + "/" +
                            std::to_string(settings_.https_port) + " need root; set httpPort/httpsPort above 1023");
    controller_ = std::make_unique<ingress::Controller>(host_, settings_);
    controller_->start();
  }

  void stop() override {
    if (controller_) controller_->stop();
    controller_.reset();
  }

 private:
  const sdk::Host& host_;
  const ingress::Settings settings_;
  std::unique_ptr<ingress::Controller> controller_;
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.ingress.v1";
  info.id = "ingress-nginx";
  info.roles = CAPSTAN_ROLE_AGENT;
  // The kinds it reads; the Gateway API kinds are used when kinds-gateway runs.
  info.dependencies = {"capstan.kind.v1.network", "capstan.kind.v1.gateway?"};
  info.manifest.description("Ingress and Gateway API on nginx");
  info.create = [](const sdk::Host& host, const std::string& config) {
    return std::make_unique<IngressNginx>(host, config);
  };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
