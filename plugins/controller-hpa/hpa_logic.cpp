#include "hpa_logic.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>

namespace capstan::hpa {

namespace {

// GetResourceUtilizationRatio / GetMetricUsageRatio over the pods that have a request.
struct Ratio {
  bool ok = false;
  double ratio = 0;
  int32_t utilization = 0;
  int64_t raw_average = 0;
};

Ratio usage_ratio(const std::map<std::string, PodMetric>& metrics, const std::map<std::string, int64_t>& requests,
                  const Target& target) {
  Ratio r;
  int64_t metrics_total = 0, requests_total = 0, n = 0;
  for (const auto& [pod, m] : metrics) {
    auto it = requests.find(pod);
    if (target.utilization && it == requests.end()) continue;
    metrics_total += m.value;
    if (it != requests.end()) requests_total += it->second;
    ++n;
  }
  if (n == 0) return r;
  r.raw_average = metrics_total / n;
  if (target.utilization) {
    if (requests_total == 0) return r;
    r.utilization = static_cast<int32_t>(metrics_total * 100 / requests_total);
    r.ratio = static_cast<double>(r.utilization) / *target.utilization;
  } else {
    r.ratio = static_cast<double>(r.raw_average) / static_cast<double>(*target.average_value);
  }
  r.ok = true;
  return r;
}

}  // namespace

Calculation resource_replicas(int32_t current_replicas, const Target& target, const std::string& resource,
                              const std::vector<PodView>& pods, const std::map<std::string, PodMetric>& all_metrics,
                              int64_t now) {
  Calculation out;
  if (pods.empty()) {
    out.error = "no pods returned by selector while calculating replica count";
    return out;
  }
  // groupPods.
  std::map<std::string, PodMetric> metrics;
  std::set<std::string> missing, unready;
  int ready = 0;
  std::map<std::string, int64_t> requests;
  for (const auto& p : pods) {
    if (target.utilization) {
      if (!p.request) {
        out.error = "missing request for " + resource + " in container " + p.missing_request_container + " of Pod " + p.name;
        return out;
      }
      requests[p.name] = *p.request;
    }
  }
  for (const auto& p : pods) {
    if (p.deleting || p.phase == "Failed" || p.phase == "Pending") continue;  // ignored
    auto m = all_metrics.find(p.name);
    if (m == all_metrics.end()) {
      missing.insert(p.name);
      continue;
    }
    if (resource == "cpu") {
      bool not_ready;
      if (!p.has_ready_condition || p.start_time == 0) {
        not_ready = true;
      } else if (p.start_time + kCpuInitializationPeriod > now) {
        // Within the initialization period: unready, or no full metric window since it became ready.
        not_ready = p.ready_false || m->second.timestamp < p.ready_transition + m->second.window;
      } else {
        // Afterwards only a pod that has never been ready is left out.
        not_ready = p.ready_false && p.start_time + kDelayOfInitialReadinessStatus > p.ready_transition;
      }
      if (not_ready) {
        unready.insert(p.name);
        continue;
      }
    }
    metrics[p.name] = m->second;
    ++ready;
  }
  if (metrics.empty()) {
    out.error = "did not receive metrics for targeted pods (pods might be unready)";
    return out;
  }
  Ratio r = usage_ratio(metrics, requests, target);
  if (!r.ok) {
    out.error = "no metrics returned matched known pods";
    return out;
  }
  if (target.utilization) out.utilization = r.utilization;
  out.raw_average = r.raw_average;
  const bool scale_up_with_unready = !unready.empty() && r.ratio > 1.0;
  if (!scale_up_with_unready && missing.empty()) {
    if (std::fabs(1.0 - r.ratio) <= kTolerance) {
      out.replicas = current_replicas;
      return out;
    }
    out.replicas = static_cast<int32_t>(std::ceil(r.ratio * ready));
    return out;
  }
  // Pods without metrics count as using 100 % (the target when above 100 %) on a scale-down and
  // nothing on a scale-up; not-ready pods count as using nothing on a scale-up.
  if (!missing.empty()) {
    for (const auto& name : missing) {
      PodMetric m;
      if (r.ratio < 1.0) {
        if (target.utilization) {
          m.value = requests[name] * std::max<int64_t>(100, *target.utilization) / 100;
        } else {
          m.value = *target.average_value;
        }
      }
      metrics[name] = m;
    }
  }
  if (scale_up_with_unready)
    for (const auto& name : unready) metrics[name] = PodMetric{};
  Ratio again = usage_ratio(metrics, requests, target);
  if (std::fabs(1.0 - again.ratio) <= kTolerance || (r.ratio < 1.0 && again.ratio > 1.0) ||
      (r.ratio > 1.0 && again.ratio < 1.0)) {
    out.replicas = current_replicas;  // the missing pods would change the direction: do nothing
    return out;
  }
  int32_t n = static_cast<int32_t>(std::ceil(again.ratio * static_cast<double>(metrics.size())));
  if ((again.ratio < 1.0 && n > current_replicas) || (again.ratio > 1.0 && n < current_replicas)) n = current_replicas;
  out.replicas = n;
  return out;
}

Limited limit_without_behavior(int32_t current, int32_t desired, int32_t min, int32_t max) {
  const int32_t scale_up_limit = std::max(2 * current, 4);
  int32_t max_allowed;
  Limited l;
  if (max > scale_up_limit) {
    max_allowed = scale_up_limit;
    l = {0, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"};
  } else {
    max_allowed = max;
    l = {0, "TooManyReplicas", "the desired replica count is more than the maximum replica count"};
  }
  if (desired < min) return {min, "TooFewReplicas", "the desired replica count is less than the minimum replica count"};
  if (desired > max_allowed) {
    l.replicas = max_allowed;
    return l;
  }
  return {desired, "DesiredWithinRange", "the desired count is within the acceptable range"};
}

namespace {

int32_t change_in_period(int32_t period, const std::deque<ScaleEvent>& events, int64_t now) {
  int32_t sum = 0;
  for (const auto& e : events)
    if (e.at > now - period) sum += e.change;
  return sum;
}

}  // namespace

Limited limit_with_behavior(int32_t current, int32_t desired, int32_t min, int32_t max, const Rule& up,
                            const Rule& down, const std::deque<ScaleEvent>& ups, const std::deque<ScaleEvent>& downs,
                            int64_t now) {
  if (desired > current) {
    int32_t limit;
    if (up.select_policy == "Disabled") {
      limit = current;
    } else {
      const bool min_policy = up.select_policy == "Min";
      int64_t result = min_policy ? INT32_MAX : INT32_MIN;
      for (const auto& p : up.policies) {
        int32_t start = current - change_in_period(p.period, ups, now) + change_in_period(p.period, downs, now);
        int64_t proposed = p.type == "Pods" ? int64_t{start} + p.value
                                            : static_cast<int64_t>(std::ceil(start * (1 + p.value / 100.0)));
        result = min_policy ? std::min(result, proposed) : std::max(result, proposed);
      }
      limit = static_cast<int32_t>(std::clamp<int64_t>(result, INT32_MIN, INT32_MAX));
    }
    if (limit < current) limit = current;
    Limited l;
    int32_t max_allowed = max;
    if (max_allowed > limit) {
      max_allowed = limit;
      l = {0, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"};
    } else {
      l = {0, "TooManyReplicas", "the desired replica count is more than the maximum replica count"};
    }
    if (desired > max_allowed) {
      l.replicas = max_allowed;
      return l;
    }
  } else if (desired < current) {
    int32_t limit;
    if (down.select_policy == "Disabled") {
      limit = current;
    } else {
      const bool min_policy = down.select_policy == "Min";
      int64_t result = min_policy ? INT32_MIN : INT32_MAX;
      for (const auto& p : down.policies) {
        int32_t start = current - change_in_period(p.period, ups, now) + change_in_period(p.period, downs, now);
        int64_t proposed = p.type == "Pods" ? int64_t{start} - p.value
                                            : static_cast<int64_t>(start * (1 - p.value / 100.0));
        result = min_policy ? std::max(result, proposed) : std::min(result, proposed);
      }
      limit = static_cast<int32_t>(std::clamp<int64_t>(result, INT32_MIN, INT32_MAX));
    }
    if (limit > current) limit = current;
    Limited l;
    int32_t min_allowed = min;
    if (min_allowed < limit) {
      min_allowed = limit;
      l = {0, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"};
    } else {
      l = {0, "TooFewReplicas", "the desired replica count is less than the minimum replica count"};
    }
    if (desired < min_allowed) {
      l.replicas = min_allowed;
      return l;
    }
  }
  return {desired, "DesiredWithinRange", "the desired count is within the acceptable range"};
}

int32_t stabilize(std::vector<Recommendation>& history, int32_t desired, int64_t now) {
  int32_t result = desired;
  const int64_t cutoff = now - kDownscaleStabilizationWindow;
  std::optional<size_t> old;
  for (size_t i = 0; i < history.size(); ++i) {
    if (history[i].at < cutoff) old = i;
    else result = std::max(result, history[i].replicas);
  }
  if (old) history[*old] = {desired, now};
  else history.push_back({desired, now});
  return result;
}

Stabilized stabilize_with_behavior(std::vector<Recommendation>& history, int32_t current, int32_t desired,
                                   const Rule& up, const Rule& down, int64_t now) {
  int32_t up_rec = desired, down_rec = desired;
  const int64_t up_cutoff = now - up.stabilization_window, down_cutoff = now - down.stabilization_window;
  std::optional<size_t> old;
  for (size_t i = 0; i < history.size(); ++i) {
    if (history[i].at > up_cutoff) up_rec = std::min(up_rec, history[i].replicas);
    if (history[i].at > down_cutoff) down_rec = std::max(down_rec, history[i].replicas);
    if (history[i].at < up_cutoff && history[i].at < down_cutoff) old = i;
  }
  int32_t rec = current;
  if (rec < up_rec) rec = up_rec;
  if (rec > down_rec) rec = down_rec;
  if (old) history[*old] = {desired, now};
  else history.push_back({desired, now});
  if (desired >= current)
    return {rec, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation"};
  return {rec, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation"};
}

}  // namespace capstan::hpa
