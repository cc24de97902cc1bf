#pragma once
// The scheduler's cache: one NodeInfo per node, kept incrementally from informer events, with
// the requests of the pods assigned to each node summed in. A pod the scheduler has just bound is
// *assumed* onto its node at once, so the next pod already sees the slot taken even though the
// informer has not yet reported the binding; the informer's event later confirms it.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "framework.hpp"

namespace capstan::scheduler {

class SchedulerCache {
 public:
  using Lock = std::unique_lock<std::mutex>;

  // Taken by the scheduling cycle for filter + score + assume; informer updates wait meanwhile.
  Lock lock() const { return Lock(mu_); }
  // The nodes that exist (not those only known from pods bound to them). Valid while locked.
  const std::vector<NodeInfo*>& nodes(const Lock&) const { return list_; }
  // Assumes pod_key onto node (the caller holds the lock of the cycle that chose it).
  void assume(const Lock&, const std::string& pod_key, const std::string& node, const Requests& req);

  // Node events: properties replaced, requested sums kept. True when the node is new or something
  // that filters look at changed (labels, taints, unschedulable, allocatable), not a heartbeat.
  bool set_node(NodeInfo node);
  void remove_node(const std::string& name);

  // Pod events for pods with spec.nodeName (and not terminated). Idempotent; confirms an assumption.
  void add_pod(const std::string& pod_key, const std::string& node, const Requests& req);
  void remove_pod(const std::string& pod_key);
  // Drops an assumption (binding failed); a pod the informer already confirmed stays.
  void forget(const std::string& pod_key);
  bool is_assumed(const std::string& pod_key) const;
  // Whether the pod is accounted on some node (assumed or confirmed).
  bool has_pod(const std::string& pod_key) const;

  // For tests and diagnostics: a copy of one node's view.
  bool get_node(const std::string& name, NodeInfo& out) const;
  size_t node_count() const;

 private:
  struct Slot {
    NodeInfo info;
    bool exists = false;  // the Node object exists (else only pods point here)
    size_t index = 0;     // in list_, when exists
  };
  struct PodEntry {
    std::string node;
    Requests req;
    bool assumed = false;
  };
  Slot& slot(const std::string& name);
  void account(const std::string& node, const Requests& req, int sign);
  void add_pod_locked(const std::string& pod_key, const std::string& node, const Requests& req, bool assumed);
  void remove_pod_locked(const std::string& pod_key);
  void maybe_erase(const std::string& name);

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Slot>> slots_;
  std::vector<NodeInfo*> list_;
  std::unordered_map<std::string, PodEntry> pods_;
};

}  // namespace capstan::scheduler
