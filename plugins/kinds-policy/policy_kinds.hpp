#pragma once
// The kinds of capstan.kind.v1.policy: LimitRange and ResourceQuota (core/v1),
// PodDisruptionBudget (policy/v1) — their defaulting and validation as kube-apiserver's, and the
// cells of kubectl's columns.
#include <string>
#include <vector>

#include "capstan/plugin.hpp"

namespace capstan::policy {

sdk::AdmissionResult admit_limit_range(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_resource_quota(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_pod_disruption_budget(const sdk::AdmissionRequest& req);
std::vector<std::string> print_resource_quota(const sdk::ObjectPtr& obj);  // REQUEST, LIMIT
std::vector<std::string> print_pod_disruption_budget(const sdk::ObjectPtr& obj);  // MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS

}  // namespace capstan::policy
