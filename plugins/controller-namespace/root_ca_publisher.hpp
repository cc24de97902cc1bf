#pragma once
// The root CA publisher, as kube-controller-manager's root-ca-cert-publisher: every namespace
// that is not being deleted holds a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the cluster
// CA's certificate, so that pods can verify the API server (the projected kube-api-access volume
// and in-cluster clients read it). A deleted or edited copy is put back.

#include <memory>
#include <string>

#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/informer.hpp"

namespace capstan::controllers {

inline constexpr const char* kRootCaConfigMap = "kube-root-ca.crt";

class RootCaPublisher {
 public:
  // `ca_pem`: the certificate to publish. The host must outlive the publisher.
  RootCaPublisher(const sdk::Host& host, std::string ca_pem);
  void start();
  void stop();

 private:
  sdk::ReconcileResult reconcile(const std::string& key);

  const sdk::Host& host_;
  sdk::Client client_;
  std::string ca_pem_;
  sdk::Informer namespaces_;
  sdk::Informer configmaps_;  // only the kube-root-ca.crt ones (a field selector)
  std::unique_ptr<sdk::Controller> controller_;
};

}  // namespace capstan::controllers
