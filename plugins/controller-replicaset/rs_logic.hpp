#pragma once
// Pure decision logic of the ReplicaSet controller (no I/O): pod classification, how many pods
// to create or delete, which pods to delete first. (client-go's ControllerExpectations is the
// SDK's sdk::Expectations, capstan/expectations.hpp.)
#include <algorithm>
#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <vector>


namespace capstan::replicaset {

using Labels = std::map<std::string, std::string>;

// What the controller needs to know about one pod.
struct PodInfo {
  std::string name;
  std::string uid;
  Labels labels;
  int64_t created = 0;        // creationTimestamp (seconds)
  std::string node_name;      // spec.nodeName
  std::string phase;          // status.phase
  bool ready = false;         // condition Ready=True
  int64_t ready_since = 0;    // lastTransitionTime of Ready (0 = unknown)
  bool deleting = false;      // deletionTimestamp set
  std::string controller_uid; // uid of the controlling ownerReference ("" = orphan)
};

// Active pods count towards replicas: not being deleted, not finished.
inline bool is_active(const PodInfo& p) {
  return !p.deleting && p.phase != "Succeeded" && p.phase != "Failed";
}

// Available: ready for at least minReadySeconds (a ready pod with an unknown start counts when
// minReadySeconds is 0 only).
inline bool is_available(const PodInfo& p, int32_t min_ready_seconds, int64_t now) {
  if (!p.ready) return false;
  if (min_ready_seconds <= 0) return true;
  if (p.ready_since == 0) return false;
  return p.ready_since + min_ready_seconds <= now;
}

// Seconds until a ready pod becomes available (0 when it already is or never will by waiting).
inline int64_t seconds_until_available(const PodInfo& p, int32_t min_ready_seconds, int64_t now) {
  if (!p.ready || min_ready_seconds <= 0 || p.ready_since == 0) return 0;
  int64_t at = p.ready_since + min_ready_seconds;
  return at > now ? at - now : 0;
}

// Whether every label of `want` is present with the same value in `have`.
inline bool labels_superset(const Labels& have, const Labels& want) {
  for (const auto& [k, v] : want) {
    auto it = have.find(k);
    if (it == have.end() || it->second != v) return false;
  }
  return true;
}

// Positive: pods to create; negative: pods to delete. Creations per sync are capped (burst).
inline int replica_diff(int desired, int active, int burst = 500) {
  int diff = desired - active;
  if (diff > burst) return burst;
  if (diff < -burst) return -burst;
  return diff;
}

// client-go's ActivePods ordering: the pods to delete first come first. Unassigned before
// assigned; Pending before Unknown before Running; not ready before ready; ready for less time
// before longer; newer before older.
inline bool delete_before(const PodInfo& a, const PodInfo& b) {
  bool a_assigned = !a.node_name.empty(), b_assigned = !b.node_name.empty();
  if (a_assigned != b_assigned) return !a_assigned;
  auto rank = [](const std::string& phase) { return phase == "Pending" ? 0 : phase == "Unknown" ? 1 : phase == "Running" ? 2 : 0; };
  if (rank(a.phase) != rank(b.phase)) return rank(a.phase) < rank(b.phase);
  if (a.ready != b.ready) return !a.ready;
  if (a.ready && b.ready && a.ready_since != b.ready_since) return a.ready_since > b.ready_since;
  if (a.created != b.created) return a.created > b.created;
  return a.name > b.name;
}

inline std::vector<PodInfo> pods_to_delete(std::vector<PodInfo> pods, size_t n) {
  std::sort(pods.begin(), pods.end(), delete_before);
  if (pods.size() > n) pods.resize(n);
  return pods;
}

// The status counters of a ReplicaSet computed from its active, owned pods.
struct RsCounts {
  int replicas = 0, fully_labeled = 0, ready = 0, available = 0;
  int64_t recheck_in = 0;  // seconds until some ready pod becomes available (0 = none)
  bool operator==(const RsCounts&) const = default;
};

inline RsCounts count_pods(const std::vector<PodInfo>& owned_active, const Labels& template_labels,
                           int32_t min_ready_seconds, int64_t now) {
  RsCounts c;
  for (const auto& p : owned_active) {
    ++c.replicas;
    if (labels_superset(p.labels, template_labels)) ++c.fully_labeled;
    if (p.ready) ++c.ready;
    if (is_available(p, min_ready_seconds, now)) ++c.available;
    int64_t w = seconds_until_available(p, min_ready_seconds, now);
    if (w > 0 && (c.recheck_in == 0 || w < c.recheck_in)) c.recheck_in = w;
  }
  return c;
}

}  // namespace capstan::replicaset
