#pragma once
// Pure decision logic of the Deployment controller (no I/O), after kubernetes/pkg/controller/
// deployment: surge/unavailable arithmetic, rolling-update steps, template hash, revisions and
// history pruning.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "capstan/hash.hpp"

namespace capstan::deployment {

struct IntOrStr {
  bool is_str = false;
  int32_t i = 0;
  std::string s;
};

// intstr.GetScaledValueFromIntOrPercent: "25%" of total, rounded up or down; a plain int as is.
// Returns -1 for an invalid value.
inline int scaled_value(const IntOrStr& v, int total, bool round_up) {
  if (!v.is_str) return v.i;
  if (v.s.empty() || v.s.back() != '%') {
    try { return std::stoi(v.s); } catch (...) { return -1; }
  }
  int pct = 0;
  try { pct = std::stoi(v.s.substr(0, v.s.size() - 1)); } catch (...) { return -1; }
  double x = static_cast<double>(pct) * total / 100.0;
  return static_cast<int>(round_up ? std::ceil(x) : std::floor(x));
}

// deploymentutil.ResolveFenceposts: surge rounds up, unavailable down; both 0 -> unavailable 1.
inline std::pair<int, int> resolve_fenceposts(const IntOrStr& max_surge, const IntOrStr& max_unavailable, int desired) {
  int surge = std::max(0, scaled_value(max_surge, desired, true));
  int unavailable = std::max(0, scaled_value(max_unavailable, desired, false));
  if (surge == 0 && unavailable == 0) unavailable = 1;
  return {surge, unavailable};
}

// The hashing is the SDK's (capstan/hash.hpp), shared with the DaemonSet controller.
using sdk::fnv32a;
using sdk::safe_encode;

// The pod-template-hash of canonical template bytes: SafeEncodeString(fmt.Sprint(fnv32a)).
inline std::string template_hash(const std::string& canonical_bytes) { return sdk::compute_hash(canonical_bytes); }

// One ReplicaSet of a deployment as the decisions need it.
struct RsInfo {
  std::string name;
  int spec_replicas = 0;    // spec.replicas
  int status_replicas = 0;  // status.replicas (pods that exist)
  int ready = 0;
  int available = 0;
  int64_t revision = 0;
  int64_t created = 0;
};

inline int64_t max_revision(const std::vector<RsInfo>& rss) {
  int64_t m = 0;
  for (const auto& r : rss) m = std::max(m, r.revision);
  return m;
}

// The revision the new ReplicaSet gets: one more than every old one (on rollback the old RS
// that matches the template again becomes the new one and gets this number).
inline int64_t next_revision(const std::vector<RsInfo>& old_rss) { return max_revision(old_rss) + 1; }

inline int spec_sum(const std::vector<RsInfo>& rss) {
  int s = 0;
  for (const auto& r : rss) s += r.spec_replicas;
  return s;
}

// deploymentutil.NewRSNewReplicas (RollingUpdate): the new RS's replicas this step.
// all_spec: sum of spec.replicas over every RS, the new one included.
inline int new_rs_new_replicas(int desired, int max_surge, int all_spec, int new_spec) {
  if (new_spec >= desired) return desired;  // scale down (or keep) to desired
  int max_total = desired + max_surge;
  if (all_spec >= max_total) return new_spec;
  int scale_up = max_total - all_spec;
  return new_spec + std::min(scale_up, desired - new_spec);
}

// reconcileOldReplicaSets (RollingUpdate): the new spec.replicas of each old RS (given oldest
// first). Unhealthy old replicas are cleaned up first, then available ones scaled down while at
// least desired - maxUnavailable pods stay available.
inline std::vector<int> old_rs_replicas(const std::vector<RsInfo>& olds, const RsInfo* new_rs, int desired,
                                        int max_unavailable) {
  std::vector<int> out;
  for (const auto& r : olds) out.push_back(r.spec_replicas);
  int old_total = spec_sum(olds);
  if (old_total == 0) return out;
  int all_total = old_total + (new_rs ? new_rs->spec_replicas : 0);
  int min_available = desired - max_unavailable;
  int new_unavailable = new_rs ? std::max(0, new_rs->spec_replicas - new_rs->available) : 0;
  int max_scaled_down = all_total - min_available - new_unavailable;
  if (max_scaled_down <= 0) return out;
  // Clean up unhealthy replicas (spec - available) of old RSs, oldest first.
  int cleaned = 0;
  for (size_t i = 0; i < olds.size() && cleaned < max_scaled_down; ++i) {
    if (out[i] == 0) continue;
    int unhealthy = out[i] - std::min(out[i], olds[i].available);
    if (unhealthy <= 0) continue;
    int n = std::min(unhealthy, max_scaled_down - cleaned);
    out[i] -= n;
    cleaned += n;
  }
  // Scale down available old replicas while enough stay available.
  int available = (new_rs ? new_rs->available : 0);
  for (size_t i = 0; i < olds.size(); ++i) available += std::min(olds[i].available, out[i]);
  int total_scale_down = std::min(available - min_available, max_scaled_down - cleaned);
  for (size_t i = 0; i < olds.size() && total_scale_down > 0; ++i) {
    int n = std::min(out[i], total_scale_down);
    out[i] -= n;
    total_scale_down -= n;
  }
  return out;
}

// Old RSs to delete beyond revisionHistoryLimit: only those fully scaled down, oldest revision
// first.
inline std::vector<std::string> history_to_prune(std::vector<RsInfo> olds, int limit) {
  std::vector<std::string> out;
  if (limit < 0) return out;
  int excess = static_cast<int>(olds.size()) - limit;
  if (excess <= 0) return out;
  std::sort(olds.begin(), olds.end(), [](const RsInfo& a, const RsInfo& b) {
    return a.revision != b.revision ? a.revision < b.revision : a.created < b.created;
  });
  for (int i = 0; i < excess; ++i)
    if (olds[i].spec_replicas == 0 && olds[i].status_replicas == 0) out.push_back(olds[i].name);
  return out;
}

struct DeploymentCounts {
  int replicas = 0, updated = 0, ready = 0, available = 0, unavailable = 0;
};

inline DeploymentCounts deployment_counts(const std::vector<RsInfo>& all, const RsInfo* new_rs, int desired) {
  DeploymentCounts c;
  for (const auto& r : all) {
    c.replicas += r.status_replicas;
    c.ready += r.ready;
    c.available += r.available;
  }
  if (new_rs) c.updated = new_rs->status_replicas;
  c.unavailable = std::max(0, desired - c.available);
  return c;
}

// deploymentutil.DeploymentComplete.
inline bool deployment_complete(const DeploymentCounts& c, int desired) {
  return c.updated == desired && c.replicas == desired && c.available == desired;
}

}  // namespace capstan::deployment
