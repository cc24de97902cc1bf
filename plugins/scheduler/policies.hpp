#pragma once
// The in-tree policy plugins (Kubernetes' names and messages). One .cpp per plugin.

#include "framework.hpp"

namespace capstan::scheduler {

// Requests vs allocatable minus requested; scores LeastAllocated (spread) or MostAllocated (pack).
class NodeResourcesFit final : public FilterPlugin, public ScorePlugin {
 public:
  explicit NodeResourcesFit(SchedulerConfig::Scoring scoring = SchedulerConfig::Scoring::kLeastAllocated)
      : scoring_(scoring) {}
  std::string name() const override { return "NodeResourcesFit"; }
  Status filter(const PodInfo& pod, const NodeInfo& node) const override;
  int64_t score(const PodInfo& pod, const NodeInfo& node) const override;

 private:
  SchedulerConfig::Scoring scoring_;
};

class NodeName final : public FilterPlugin {
 public:
  std::string name() const override { return "NodeName"; }
  Status filter(const PodInfo& pod, const NodeInfo& node) const override;
};

class NodeUnschedulable final : public FilterPlugin {
 public:
  std::string name() const override { return "NodeUnschedulable"; }
  Status filter(const PodInfo& pod, const NodeInfo& node) const override;
};

// spec.nodeSelector and required node affinity (filter); preferred node affinity weights (score).
class NodeAffinity final : public FilterPlugin, public ScorePlugin {
 public:
  std::string name() const override { return "NodeAffinity"; }
  Status filter(const PodInfo& pod, const NodeInfo& node) const override;
  int64_t score(const PodInfo& pod, const NodeInfo& node) const override;
  void normalize(const PodInfo& pod, std::vector<int64_t>& scores) const override;
};

// VolumeBinding's filter: a pod whose claims cannot be used yet fits nowhere, and a bound
// PersistentVolume with node affinity restricts the pod to the nodes it matches.
inline constexpr const char* kErrReasonVolumeNodeConflict = "node(s) had volume node affinity conflict";
inline constexpr const char* kErrReasonUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
class VolumeBinding final : public FilterPlugin {
 public:
  std::string name() const override { return "VolumeBinding"; }
  Status filter(const PodInfo& pod, const NodeInfo& node) const override;
};

class TaintToleration final : public FilterPlugin {
 public:
  std::string name() const override { return "TaintToleration"; }
  Status filter(const PodInfo& pod, const NodeInfo& node) const override;
};

// Shared matching helpers (also used by the tests).
bool term_matches(const NodeSelectorTerm& term, const NodeInfo& node);
bool tolerates(const std::vector<Toleration>& tolerations, const Taint& taint);

inline constexpr const char* kErrReasonUnschedulable = "node(s) were unschedulable";
inline constexpr const char* kErrReasonAffinity = "node(s) didn't match Pod's node affinity/selector";
inline constexpr const char* kErrReasonNodeName = "node(s) didn't match the requested node name";

}  // namespace capstan::scheduler
