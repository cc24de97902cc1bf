#pragma once
// Namespace lifecycle: initial namespaces, the default ServiceAccount, emptying a Terminating
// namespace before releasing it, and (given the cluster CA) the kube-root-ca.crt ConfigMap in
// each namespace (root_ca_publisher.hpp).

#include <memory>

#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "root_ca_publisher.hpp"

namespace capstan::controllers {

class NamespaceController final : public sdk::Plugin {
 public:
  // `ca_pem`: the cluster CA's certificate to publish; empty publishes none.
  explicit NamespaceController(const sdk::Host& host, std::string ca_pem = "");
  void start() override;
  void stop() override;

 private:
  sdk::ReconcileResult reconcile(const std::string& name);
  sdk::ReconcileResult finalize(const std::string& name);
  void ensure_namespace(const std::string& name);
  void ensure_default_service_account(const std::string& ns);

  const sdk::Host& host_;
  sdk::Client client_;
  sdk::Informer namespaces_;
  std::unique_ptr<sdk::Controller> controller_;
  std::unique_ptr<RootCaPublisher> root_ca_;
};

}  // namespace capstan::controllers
