#include "disruption_logic.hpp"

#include <cmath>
#include <map>

#include "capstan/machinery/time.hpp"
#include "capstan/selectors.hpp"

namespace capstan::policy {

namespace {

sdk::Labels labels_of(meta::ObjectMeta::Reader meta) {
  sdk::Labels out;
  for (auto l : meta.getLabels()) out[std::string(l.getKey())] = std::string(l.getValue());
  return out;
}

std::map<std::string, int64_t> disrupted_of(policy::v1::PodDisruptionBudgetStatus::Reader s) {
  std::map<std::string, int64_t> out;
  for (auto e : s.getDisruptedPods())
    if (auto t = machinery::parse_rfc3339_seconds(std::string(e.getValue()))) out[std::string(e.getKey())] = *t;
  return out;
}

}  // namespace

bool pod_ready(core::v1::Pod::Reader pod) {
  for (auto c : pod.getStatus().getConditions())
    if (c.getType() == "Ready") return c.getStatus() == "True";
  return false;
}

bool can_ignore_budget(core::v1::Pod::Reader pod) {
  if (pod.getMetadata().hasDeletionTimestamp()) return true;
  const std::string phase = pod.getStatus().getPhase();
  return phase == "Succeeded" || phase == "Failed" || phase == "Pending";
}

bool budget_selects(policy::v1::PodDisruptionBudget::Reader pdb, core::v1::Pod::Reader pod) {
  if (!pdb.getSpec().hasSelector()) return false;  // a null selector selects nothing
  return sdk::selector_matches(pdb.getSpec().getSelector(), labels_of(pod.getMetadata()));
}

EvictionVerdict decide_eviction(size_t matching_budgets, policy::v1::PodDisruptionBudget::Reader pdb,
                                core::v1::Pod::Reader pod) {
  EvictionVerdict v;
  if (matching_budgets > 1) {
    v.allowed = false;
    v.code = 500;
    v.reason = "InternalError";
    v.message = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";
    return v;
  }
  auto status = pdb.getStatus();
  const std::string name = pdb.getMetadata().getName();
  // An unready pod does not count towards healthy: evicting it takes nothing from the budget when
  // the policy says AlwaysAllow, or when the budget is met anyway (IfHealthyBudget).
  if (!pod_ready(pod)) {
    const bool always = pdb.getSpec().hasUnhealthyPodEvictionPolicy() &&
                        pdb.getSpec().getUnhealthyPodEvictionPolicy() == "AlwaysAllow";
    if (always || (status.getCurrentHealthy() >= status.getDesiredHealthy() && status.getDesiredHealthy() > 0)) return v;
  }
  const int64_t generation = pdb.getMetadata().getGeneration().isValue() ? pdb.getMetadata().getGeneration().getValue() : 0;
  if (status.getObservedGeneration() < generation) {
    v.allowed = false;
    v.code = 429;
    v.reason = "TooManyRequests";
    v.message = kEvictionViolation;
    v.cause = "The disruption budget " + name + " is still being processed by the server.";
    return v;
  }
  if (status.getDisruptionsAllowed() < 0) {
    v.allowed = false;
    v.code = 403;
    v.reason = "Forbidden";
    v.message = "poddisruptionbudget.policy \"" + name + "\" is forbidden: pdb disruptions allowed is negative";
    return v;
  }
  if (status.getDisruptedPods().size() > 2000) {
    v.allowed = false;
    v.code = 403;
    v.reason = "Forbidden";
    v.message = "poddisruptionbudget.policy \"" + name +
                "\" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller";
    return v;
  }
  if (status.getDisruptionsAllowed() == 0) {
    v.allowed = false;
    v.code = 429;
    v.reason = "TooManyRequests";
    v.message = kEvictionViolation;
    v.cause = "The disruption budget " + name + " needs " + std::to_string(status.getDesiredHealthy()) +
              " healthy pods and has " + std::to_string(status.getCurrentHealthy()) + " currently";
    return v;
  }
  v.decrement = true;
  return v;
}

namespace {

void set_condition(policy::v1::PodDisruptionBudget::Builder pdb, bool allowed, const std::string& reason,
                   const std::string& message, int64_t now, bool& changed) {
  auto status = pdb.getStatus();
  const int64_t generation = pdb.getMetadata().getGeneration().isValue() ? pdb.getMetadata().getGeneration().getValue() : 0;
  const std::string want = allowed ? "True" : "False";
  struct C {
    std::string type, status, time, reason, message;
    int64_t generation;
  };
  std::vector<C> conds;
  bool found = false;
  for (auto c : status.asReader().getConditions()) {
    C x{c.getType(), c.getStatus(), c.getLastTransitionTime(), c.getReason(), c.getMessage(), c.getObservedGeneration()};
    if (x.type == "DisruptionAllowed") {
      found = true;
      if (x.status != want) {
        x.status = want;
        x.time = machinery::format_rfc3339(now);
        changed = true;
      }
      if (x.reason != reason || x.message != message || x.generation != generation) changed = true;
      x.reason = reason;
      x.message = message;
      x.generation = generation;
    }
    conds.push_back(std::move(x));
  }
  if (!found) {
    conds.push_back({"DisruptionAllowed", want, machinery::format_rfc3339(now), reason, message, generation});
    changed = true;
  }
  auto list = status.initConditions(static_cast<unsigned>(conds.size()));
  for (unsigned i = 0; i < conds.size(); ++i) {
    list[i].setType(conds[i].type);
    list[i].setStatus(conds[i].status);
    list[i].setLastTransitionTime(conds[i].time);
    list[i].setReason(conds[i].reason);
    list[i].setMessage(conds[i].message);
    list[i].setObservedGeneration(conds[i].generation);
  }
}

}  // namespace

void record_disruption(policy::v1::PodDisruptionBudget::Builder pdb, const std::string& pod, int64_t now) {
  auto status = pdb.getStatus();
  status.setDisruptionsAllowed(status.getDisruptionsAllowed() - 1);
  bool changed = false;
  if (status.getDisruptionsAllowed() == 0) set_condition(pdb, false, "InsufficientPods", "", now, changed);
  std::map<std::string, std::string> entries;
  for (auto e : status.asReader().getDisruptedPods()) entries[std::string(e.getKey())] = std::string(e.getValue());
  entries[pod] = machinery::format_rfc3339(now);
  auto list = status.initDisruptedPods(static_cast<unsigned>(entries.size()));
  unsigned i = 0;
  for (const auto& [k, t] : entries) {
    list[i].setKey(k);
    list[i].setValue(t);
    ++i;
  }
}

std::optional<int32_t> scaled_value(k8s::IntOrString::Reader v, int32_t total, bool round_up) {
  if (v.isInt()) return v.getInt();
  std::string s = v.getStr();
  if (s.empty() || s.back() != '%') return std::nullopt;
  s.pop_back();
  int percent = 0;
  try {
    size_t used = 0;
    percent = std::stoi(s, &used);
    if (used != s.size()) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  const int64_t product = static_cast<int64_t>(percent) * total;
  return static_cast<int32_t>(round_up ? (product + 99) / 100 : product / 100);
}

BudgetNumbers budget_numbers(policy::v1::PodDisruptionBudget::Reader pdb, const std::vector<BudgetPod>& pods,
                             std::optional<int32_t> scale, int64_t now) {
  BudgetNumbers n;
  auto spec = pdb.getSpec();
  auto need_scale = [&]() -> bool {
    if (scale) return true;
    n.error = "found no controllers for pods selected by the budget";
    return false;
  };
  if (spec.hasMaxUnavailable()) {
    if (!need_scale()) return n;
    n.expected = *scale;
    auto max = scaled_value(spec.getMaxUnavailable(), n.expected, true);
    if (!max) {
      n.error = "invalid value for IntOrString: invalid value \"" + std::string(spec.getMaxUnavailable().getStr()) + "\"";
      return n;
    }
    n.desired = std::max(0, n.expected - *max);
  } else if (spec.hasMinAvailable()) {
    if (spec.getMinAvailable().isInt()) {
      n.desired = spec.getMinAvailable().getInt();
      n.expected = static_cast<int32_t>(pods.size());
    } else {
      if (!need_scale()) return n;
      n.expected = *scale;
      auto min = scaled_value(spec.getMinAvailable(), n.expected, true);
      if (!min) {
        n.error = "invalid value for IntOrString: invalid value \"" + std::string(spec.getMinAvailable().getStr()) + "\"";
        return n;
      }
      n.desired = *min;
    }
  }
  const auto disrupted = disrupted_of(pdb.getStatus());
  for (const auto& p : pods) {
    if (p.deleting) continue;
    if (auto it = disrupted.find(p.name); it != disrupted.end() && it->second + kDeletionTimeoutSeconds > now) continue;
    if (p.ready) ++n.current;
  }
  n.allowed = n.current - n.desired;
  if (n.expected <= 0 || n.allowed <= 0) n.allowed = 0;
  return n;
}

bool write_budget_status(policy::v1::PodDisruptionBudget::Builder pdb, const BudgetNumbers& n,
                         const std::vector<BudgetPod>& pods, int64_t now) {
  auto status = pdb.getStatus();
  bool changed = false;
  const int64_t generation = pdb.getMetadata().getGeneration().isValue() ? pdb.getMetadata().getGeneration().getValue() : 0;
  auto set32 = [&](int32_t have, int32_t want, auto setter) {
    if (have != want) {
      setter(want);
      changed = true;
    }
  };
  if (!n.error.empty()) {
    set32(status.getDisruptionsAllowed(), 0, [&](int32_t v) { status.setDisruptionsAllowed(v); });
    set_condition(pdb, false, "SyncFailed", n.error, now, changed);
  } else {
    set32(status.getExpectedPods(), n.expected, [&](int32_t v) { status.setExpectedPods(v); });
    set32(status.getDesiredHealthy(), n.desired, [&](int32_t v) { status.setDesiredHealthy(v); });
    set32(status.getCurrentHealthy(), n.current, [&](int32_t v) { status.setCurrentHealthy(v); });
    set32(status.getDisruptionsAllowed(), n.allowed, [&](int32_t v) { status.setDisruptionsAllowed(v); });
    set_condition(pdb, n.allowed > 0, n.allowed > 0 ? "SufficientPods" : "InsufficientPods", "", now, changed);
  }
  if (status.getObservedGeneration() != generation) {
    status.setObservedGeneration(generation);
    changed = true;
  }
  // disruptedPods keeps the pods still there, not being deleted, within the timeout.
  std::map<std::string, std::string> keep;
  for (auto e : status.asReader().getDisruptedPods()) {
    const std::string key = e.getKey();
    auto t = machinery::parse_rfc3339_seconds(std::string(e.getValue()));
    bool present = false;
    for (const auto& p : pods)
      if (p.name == key && !p.deleting) present = true;
    if (present && t && *t + kDeletionTimeoutSeconds > now) keep[key] = std::string(e.getValue());
  }
  if (keep.size() != status.getDisruptedPods().size()) {
    changed = true;
    auto list = status.initDisruptedPods(static_cast<unsigned>(keep.size()));
    unsigned i = 0;
    for (const auto& [k, t] : keep) {
      list[i].setKey(k);
      list[i].setValue(t);
      ++i;
    }
  }
  return changed;
}

}  // namespace capstan::policy
