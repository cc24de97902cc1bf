#pragma once
// Namespace lifecycle: initial namespaces, the default ServiceAccount, and emptying a
// Terminating namespace before releasing it.

#include <memory>

#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"

namespace capstan::controllers {

class NamespaceController final : public sdk::Plugin {
 public:
  explicit NamespaceController(const sdk::Host& host);
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
};

}  // namespace capstan::controllers
