#pragma once
// PodDisruptionBudget arithmetic as kube-controller-manager's disruption controller and
// kube-apiserver's eviction handler do it: which pods a budget selects, expected / desired /
// current healthy pods and the disruptions allowed, the DisruptionAllowed condition, and whether
// an eviction may go ahead (with upstream's 429 message and DisruptionBudget cause).
#include <optional>
#include <string>
#include <vector>

#include "capstan/core_v1.capnp.h"
#include "capstan/policy_v1.capnp.h"

namespace capstan::policy {

inline constexpr const char* kEvictionViolation = "Cannot evict pod as it would violate the pod's disruption budget.";
inline constexpr int64_t kDeletionTimeoutSeconds = 120;  // disruptedPods entries older than this are dropped

bool pod_ready(core::v1::Pod::Reader pod);
// canIgnorePDB: a pod being deleted, or Succeeded, Failed or Pending, is evicted without a budget.
bool can_ignore_budget(core::v1::Pod::Reader pod);
// A budget selects pods of its namespace whose labels its (non-null) selector matches.
bool budget_selects(policy::v1::PodDisruptionBudget::Reader pdb, core::v1::Pod::Reader pod);

struct EvictionVerdict {
  bool allowed = true;
  bool decrement = false;  // take one disruption from the budget (healthy pod evicted)
  int code = 200;
  std::string reason, message, cause;
};
EvictionVerdict decide_eviction(size_t matching_budgets, policy::v1::PodDisruptionBudget::Reader pdb,
                                core::v1::Pod::Reader pod);
// Decrements disruptionsAllowed (DisruptionAllowed turns False at 0) and records the pod in
// disruptedPods at `now`.
void record_disruption(policy::v1::PodDisruptionBudget::Builder pdb, const std::string& pod, int64_t now);

// The budget's numbers. `scale` is the summed replicas of the pods' controllers (needed for
// maxUnavailable and a percentage minAvailable; nullopt when a pod has no controller with a scale).
struct BudgetPod {
  std::string name;
  bool ready = false, deleting = false;
};
struct BudgetNumbers {
  int32_t expected = 0, desired = 0, current = 0, allowed = 0;
  std::string error;  // set: the controller could not compute (fail safe: nothing allowed)
};
BudgetNumbers budget_numbers(policy::v1::PodDisruptionBudget::Reader pdb, const std::vector<BudgetPod>& pods,
                             std::optional<int32_t> scale, int64_t now);
// Writes status (observedGeneration, counts, disruptedPods pruned, DisruptionAllowed condition)
// into a copy of the budget; returns whether anything changed.
bool write_budget_status(policy::v1::PodDisruptionBudget::Builder pdb, const BudgetNumbers& n,
                         const std::vector<BudgetPod>& pods, int64_t now);

// GetScaledValueFromIntOrPercent with rounding up; nullopt for a malformed percentage.
std::optional<int32_t> scaled_value(k8s::IntOrString::Reader v, int32_t total, bool round_up);

}  // namespace capstan::policy
