#include "cache.hpp"

#include <algorithm>

namespace capstan::scheduler {

SchedulerCache::Slot& SchedulerCache::slot(const std::string& name) {
  auto& s = slots_[name];
  if (!s) {
    s = std::make_unique<Slot>();
    s->info.name = name;
  }
  return *s;
}

void SchedulerCache::account(const std::string& node, const Requests& req, int sign) {
  auto& info = slot(node).info;
  info.requested_cpu_milli += sign * req.cpu_milli;
  info.requested_memory_bytes += sign * req.memory_bytes;
  info.nonzero_requested_cpu_milli += sign * req.nonzero_cpu_milli;
  info.nonzero_requested_memory_bytes += sign * req.nonzero_memory_bytes;
  info.pod_count += sign;
}

void SchedulerCache::maybe_erase(const std::string& name) {
  auto it = slots_.find(name);
  if (it != slots_.end() && !it->second->exists && it->second->info.pod_count == 0) slots_.erase(it);
}

bool SchedulerCache::set_node(NodeInfo node) {
  std::lock_guard l(mu_);
  Slot& s = slot(node.name);
  const NodeInfo& old = s.info;
  const bool changed = !s.exists || old.labels != node.labels || old.unschedulable != node.unschedulable ||
                       old.allocatable_cpu_milli != node.allocatable_cpu_milli ||
                       old.allocatable_memory_bytes != node.allocatable_memory_bytes ||
                       old.allocatable_pods != node.allocatable_pods || old.taints.size() != node.taints.size() ||
                       !std::equal(old.taints.begin(), old.taints.end(), node.taints.begin(), [](const Taint& a, const Taint& b) {
                         return a.key == b.key && a.value == b.value && a.effect == b.effect;
                       });
  node.requested_cpu_milli = s.info.requested_cpu_milli;
  node.requested_memory_bytes = s.info.requested_memory_bytes;
  node.nonzero_requested_cpu_milli = s.info.nonzero_requested_cpu_milli;
  node.nonzero_requested_memory_bytes = s.info.nonzero_requested_memory_bytes;
  node.pod_count = s.info.pod_count;
  s.info = std::move(node);
  if (!s.exists) {
    s.exists = true;
    s.index = list_.size();
    list_.push_back(&s.info);
  }
  return changed;
}

void SchedulerCache::remove_node(const std::string& name) {
  std::lock_guard l(mu_);
  auto it = slots_.find(name);
  if (it == slots_.end() || !it->second->exists) return;
  Slot& s = *it->second;
  // Swap-remove from the list, fixing the index of the node moved into the hole.
  NodeInfo* last = list_.back();
  list_[s.index] = last;
  slots_.at(last->name)->index = s.index;
  list_.pop_back();
  s.exists = false;
  maybe_erase(name);
}

void SchedulerCache::add_pod_locked(const std::string& pod_key, const std::string& node, const Requests& req,
                                    bool assumed) {
  auto it = pods_.find(pod_key);
  if (it != pods_.end()) {
    if (assumed && !it->second.assumed) return;  // already confirmed: an assumption adds nothing
    remove_pod_locked(pod_key);
  }
  account(node, req, +1);
  pods_.emplace(pod_key, PodEntry{node, req, assumed});
}

void SchedulerCache::remove_pod_locked(const std::string& pod_key) {
  auto it = pods_.find(pod_key);
  if (it == pods_.end()) return;
  const std::string node = it->second.node;
  account(node, it->second.req, -1);
  pods_.erase(it);
  maybe_erase(node);
}

void SchedulerCache::assume(const Lock&, const std::string& pod_key, const std::string& node, const Requests& req) {
  add_pod_locked(pod_key, node, req, true);
}

void SchedulerCache::add_pod(const std::string& pod_key, const std::string& node, const Requests& req) {
  std::lock_guard l(mu_);
  add_pod_locked(pod_key, node, req, false);
}

void SchedulerCache::remove_pod(const std::string& pod_key) {
  std::lock_guard l(mu_);
  remove_pod_locked(pod_key);
}

void SchedulerCache::forget(const std::string& pod_key) {
  std::lock_guard l(mu_);
  auto it = pods_.find(pod_key);
  if (it != pods_.end() && it->second.assumed) remove_pod_locked(pod_key);
}

bool SchedulerCache::is_assumed(const std::string& pod_key) const {
  std::lock_guard l(mu_);
  auto it = pods_.find(pod_key);
  return it != pods_.end() && it->second.assumed;
}

bool SchedulerCache::has_pod(const std::string& pod_key) const {
  std::lock_guard l(mu_);
  return pods_.count(pod_key) != 0;
}

bool SchedulerCache::get_node(const std::string& name, NodeInfo& out) const {
  std::lock_guard l(mu_);
  auto it = slots_.find(name);
  if (it == slots_.end()) return false;
  out = it->second->info;
  return true;
}

size_t SchedulerCache::node_count() const {
  std::lock_guard l(mu_);
  return list_.size();
}

}  // namespace capstan::scheduler
