#pragma once
// capstan.admission.v1/pod-security: Pod Security admission, as kube-apiserver's built-in
// PodSecurity plugin. Namespaces choose a level per mode with labels; pods that violate the
// `enforce` level are refused with upstream's 403, those that violate `warn` are admitted with a
// warning. Namespace labels are validated on write.

#include <memory>
#include <optional>
#include <string>

#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "namespace_policy.hpp"

namespace capstan::pod_security {

class PodSecurityPlugin final : public sdk::Plugin {
 public:
  explicit PodSecurityPlugin(const sdk::Host& host);
  void start() override;
  void stop() override;
  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override;

  static constexpr const char* kPodsHook = "pod-security-pods";
  static constexpr const char* kNamespacesHook = "pod-security-namespaces";
  static constexpr const char* kWorkloadsHook = "pod-security-workloads";

 private:
  sdk::AdmissionResult admit_pod(const sdk::AdmissionRequest& req);
  // Workloads: warnings only, at the enforce and warn levels (upstream's EvaluatePodController).
  sdk::AdmissionResult admit_workload(const sdk::AdmissionRequest& req);
  // The namespace's policy (informer cache, else a read); nullopt when it does not exist.
  std::optional<NamespacePolicy> policy_for(const std::string& ns);
  sdk::Client client_;
  std::unique_ptr<sdk::Informer> namespaces_;
};

}  // namespace capstan::pod_security
