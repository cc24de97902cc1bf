#pragma once
// The admission hooks of capstan.kind.v1.policy, for writes of kinds it does not own:
//  - "limitranger" (mutating; pods and persistentvolumeclaims, CREATE): the namespace's
//    LimitRanges default containers' requests and limits and refuse what breaks min, max or
//    maxLimitRequestRatio, as kube-apiserver's LimitRanger;
//  - "resourcequota" (validating; every resource, CREATE): charges the namespace's
//    ResourceQuotas, as kube-apiserver's ResourceQuota plugin (see quota_ledger.hpp and
//    docs/policy.md for how a charge is atomic with the write);
//  - "poddisruptionbudget" (validating; pods/eviction): refuses an eviction that would break the
//    pod's PodDisruptionBudget with 429, and takes one disruption from the budget otherwise, as
//    the eviction REST handler does.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "capstan/client.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "quota_ledger.hpp"
#include "quota_logic.hpp"

namespace capstan::policy {

inline const sdk::Resource kLimitRangesResource{"", "v1", "limitranges"};
inline const sdk::Resource kResourceQuotasResource{"", "v1", "resourcequotas"};
inline const sdk::Resource kPodDisruptionBudgetsResource{"policy", "v1", "poddisruptionbudgets"};

class PolicyAdmission {
 public:
  // `quotas` (an informer of every ResourceQuota) tells cheaply whether a namespace has any.
  PolicyAdmission(const sdk::Client& client, QuotaLedger& ledger, const sdk::Informer* quotas)
      : client_(client), ledger_(ledger), quotas_(quotas) {}

  sdk::AdmissionResult limit_ranger(const sdk::AdmissionRequest& req) const;
  sdk::AdmissionResult resource_quota(const sdk::AdmissionRequest& req) const;
  sdk::AdmissionResult eviction(const sdk::AdmissionRequest& req) const;

 private:
  // One create waiting to be charged, and its answer.
  struct QuotaWork {
    sdk::Resource resource;
    std::string name;
    std::optional<PodFacts> pod;
    ResourceList delta;
    bool dry_run = false;
    bool done = false;
    sdk::AdmissionResult result;
  };
  struct NamespaceQueue {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<QuotaWork*> pending;
    bool busy = false;  // a batch of this namespace is being charged
  };
  NamespaceQueue& queue(const std::string& ns) const;
  // Checks and charges a batch against the namespace's quotas (a live read), under the ledger's
  // namespace mutex; sets each work's result.
  void charge_batch(const std::string& ns, const std::vector<QuotaWork*>& batch) const;

  const sdk::Client& client_;
  QuotaLedger& ledger_;
  const sdk::Informer* quotas_;
  mutable std::mutex queues_mu_;
  mutable std::map<std::string, std::unique_ptr<NamespaceQueue>> queues_;
};

// kube-apiserver's Forbidden: `<resource>[.<group>] "<name>" is forbidden: <message>`, 403.
sdk::AdmissionResult forbidden(const sdk::Resource& r, const std::string& name, const std::string& message);
// The key the quota ledger knows an object by: "<resource>[.<group>]/<name>".
std::string object_key(const std::string& group, const std::string& resource, const std::string& name);

}  // namespace capstan::policy
