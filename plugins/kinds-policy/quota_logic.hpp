#pragma once
// The ResourceQuota evaluators of k8s.io/kubernetes pkg/quota/v1/evaluator/core, as pure
// functions: what a pod, a service, a claim or any other object counts against a quota, whether a
// quota's scopes select a pod, the "must specify" constraint on quotas of cpu and memory, and the
// admission check (plugin/pkg/admission/resourcequota/controller.go checkRequest) with its
// messages byte for byte.
#include <optional>
#include <string>
#include <vector>

#include "limit_ranger.hpp"
#include "resource_list.hpp"

namespace capstan::policy {

struct PodFacts {
  PodResources resources;      // requests already defaulted from limits
  std::string phase;           // status.phase
  bool active_deadline = false;  // spec.activeDeadlineSeconds set and >= 0
  bool deleted_past_grace = false;  // deletionTimestamp + grace period is past
  std::string priority_class;
};

struct ScopeRequirement {
  std::string scope, op;  // op: In, NotIn, Exists, DoesNotExist ("Exists" for spec.scopes)
  std::vector<std::string> values;
};

struct QuotaFacts {
  std::string name;
  ResourceList spec_hard, hard, used;  // hard/used: status
  std::vector<ScopeRequirement> scopes;  // spec.scopes and spec.scopeSelector together
};

// QuotaV1Pod: a pod that is not terminal (and not deleted past its grace period) uses compute
// resources; every pod counts against count/pods.
bool pod_counts_for_compute(const PodFacts& pod);
// PodUsageFunc: count/pods always; pods, cpu, requests.*, limits.* ... while it is live.
ResourceList pod_usage(const PodFacts& pod);
// podComputeUsageHelper: the quota names of a set of requests and limits (plus pods = 1).
ResourceList compute_usage(const ResourceList& requests, const ResourceList& limits);
bool pod_best_effort(const PodResources& pod);
// Whether every scope of the quota selects the pod. Objects other than pods match only quotas
// without scopes (pod is nullptr then).
bool quota_matches(const QuotaFacts& q, const PodFacts* pod);

// The names a quota tracks for an object of group/resource (pods know their compute names).
bool tracks(const std::string& group, const std::string& resource, const std::string& name);
// count/<resource>[.<group>], and the legacy name (services, configmaps, secrets,
// persistentvolumeclaims, replicationcontrollers, resourcequotas) for core ones.
ResourceList object_count_usage(const std::string& group, const std::string& resource);
// persistentvolumeclaims' extra: requests.storage and the storage class' names.
ResourceList claim_usage(const ResourceList& requests, const std::string& storage_class);
// services' extra: services.loadbalancers, services.nodeports.
ResourceList service_usage(const std::string& type, int node_ports);

// podEvaluator.Constraints: "" or "must specify limits.cpu for: a,b; requests.memory for: c".
std::string pod_constraints(const std::vector<std::string>& hard_names, const PodResources& pod);

// hasUsageStats: every status.hard name has a status.used entry.
bool has_usage_stats(const QuotaFacts& q);

// checkRequest for one quota: the new status.used, or the error message in `error`.
std::optional<ResourceList> charge(const QuotaFacts& q, const ResourceList& delta, std::string& error);

}  // namespace capstan::policy
