#pragma once
// The scheduler framework, in the shape of Kubernetes' (k8s.io/kube-scheduler/framework): the
// pre-digested views of a pod (PodInfo) and a node (NodeInfo), the Status a plugin answers with,
// the Filter and Score extension points, and an explicit Registry of the plugins compiled in.
// Everything here is plain C++ (no capnp), so plugins are tested with hand-made fakes.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "capstan/scheduling.hpp"

namespace capstan::scheduler {

// Node selector terms, tolerations and taints are the SDK's views (capstan/scheduling.hpp), which
// the DaemonSet controller and taint eviction share with the scheduler.
using sdk::scheduling::NodeSelectorTerm;
using sdk::scheduling::Requirement;
using sdk::scheduling::Taint;
using sdk::scheduling::Toleration;

struct PreferredTerm {
  int32_t weight = 0;
  NodeSelectorTerm term;
};

// What a pod requests, as the node accounting sums it.
struct Requests {
  int64_t cpu_milli = 0, memory_bytes = 0, nonzero_cpu_milli = 0, nonzero_memory_bytes = 0;
};

// What the scheduler needs to know about a pod, parsed once when the pod is popped.
struct PodInfo {
  std::string ns, name, uid;
  int64_t cpu_milli = 0;      // requests: max(sum of containers, max of initContainers)
  int64_t memory_bytes = 0;
  int64_t nonzero_cpu_milli = 0;   // as above with Kubernetes' scoring defaults for unset requests
  int64_t nonzero_memory_bytes = 0;
  Requests requests() const { return {cpu_milli, memory_bytes, nonzero_cpu_milli, nonzero_memory_bytes}; }
  std::string node_name;      // spec.nodeName (NodeName filter)
  std::map<std::string, std::string> node_selector;
  std::vector<NodeSelectorTerm> required_terms;  // requiredDuringScheduling...nodeSelectorTerms
  bool has_required_affinity = false;            // true even when the term list is empty (matches nothing)
  std::vector<PreferredTerm> preferred_terms;
  std::vector<Toleration> tolerations;
  // VolumeBinding, filled by the scheduler from the pod's claims (pod_info_from leaves it empty):
  std::string volume_error;  // the pod cannot run anywhere yet (claim missing, unbound Immediate claim)
  std::vector<std::vector<NodeSelectorTerm>> volume_affinity;  // per bound PV: one of its terms must match
  std::vector<std::string> delayed_claims;  // unbound WaitForFirstConsumer claims: told the chosen node

  std::string key() const { return ns.empty() ? name : ns + "/" + name; }
};

// A node as the scheduler sees it: its own properties plus the sums of the pods assigned to it
// (bound, or assumed by this scheduler and not yet confirmed by the informer).
struct NodeInfo {
  std::string name;
  std::map<std::string, std::string> labels;
  std::vector<Taint> taints;
  bool unschedulable = false;
  int64_t allocatable_cpu_milli = 0;
  int64_t allocatable_memory_bytes = 0;
  int64_t allocatable_pods = 0;
  int64_t requested_cpu_milli = 0;
  int64_t requested_memory_bytes = 0;
  int64_t nonzero_requested_cpu_milli = 0;
  int64_t nonzero_requested_memory_bytes = 0;
  int64_t pod_count = 0;
};

// A plugin's verdict, as framework.Status.
class Status {
 public:
  enum class Code { kSuccess, kUnschedulable, kUnschedulableAndUnresolvable, kError };

  Status() = default;
  Status(Code code, std::vector<std::string> reasons) : code_(code), reasons_(std::move(reasons)) {}
  static Status success() { return {}; }
  static Status unschedulable(std::string reason) { return {Code::kUnschedulable, {std::move(reason)}}; }
  static Status unresolvable(std::string reason) { return {Code::kUnschedulableAndUnresolvable, {std::move(reason)}}; }
  static Status error(std::string reason) { return {Code::kError, {std::move(reason)}}; }

  bool ok() const { return code_ == Code::kSuccess; }
  Code code() const { return code_; }
  const std::vector<std::string>& reasons() const { return reasons_; }
  std::string message() const;  // reasons joined with ", "

 private:
  Code code_ = Code::kSuccess;
  std::vector<std::string> reasons_;
};

// Filter: may this pod run on this node? Called concurrently for different nodes: no mutable state.
class FilterPlugin {
 public:
  virtual ~FilterPlugin() = default;
  virtual std::string name() const = 0;
  virtual Status filter(const PodInfo& pod, const NodeInfo& node) const = 0;
};

// Score: how good is this (feasible) node, in [0, 100] after normalize().
class ScorePlugin {
 public:
  static constexpr int64_t kMaxNodeScore = 100;
  virtual ~ScorePlugin() = default;
  virtual std::string name() const = 0;
  virtual int64_t score(const PodInfo& pod, const NodeInfo& node) const = 0;
  // NormalizeScore: rescales the raw scores of all feasible nodes (default: unchanged).
  virtual void normalize(const PodInfo&, std::vector<int64_t>&) const {}
};

// Configuration of the profile, from the plugin's JSON config.
struct SchedulerConfig {
  enum class Scoring { kLeastAllocated, kMostAllocated };
  Scoring scoring = Scoring::kLeastAllocated;
  static SchedulerConfig parse(const std::string& json);  // throws std::invalid_argument
};

// The plugins compiled in, by name, with their factories. Built explicitly in code
// (default_registry()), never by global self-registration.
class Registry {
 public:
  using FilterFactory = std::function<std::unique_ptr<FilterPlugin>(const SchedulerConfig&)>;
  using ScoreFactory = std::function<std::unique_ptr<ScorePlugin>(const SchedulerConfig&)>;

  void add_filter(std::string name, FilterFactory factory);
  void add_score(std::string name, ScoreFactory factory);
  std::unique_ptr<FilterPlugin> make_filter(const std::string& name, const SchedulerConfig& config) const;
  std::unique_ptr<ScorePlugin> make_score(const std::string& name, const SchedulerConfig& config) const;

 private:
  std::map<std::string, FilterFactory> filters_;
  std::map<std::string, ScoreFactory> scores_;
};

// The registry of the in-tree policy plugins (policies.hpp).
Registry default_registry();

// A profile: which plugins run, in which order, with which score weights.
struct Profile {
  std::vector<std::string> filters;
  std::vector<std::pair<std::string, int64_t>> scores;  // name, weight
  static Profile default_profile();
};

// The instantiated plugins of one profile and the filter/score steps of a scheduling cycle.
class Framework {
 public:
  Framework(const Registry& registry, const Profile& profile, const SchedulerConfig& config);

  // Runs the filters in order; the first that fails decides.
  Status run_filters(const PodInfo& pod, const NodeInfo& node) const;
  // Weighted sum of normalized scores, one per node of `nodes`.
  std::vector<int64_t> run_scores(const PodInfo& pod, const std::vector<const NodeInfo*>& nodes) const;

  const std::vector<std::unique_ptr<FilterPlugin>>& filters() const { return filters_; }

 private:
  std::vector<std::unique_ptr<FilterPlugin>> filters_;
  std::vector<std::pair<std::unique_ptr<ScorePlugin>, int64_t>> scores_;
};

// The FitError message: "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu."
// reason_counts: how many nodes failed with each reason.
std::string fit_error_message(size_t num_nodes, const std::map<std::string, int>& reason_counts);

}  // namespace capstan::scheduler
