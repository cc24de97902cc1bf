#pragma once
// Pure decision logic of the DaemonSet controller (no I/O), after kube-controller-manager's
// pkg/controller/daemon: which nodes should run a daemon pod (NodeShouldRunDaemonPod, with the
// tolerations every daemon pod gets), what to create and delete per node (manage), the rolling
// update's steps under maxUnavailable or maxSurge and the status counters.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "capstan/scheduling.hpp"

namespace capstan::daemonset {

using sdk::scheduling::Labels;
using sdk::scheduling::RequiredNodeAffinity;
using sdk::scheduling::Taint;
using sdk::scheduling::Toleration;

inline constexpr const char* kRevisionHashLabel = "controller-revision-hash";
inline constexpr const char* kTemplateGenerationLabel = "pod-template-generation";
// The template generation kube-apiserver keeps on apps/v1 DaemonSets (1 on create, +1 whenever
// the template changes); pods carry it as pod-template-generation.
inline constexpr const char* kTemplateGenerationAnnotation = "deprecated.daemonset.template.generation";

struct NodeView {
  std::string name;
  Labels labels;
  std::vector<Taint> taints;
};

// The parts of the DaemonSet's pod template that decide placement.
struct PlacementView {
  std::string node_name;                 // template spec.nodeName
  RequiredNodeAffinity affinity;         // nodeSelector + required node affinity
  std::vector<Toleration> tolerations;   // the template's plus daemon_tolerations()
};

// util.AddOrUpdateDaemonPodTolerations: daemon pods tolerate not-ready and unreachable nodes
// (NoExecute, no time limit), disk/memory/pid pressure and unschedulable (NoSchedule), and, with
// hostNetwork, network-unavailable (NoSchedule). Existing tolerations of the same key and effect
// are replaced.
std::vector<Toleration> daemon_tolerations(std::vector<Toleration> tolerations, bool host_network);

struct ShouldRun {
  bool should_run = false;         // a daemon pod should be created here
  bool should_continue = false;    // an existing daemon pod may stay
};
// NodeShouldRunDaemonPod.
ShouldRun node_should_run(const NodeView& node, const PlacementView& placement);

// One daemon pod as the decisions need it.
struct DaemonPod {
  std::string name;
  std::string node;        // target node: spec.nodeName, or the node affinity's metadata.name
  bool scheduled = false;  // spec.nodeName set
  int64_t created = 0;     // creationTimestamp, seconds
  std::string phase;
  bool ready = false;
  int64_t ready_since = 0;
  bool deleting = false;
  std::string hash;        // controller-revision-hash label
  std::string generation;  // pod-template-generation label
};

bool is_available(const DaemonPod& p, int32_t min_ready_seconds, int64_t now);
// util.IsPodUpdated: the pod carries the current revision's hash or the template generation.
bool is_updated(const DaemonPod& p, const std::string& hash, std::optional<int64_t> generation);
// podByCreationTimestampAndPhase: scheduled before unscheduled, then older first, then by name.
bool older_first(const DaemonPod& a, const DaemonPod& b);

using PodsByNode = std::map<std::string, std::vector<DaemonPod>>;

struct Plan {
  std::vector<std::string> create_on;       // node names
  std::vector<std::string> remove;          // pod names
  std::vector<DaemonPod> failed;            // failed pods being removed (FailedDaemonPod events)
  bool wait_failed_backoff = false;         // a failed pod's removal waits for its back-off
};

// Per-node decisions of manage(). `surge`: the update strategy allows surge (then a node may run
// the old and the new pod at once). `in_backoff(node)`: a failed pod on that node was removed
// recently (the back-off of upstream's failedPodsBackoff), so it is not removed again yet.
Plan manage(const std::vector<NodeView>& nodes, const std::map<std::string, ShouldRun>& should,
            const PodsByNode& pods, const std::string& hash, bool surge,
            const std::function<bool(const std::string& node)>& in_backoff = nullptr);

// intstr.GetScaledValueFromIntOrPercent(..., total, roundUp=true). `value` is "N" or "N%".
int scaled_value(const std::string& value, bool is_percent, int total);

struct RollingLimits {
  int max_unavailable = 0, max_surge = 0;
};
// updatedDesiredNodeCounts: both limits scaled against the desired number of nodes; a
// configuration with both zero falls back to maxUnavailable 1.
RollingLimits rolling_limits(int desired, int max_unavailable, int max_surge);

// rollingUpdate: pods to delete and, when surging, nodes that get the new pod beside the old one.
// `pods` holds every node that has daemon pods or should run one (empty list for the latter).
Plan rolling_update(const PodsByNode& pods, const std::string& hash, std::optional<int64_t> generation,
                    const RollingLimits& limits,
                    int32_t min_ready_seconds, int64_t now);

struct Counts {
  int desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0, unavailable = 0;
  bool operator==(const Counts&) const = default;
};
Counts count_status(const std::vector<NodeView>& nodes, const std::map<std::string, ShouldRun>& should,
                    const PodsByNode& pods, const std::string& hash, std::optional<int64_t> generation,
                    int32_t min_ready_seconds, int64_t now);

// The history of revisions (and its cleanup) is the SDK's ControllerHistory.

}  // namespace capstan::daemonset
