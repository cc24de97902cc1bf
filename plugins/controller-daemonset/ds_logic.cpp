#include "ds_logic.hpp"

#include <algorithm>

namespace capstan::daemonset {

namespace sch = sdk::scheduling;

std::vector<Toleration> daemon_tolerations(std::vector<Toleration> tolerations, bool host_network) {
  auto add = [&](const char* key, const char* effect) {
    // v1helper.AddOrUpdateTolerationInPodSpec: a toleration equal in key, operator, value and
    // effect is replaced; others are kept.
    Toleration t{key, "Exists", "", effect, std::nullopt};
    for (auto& have : tolerations)
      if (have.key == t.key && have.effect == t.effect && (have.op == t.op) && have.value == t.value) {
        have = t;
        return;
      }
    tolerations.push_back(t);
  };
  add(sch::kTaintNodeNotReady, "NoExecute");
  add(sch::kTaintNodeUnreachable, "NoExecute");
  add(sch::kTaintNodeDiskPressure, "NoSchedule");
  add(sch::kTaintNodeMemoryPressure, "NoSchedule");
  add(sch::kTaintNodePIDPressure, "NoSchedule");
  add(sch::kTaintNodeUnschedulable, "NoSchedule");
  if (host_network) add(sch::kTaintNodeNetworkUnavailable, "NoSchedule");
  return tolerations;
}

ShouldRun node_should_run(const NodeView& node, const PlacementView& p) {
  if (!p.node_name.empty() && p.node_name != node.name) return {};
  if (!p.affinity.matches(node.labels, node.name)) return {};
  auto hard = [](const Taint& t) { return t.effect == "NoSchedule" || t.effect == "NoExecute"; };
  if (!sch::find_untolerated_taint(node.taints, p.tolerations, hard)) return {true, true};
  // An untolerated NoSchedule taint keeps new pods off; only NoExecute evicts running ones.
  auto no_execute = [](const Taint& t) { return t.effect == "NoExecute"; };
  return {false, !sch::find_untolerated_taint(node.taints, p.tolerations, no_execute)};
}

bool is_available(const DaemonPod& p, int32_t min_ready_seconds, int64_t now) {
  if (!p.ready) return false;
  if (min_ready_seconds <= 0) return true;
  return p.ready_since != 0 && p.ready_since + min_ready_seconds <= now;
}

bool is_updated(const DaemonPod& p, const std::string& hash, std::optional<int64_t> generation) {
  if (generation && p.generation == std::to_string(*generation)) return true;
  return !hash.empty() && p.hash == hash;
}

bool older_first(const DaemonPod& a, const DaemonPod& b) {
  if (a.scheduled != b.scheduled) return a.scheduled;
  if (a.created != b.created) return a.created < b.created;
  return a.name < b.name;
}

Plan manage(const std::vector<NodeView>& nodes, const std::map<std::string, ShouldRun>& should,
            const PodsByNode& pods, const std::string& hash, bool surge,
            const std::function<bool(const std::string&)>& in_backoff) {
  Plan plan;
  static const std::vector<DaemonPod> kNone;
  for (const auto& node : nodes) {
    auto s_it = should.find(node.name);
    ShouldRun s = s_it == should.end() ? ShouldRun{} : s_it->second;
    auto p_it = pods.find(node.name);
    const auto& daemon_pods = p_it == pods.end() ? kNone : p_it->second;
    if (s.should_run && daemon_pods.empty()) {
      plan.create_on.push_back(node.name);
    } else if (s.should_continue) {
      std::vector<DaemonPod> running;
      for (const auto& p : daemon_pods) {
        if (p.deleting) continue;
        if (p.phase == "Failed") {
          if (in_backoff && in_backoff(node.name)) {
            plan.wait_failed_backoff = true;
            continue;
          }
          plan.failed.push_back(p);
          plan.remove.push_back(p.name);
        } else if (p.phase == "Succeeded") {
          plan.remove.push_back(p.name);  // a daemon pod must not end: replace it
        } else {
          running.push_back(p);
        }
      }
      if (running.size() <= 1) continue;
      std::sort(running.begin(), running.end(), older_first);
      if (!surge) {
        // More than one: keep the oldest.
        for (size_t i = 1; i < running.size(); ++i) plan.remove.push_back(running[i].name);
        continue;
      }
      // Surging: keep the oldest new pod, and the oldest old pod only while it is ready and the
      // new one is not yet.
      const DaemonPod *oldest_new = nullptr, *oldest_old = nullptr;
      for (const auto& p : running) {
        if (p.hash == hash) {
          if (!oldest_new) {
            oldest_new = &p;
            continue;
          }
        } else if (!oldest_old) {
          oldest_old = &p;
          continue;
        }
        plan.remove.push_back(p.name);
      }
      if (oldest_new && oldest_old && (!oldest_old->ready || oldest_new->ready)) plan.remove.push_back(oldest_old->name);
    } else {
      for (const auto& p : daemon_pods)
        if (!p.deleting) plan.remove.push_back(p.name);
    }
  }
  return plan;
}

int scaled_value(const std::string& value, bool is_percent, int total) {
  int64_t n = 0;
  try {
    n = std::stoll(value);
  } catch (...) {
    return 0;
  }
  if (!is_percent) return static_cast<int>(n);
  return static_cast<int>((n * total + 99) / 100);  // math.Ceil(percent * total / 100)
}

RollingLimits rolling_limits(int desired, int max_unavailable, int max_surge) {
  RollingLimits l{max_unavailable, max_surge};
  if (desired > 0 && l.max_unavailable == 0 && l.max_surge == 0) l.max_unavailable = 1;
  return l;
}

namespace {

// findUpdatedPodsOnNode: the node's one new and one old pod (not being deleted); false when it
// has more than one of either (manage() removes the extra first).
bool updated_pods_on_node(const std::vector<DaemonPod>& pods, const std::string& hash,
                          std::optional<int64_t> generation, const DaemonPod*& new_pod, const DaemonPod*& old_pod) {
  new_pod = old_pod = nullptr;
  for (const auto& p : pods) {
    if (p.deleting) continue;
    if (is_updated(p, hash, generation)) {
      if (new_pod) return false;
      new_pod = &p;
    } else {
      if (old_pod) return false;
      old_pod = &p;
    }
  }
  return true;
}

}  // namespace

Plan rolling_update(const PodsByNode& pods, const std::string& hash, std::optional<int64_t> generation,
                    const RollingLimits& limits,
                    int32_t min_ready_seconds, int64_t now) {
  Plan plan;
  if (limits.max_surge == 0) {
    int unavailable = 0;
    std::vector<std::string> replace_now, candidates;
    for (const auto& [node, list] : pods) {
      const DaemonPod *new_pod, *old_pod;
      if (!updated_pods_on_node(list, hash, generation, new_pod, old_pod)) {
        ++unavailable;  // manage() cleans this node up; it counts as unavailable meanwhile
        continue;
      }
      if ((!old_pod && !new_pod) || (old_pod && new_pod)) {
        ++unavailable;
      } else if (new_pod) {
        if (!is_available(*new_pod, min_ready_seconds, now)) ++unavailable;
      } else if (!is_available(*old_pod, min_ready_seconds, now)) {
        replace_now.push_back(old_pod->name);  // an unavailable old pod costs nothing to replace
      } else if (unavailable < limits.max_unavailable) {
        candidates.push_back(old_pod->name);
      }
    }
    int remaining = std::clamp(limits.max_unavailable - unavailable, 0, static_cast<int>(candidates.size()));
    plan.remove = std::move(replace_now);
    plan.remove.insert(plan.remove.end(), candidates.begin(), candidates.begin() + remaining);
    return plan;
  }
  int surging = 0;
  std::vector<std::string> allowed_new, candidate_new;
  for (const auto& [node, list] : pods) {
    const DaemonPod *new_pod, *old_pod;
    if (!updated_pods_on_node(list, hash, generation, new_pod, old_pod)) {
      ++surging;
      continue;
    }
    if (!old_pod) continue;  // nothing to replace; manage() creates what is missing
    if (!new_pod) {
      if (!is_available(*old_pod, min_ready_seconds, now)) allowed_new.push_back(node);
      else if (surging < limits.max_surge) candidate_new.push_back(node);
      continue;
    }
    // Both: the old pod goes once the new one is available.
    if (!is_available(*new_pod, min_ready_seconds, now)) {
      ++surging;
      continue;
    }
    plan.remove.push_back(old_pod->name);
  }
  int remaining = std::clamp(limits.max_surge - surging, 0, static_cast<int>(candidate_new.size()));
  plan.create_on = std::move(allowed_new);
  plan.create_on.insert(plan.create_on.end(), candidate_new.begin(), candidate_new.begin() + remaining);
  return plan;
}

Counts count_status(const std::vector<NodeView>& nodes, const std::map<std::string, ShouldRun>& should,
                    const PodsByNode& pods, const std::string& hash, std::optional<int64_t> generation,
                    int32_t min_ready_seconds, int64_t now) {
  Counts c;
  for (const auto& node : nodes) {
    auto s_it = should.find(node.name);
    bool run = s_it != should.end() && s_it->second.should_run;
    auto p_it = pods.find(node.name);
    std::vector<DaemonPod> list;
    if (p_it != pods.end())
      for (const auto& p : p_it->second)
        if (!(p.deleting && (p.phase == "Succeeded" || p.phase == "Failed"))) list.push_back(p);
    if (!run) {
      if (!list.empty()) ++c.misscheduled;
      continue;
    }
    ++c.desired;
    if (list.empty()) continue;
    ++c.current;
    std::sort(list.begin(), list.end(), older_first);
    const DaemonPod& pod = list.front();
    if (pod.ready) {
      ++c.ready;
      if (is_available(pod, min_ready_seconds, now)) ++c.available;
    }
    if (is_updated(pod, hash, generation)) ++c.updated;
  }
  c.unavailable = c.desired - c.available;
  return c;
}

}  // namespace capstan::daemonset
