#pragma once
// The two controllers of capstan.kind.v1.policy:
//  - resourcequota: keeps each ResourceQuota's status (hard = spec.hard, used recalculated from
//    the store: pods by scope, objects counted by resource, claims' storage), on changes of
//    quotas, on pods, services, claims, config maps and secrets leaving, and every 30 s, as
//    kube-controller-manager's resource quota controller. It recalculates under the namespace's
//    ledger mutex and adds the charges still in flight (quota_ledger.hpp).
//  - disruption: keeps each PodDisruptionBudget's status (expectedPods, desiredHealthy,
//    currentHealthy, disruptionsAllowed, disruptedPods, DisruptionAllowed condition), as the
//    disruption controller.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/informer.hpp"
#include "quota_ledger.hpp"

namespace capstan::policy {

class PolicyControllers {
 public:
  PolicyControllers(const sdk::Host& host, const sdk::Client& client, QuotaLedger& ledger);
  ~PolicyControllers();
  void start();
  void stop();
  const sdk::Informer& quotas() const { return quotas_; }

  sdk::ReconcileResult sync_quota(const std::string& key);
  sdk::ReconcileResult sync_budget(const std::string& key);

 private:
  void enqueue_quotas(const std::string& ns);
  void enqueue_budgets(const std::string& ns);
  // The version a group serves (from the kernel's kinds), "" when unknown.
  std::string version_of(const std::string& group, const std::string& resource);

  const sdk::Host& host_;
  const sdk::Client& client_;
  QuotaLedger& ledger_;
  sdk::Informer quotas_, budgets_, pods_, services_, claims_, configmaps_, secrets_;
  std::unique_ptr<sdk::Controller> quota_controller_, budget_controller_;
  std::mutex versions_mu_;
  std::map<std::string, std::string> versions_;  // "<resource>.<group>" -> version
};

}  // namespace capstan::policy
