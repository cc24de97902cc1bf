#include "sts_logic.hpp"

#include <algorithm>
#include <map>

namespace capstan::statefulset {

std::optional<int> ordinal_of(const std::string& pod_name, const std::string& set) {
  const size_t dash = pod_name.rfind('-');
  if (dash == std::string::npos || dash + 1 >= pod_name.size()) return std::nullopt;
  const std::string digits = pod_name.substr(dash + 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  if (pod_name.compare(0, dash, set) != 0 || dash != set.size()) return std::nullopt;
  if (digits.size() > 9) return std::nullopt;  // strconv.ParseInt into an int32 ordinal
  return std::stoi(digits);
}

std::string claim_name(const std::string& tmpl, const std::string& set, int ordinal) {
  return tmpl + "-" + pod_name(set, ordinal);
}

std::string pod_name(const std::string& set, int ordinal) { return set + "-" + std::to_string(ordinal); }

bool is_running_and_ready(const PodView& p) { return p.phase == "Running" && p.ready; }
bool is_available(const PodView& p, int32_t min_ready_seconds, int64_t now) {
  return is_running_and_ready(p) && (min_ready_seconds <= 0 || p.ready_since + min_ready_seconds <= now);
}
bool is_failed(const PodView& p) { return p.phase == "Failed"; }
bool is_succeeded(const PodView& p) { return p.phase == "Succeeded"; }
bool is_healthy(const PodView& p) { return is_running_and_ready(p) && !p.deleting; }

namespace {

bool is_created(const PodView& p) { return !p.phase.empty(); }

// newVersionedStatefulSetPod: below the partition a new pod keeps the current revision.
std::string revision_for(const SetView& set, int index) {
  if (!set.on_delete && index < set.partition) return set.current_revision;
  return set.update_revision;
}

}  // namespace

Step plan(const SetView& set, const std::vector<PodView>& pods, int64_t now) {
  Step step;
  const bool monotonic = !set.parallel;
  const int n = std::max(set.replicas, 0);
  // The replica slots [start, start+replicas) and the condemned pods (any other ordinal).
  std::vector<std::optional<PodView>> replicas(static_cast<size_t>(n));
  std::vector<PodView> condemned;
  for (const auto& p : pods) {
    const int index = p.ordinal - set.start;
    if (index >= 0 && index < n) replicas[static_cast<size_t>(index)] = p;
    else condemned.push_back(p);
  }
  std::sort(condemned.begin(), condemned.end(), [](const PodView& a, const PodView& b) { return a.ordinal < b.ordinal; });

  // The first unhealthy pod: lowest replica first, then the condemned from the highest ordinal.
  std::string first_unhealthy;
  for (const auto& r : replicas)
    if (r && !is_healthy(*r)) {
      first_unhealthy = r->name;
      break;
    }
  if (first_unhealthy.empty())
    for (auto it = condemned.rbegin(); it != condemned.rend(); ++it)
      if (!is_healthy(*it)) {
        first_unhealthy = it->name;
        break;
      }

  // The replicas, in ordinal order.
  bool exit = false;
  for (int i = 0; i < n && !exit; ++i) {
    const auto& r = replicas[static_cast<size_t>(i)];
    if (r && (is_failed(*r) || is_succeeded(*r))) {
      // A pod that exited is deleted and created anew on a later sync.
      if (!r->deleting) step.remove.push_back(r->name);
      step.waiting = "waiting for " + r->name + " to be replaced";
      exit = true;  // shouldExit in both modes
      continue;
    }
    if (!r) {
      step.create.push_back({set.start + i, revision_for(set, i)});
      if (monotonic) {
        step.waiting = "waiting for the created pod of ordinal " + std::to_string(set.start + i);
        return step;
      }
      continue;
    }
    if (!monotonic) continue;
    if (r->deleting) {
      step.waiting = "waiting for " + r->name + " to terminate";
      return step;
    }
    if (!is_running_and_ready(*r)) {
      step.waiting = "waiting for " + r->name + " to be Running and Ready";
      return step;
    }
    if (!is_available(*r, set.min_ready_seconds, now)) {
      step.waiting = "waiting for " + r->name + " to be available";
      return step;
    }
  }
  if (exit) return step;

  // The condemned, from the highest ordinal.
  for (auto it = condemned.rbegin(); it != condemned.rend(); ++it) {
    const PodView& c = *it;
    if (c.deleting) {
      if (monotonic) {
        step.waiting = "waiting for " + c.name + " to terminate";
        return step;
      }
      continue;
    }
    if (monotonic && c.name != first_unhealthy &&
        (!is_running_and_ready(c) || !is_available(c, set.min_ready_seconds, now))) {
      step.waiting = "waiting for " + c.name + " to be healthy before scaling down";
      return step;
    }
    step.remove.push_back(c.name);
    if (monotonic) return step;
  }
  if (!step.remove.empty() || !step.create.empty()) return step;  // Parallel: scaling first

  if (set.on_delete) return step;
  // RollingUpdate: the highest ordinal not at the update revision goes first, down to the partition.
  for (int i = n - 1; i >= std::max(set.partition, 0); --i) {
    const auto& r = replicas[static_cast<size_t>(i)];
    if (!r) return step;
    if (r->revision != set.update_revision && !r->deleting) {
      step.remove.push_back(r->name);
      return step;
    }
    if (!is_healthy(*r)) {
      step.waiting = "waiting for " + r->name + " to be healthy during the rolling update";
      return step;
    }
  }
  return step;
}

Counts count(const SetView& set, const std::vector<PodView>& pods, int64_t now) {
  Counts c;
  for (const auto& p : pods) {
    if (is_created(p)) ++c.replicas;
    if (is_running_and_ready(p)) {
      ++c.ready;
      if (is_available(p, set.min_ready_seconds, now)) ++c.available;
    }
    if (is_created(p) && !p.deleting) {
      if (p.revision == set.current_revision) ++c.current;
      if (p.revision == set.update_revision) ++c.updated;
    }
  }
  return c;
}

std::pair<std::string, int32_t> complete_rolling_update(const SetView& set, const Counts& c) {
  if (!set.on_delete && c.updated == c.replicas && c.ready == c.replicas) return {set.update_revision, c.updated};
  return {set.current_revision, c.current};
}

}  // namespace capstan::statefulset
