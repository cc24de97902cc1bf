#pragma once
// capstan.authorizer.v1/rbac: the rbac.authorization.k8s.io/v1 kinds and the authorizer that
// reads them. The kernel asks it about every request it has not decided (system:masters is
// decided by the kernel); it answers from a policy snapshot rebuilt after any change of a role or
// binding. It also keeps the bootstrap policy (bootstrap_policy.hpp) and fills the rules of
// aggregated ClusterRoles (aggregationRule) from the roles their selectors match.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "capstan/client.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "policy_snapshot.hpp"

namespace capstan::rbac {

class RbacPlugin final : public sdk::Plugin {
 public:
  explicit RbacPlugin(const sdk::Host& host);
  ~RbacPlugin() override;

  void start() override;
  void stop() override;
  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override;
  sdk::AuthorizationDecision authorize(const sdk::AuthorizationAttributes& a) override;
  // SelfSubjectRulesReview: the user's rules, split as upstream's ConvertToResourceRules does.
  sdk::AccessRules rules_for(const sdk::UserInfo& user, const std::string& ns) override;

 private:
  std::shared_ptr<const PolicySnapshot> snapshot();
  sdk::AdmissionResult prevent_escalation(const sdk::AdmissionRequest& req);
  void changed();
  void reconcile_bootstrap();
  void aggregate();
  void aggregation_loop();

  const sdk::Host& host_;
  sdk::Client client_;
  sdk::Informer roles_, cluster_roles_, role_bindings_, cluster_role_bindings_;

  std::atomic<uint64_t> generation_{1};
  std::mutex snapshot_mu_;
  std::shared_ptr<const PolicySnapshot> snapshot_;
  uint64_t snapshot_generation_ = 0;

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool aggregate_pending_ = false;
  bool stopping_ = false;
  std::thread loop_;
};

}  // namespace capstan::rbac
