#pragma once
// Pure decisions of the StatefulSet controller (no I/O), after kube-controller-manager's
// pkg/controller/statefulset (stateful_set_control.go, stateful_set_utils.go, release-1.33):
// which ordinal each pod holds, what one sync does next under OrderedReady or Parallel, the
// RollingUpdate with partition (highest ordinal first) and OnDelete, and the status counters.
//
// OrderedReady: the pods are created in ordinal order and each next one only once every lower
// one is Running and Ready (and available after minReadySeconds); scale-down removes the highest
// ordinal first, one at a time, and only while the pods below are healthy. Parallel: every
// missing pod is created and every condemned one deleted in the same sync.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace capstan::statefulset {

inline constexpr const char* kPodNameLabel = "statefulset.kubernetes.io/pod-name";
inline constexpr const char* kPodIndexLabel = "apps.kubernetes.io/pod-index";
inline constexpr const char* kRevisionLabel = "controller-revision-hash";

// getParentNameAndOrdinal: `<parent>-<ordinal>` (the regex `(.*)-([0-9]+)$`); nullopt when the
// name is not of that form or the parent is not `set`.
std::optional<int> ordinal_of(const std::string& pod_name, const std::string& set);

// `<template>-<set>-<ordinal>`, the claim of a volumeClaimTemplate for one pod.
std::string claim_name(const std::string& tmpl, const std::string& set, int ordinal);
std::string pod_name(const std::string& set, int ordinal);

struct PodView {
  std::string name;
  int ordinal = 0;
  std::string phase;         // "" while not created
  bool ready = false;        // Ready condition True
  int64_t ready_since = 0;   // its lastTransitionTime, seconds
  bool deleting = false;     // deletionTimestamp set
  std::string revision;      // controller-revision-hash label
};

bool is_running_and_ready(const PodView& p);
// Running and ready for at least minReadySeconds.
bool is_available(const PodView& p, int32_t min_ready_seconds, int64_t now);
bool is_failed(const PodView& p);     // phase Failed
bool is_succeeded(const PodView& p);  // phase Succeeded (a pod that exited is replaced, too)
// isHealthy: running and ready and not being deleted.
bool is_healthy(const PodView& p);

struct SetView {
  int32_t replicas = 1;
  int32_t start = 0;              // spec.ordinals.start
  bool parallel = false;          // podManagementPolicy Parallel
  bool on_delete = false;         // updateStrategy OnDelete
  int32_t partition = 0;          // rollingUpdate.partition
  int32_t min_ready_seconds = 0;
  std::string current_revision;   // status.currentRevision (or the update revision at first)
  std::string update_revision;    // the revision of the current template
  int32_t status_current_replicas = 0;  // status.currentReplicas, for newVersionedStatefulSetPod
};

struct Create {
  int ordinal = 0;
  std::string revision;  // the revision whose template the pod gets
};

struct Step {
  std::vector<Create> create;        // pods to create (their claims first)
  std::vector<std::string> remove;   // pods to delete
  // Why an OrderedReady sync stops early (logged): e.g. "waiting for web-0 to be Running and Ready".
  std::string waiting;
};

// One sync of updateStatefulSet: what to create, what to delete. `pods`: every pod the set owns.
Step plan(const SetView& set, const std::vector<PodView>& pods, int64_t now);

struct Counts {
  int32_t replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
  bool operator==(const Counts&) const = default;
};
Counts count(const SetView& set, const std::vector<PodView>& pods, int64_t now);

// completeRollingUpdate: once a RollingUpdate reached every replica, the update revision becomes
// the current one. Returns the status' currentRevision and currentReplicas.
std::pair<std::string, int32_t> complete_rolling_update(const SetView& set, const Counts& c);

}  // namespace capstan::statefulset
