#include "hpa_controller.hpp"

#include <capnp/message.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <optional>

#include <nlohmann/json.hpp>

#include "capstan/machinery/resources.hpp"
#include "capstan/apps_v1.capnp.h"
#include "capstan/core_v1.capnp.h"
#include "capstan/metrics_v1beta1.capnp.h"
#include "capstan/machinery/quantity.hpp"
#include "capstan/selectors.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::hpa {
namespace {

using autoscaling::v2::HorizontalPodAutoscaler;
using core::v1::Pod;
using machinery::kHorizontalPodAutoscalers;
using machinery::kPods;
using machinery::kPodMetrics;
using machinery::kDeployments;
using machinery::kReplicaSets;

struct Condition {
  std::string status, reason, message;
};
using Conditions = std::map<std::string, Condition>;  // by type

// A Go duration as the metrics carry it ("15s", "1.002s", "1m0s"), in whole seconds.
int64_t duration_seconds(const std::string& s) {
  double total = 0, num = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t used = 0;
    try {
      num = std::stod(s.substr(i), &used);
    } catch (...) {
      return 0;
    }
    i += used;
    std::string unit;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) unit += s[i++];
    total += unit == "h" ? num * 3600 : unit == "m" ? num * 60 : unit == "ms" ? num / 1000 : unit == "s" ? num : 0;
  }
  return static_cast<int64_t>(total);
}

struct TargetInfo {
  int32_t spec_replicas = 0;
  sdk::ObjectPtr object;
  meta::LabelSelector::Reader selector;
};

// The metric's name as upstream's messages spell it.
std::string metric_name(const std::string& resource, bool container, bool utilization) {
  return resource + (container ? " container resource" : " resource") + (utilization ? " utilization (percentage of request)" : "");
}

void set_condition(Conditions& c, const std::string& type, const std::string& status, const std::string& reason,
                   const std::string& message) {
  c[type] = {status, reason, message};
}

}  // namespace

HpaController::HpaController(const sdk::Host& host, Options options)
    : host_(host), options_(options), client_(host, kComponent), recorder_(host, kComponent), hpas_(client_, kHorizontalPodAutoscalers),
      pods_(client_, kPods), metrics_(client_, kPodMetrics) {
  recorder_.set_synchronous(false);
  controller_ = std::make_unique<sdk::Controller>("horizontal-pod-autoscaler", host_,
                                                  [this](const std::string& key) { return reconcile(key); });
  // Each HPA is synced every sync period (the result of reconcile). Its own status writes must not
  // trigger an extra sync (upstream's queue delays every add by the sync period): that would apply
  // the scale-up limit twice in a row. New HPAs, spec changes and deletions are synced at once.
  controller_->watch_owned(hpas_, [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; });
  hpas_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) {
    const int64_t gen = obj->metadata().getGeneration().isValue() ? obj->metadata().getGeneration().getValue() : 0;
    {
      std::lock_guard lock(mu_);
      auto [it, fresh] = generations_.try_emplace(obj->key(), gen);
      if (kind == sdk::EventKind::kDeleted) generations_.erase(it);
      else if (!fresh && it->second == gen) return;  // a status write
      else it->second = gen;
    }
    controller_->enqueue(obj->key());
  });
  // Pods and metrics are read at each periodic sync (as upstream's resync), not on each change.
  controller_->watch_owned(pods_, [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; });
  controller_->watch_owned(metrics_, [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; });
}

void HpaController::start() {
  hpas_.start();
  pods_.start();
  metrics_.start();
  controller_->start();
}

void HpaController::stop() {
  controller_->stop();
  metrics_.stop();
  pods_.stop();
  hpas_.stop();
  recorder_.shutdown();
}

sdk::ReconcileResult HpaController::reconcile(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto obj = hpas_.get(ns, name);
  if (!obj) {
    std::lock_guard lock(mu_);
    recommendations_.erase(key);
    scale_ups_.erase(key);
    scale_downs_.erase(key);
    return sdk::ReconcileResult::ok();
  }
  const auto again = sdk::ReconcileResult::after(options_.sync_period);
  auto hpa = obj->as<HorizontalPodAutoscaler>();
  auto spec = hpa.getSpec();
  const int64_t now = machinery::now_seconds();
  Conditions conditions;
  for (auto c : hpa.getStatus().getConditions())
    conditions[c.getType()] = {c.getStatus(), c.getReason(), c.getMessage()};

  // ---- the status as this sync leaves it, written at the end when it changed
  capnp::MallocMessageBuilder out_msg;
  out_msg.setRoot(hpa);
  auto out = out_msg.getRoot<HorizontalPodAutoscaler>();
  auto finish = [&](int32_t current, std::optional<int32_t> desired, bool rescaled,
                    const std::vector<std::function<void(autoscaling::v2::MetricStatus::Builder)>>& metric_statuses) {
    auto st = out.getStatus();
    st.setCurrentReplicas(current);
    if (desired) st.getDesiredReplicas().setValue(*desired);
    if (rescaled) st.setLastScaleTime(machinery::format_rfc3339(now));
    if (hpa.getMetadata().getGeneration().isValue()) st.getObservedGeneration().setValue(hpa.getMetadata().getGeneration().getValue());
    auto list = st.initCurrentMetrics(static_cast<unsigned>(metric_statuses.size()));
    for (unsigned i = 0; i < metric_statuses.size(); ++i) metric_statuses[i](list[i]);
    if (metric_statuses.empty()) st.disownCurrentMetrics();
    // Conditions in upstream's order; lastTransitionTime moves only when the status changes.
    std::vector<std::string> order{"AbleToScale", "ScalingActive", "ScalingLimited"};
    std::vector<std::string> present;
    for (const auto& t : order)
      if (conditions.count(t)) present.push_back(t);
    auto cl = st.initConditions(static_cast<unsigned>(present.size()));
    for (unsigned i = 0; i < present.size(); ++i) {
      const auto& c = conditions[present[i]];
      cl[i].setType(present[i]);
      cl[i].setStatus(c.status);
      cl[i].setReason(c.reason);
      cl[i].setMessage(c.message);
      std::string since = machinery::format_rfc3339(now);
      for (auto old : hpa.getStatus().getConditions())
        if (old.getType() == present[i] && old.getStatus() == c.status) since = old.getLastTransitionTime();
      cl[i].setLastTransitionTime(since);
    }
    auto a = capnp::canonicalize(hpa.getStatus());
    auto b = capnp::canonicalize(st.asReader());
    if (a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](auto& x, auto& y) { return memcmp(&x, &y, sizeof(x)) == 0; }))
      return again;
    auto r = client_.update(kHorizontalPodAutoscalers, ns, name, out_msg, "status");
    if (r.status.ok() || r.status.not_found()) return again;
    if (r.status.conflict()) return sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}};
    return sdk::ReconcileResult::fail("cannot update status of horizontalpodautoscaler " + key + ": " + r.status.message);
  };

  // ---- the scale target
  auto ref = spec.getScaleTargetRef();
  const std::string kind = ref.getKind();
  const std::string api = ref.getApiVersion();
  const std::string group = api.find('/') == std::string::npos ? "" : api.substr(0, api.find('/'));
  std::optional<sdk::Resource> target_res;
  if (kind == "Deployment" && group == "apps") target_res = kDeployments;
  if (kind == "ReplicaSet" && group == "apps") target_res = kReplicaSets;
  auto fail_scale = [&](const std::string& why) {
    set_condition(conditions, "AbleToScale", "False", "FailedGetScale",
                  "the HPA controller was unable to get the target's current scale: " + why);
    recorder_.record(obj, sdk::kEventTypeWarning, "FailedGetScale", why);
    return finish(hpa.getStatus().getCurrentReplicas(), std::nullopt, false, {});
  };
  if (!target_res) return fail_scale("no matches for kind \"" + kind + "\" in group \"" + group + "\"");
  auto got = client_.get(*target_res, ns, ref.getName());
  if (!got.status.ok()) return fail_scale(got.status.message);
  int32_t current = 0;
  meta::LabelSelector::Reader selector;
  if (kind == "Deployment") {
    auto d = got.object->as<apps::v1::Deployment>();
    current = d.getSpec().getReplicas().isValue() ? d.getSpec().getReplicas().getValue() : 1;
    selector = d.getSpec().getSelector();
  } else {
    auto rs = got.object->as<apps::v1::ReplicaSet>();
    current = rs.getSpec().getReplicas().isValue() ? rs.getSpec().getReplicas().getValue() : 1;
    selector = rs.getSpec().getSelector();
  }
  set_condition(conditions, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale");

  const int32_t min = spec.getMinReplicas().isValue() ? spec.getMinReplicas().getValue() : 1;
  const int32_t max = spec.getMaxReplicas().isValue() ? spec.getMaxReplicas().getValue() : 0;
  int32_t desired = 0;
  std::string rescale_reason;
  bool rescale = true;
  std::vector<std::function<void(autoscaling::v2::MetricStatus::Builder)>> statuses;
  if (current == 0 && min != 0) {
    rescale = false;
    set_condition(conditions, "ScalingActive", "False", "ScalingDisabled",
                  "scaling is disabled since the replica count of the target is zero");
  } else if (current > max) {
    rescale_reason = "Current number of replicas above Spec.MaxReplicas";
    desired = max;
  } else if (current < min) {
    rescale_reason = "Current number of replicas below Spec.MinReplicas";
    desired = min;
  } else {
    // computeReplicasForMetrics.
    std::vector<sdk::ObjectPtr> selected;
    for (const auto& p : pods_.list(ns))
      if (!sdk::selector_empty(selector) && sdk::selector_matches(selector, sdk::labels_of(p->metadata().getLabels())))
        selected.push_back(p);
    int32_t best = -1;
    std::string best_metric;
    int invalid = 0;
    std::string first_error;
    Condition first_invalid;
    auto metrics = spec.getMetrics();
    for (unsigned i = 0; i < metrics.size(); ++i) {
      auto m = metrics[i];
      const std::string type = m.getType();
      if (type != "Resource" && type != "ContainerResource") {
        ++invalid;
        std::string reason = "FailedGet" + type + "Metric";
        std::string err = "unable to get " + (type == "Pods" ? std::string("pods") : type == "Object" ? "object" : "external") +
                          " metric: no custom or external metrics API is served";
        recorder_.record(obj, sdk::kEventTypeWarning, reason, err);
        if (first_error.empty()) {
          first_error = err;
          first_invalid = {"False", reason, "the HPA was unable to compute the replica count: " + err};
        }
        statuses.push_back([](autoscaling::v2::MetricStatus::Builder b) { b.setType(""); });
        continue;
      }
      const bool container = type == "ContainerResource";
      const std::string resource = container ? m.getContainerResource().getName().cStr() : m.getResource().getName().cStr();
      const std::string container_name = container ? m.getContainerResource().getContainer().cStr() : "";
      auto t = container ? m.getContainerResource().getTarget() : m.getResource().getTarget();
      Target target;
      if (t.getAverageUtilization().isValue()) target.utilization = t.getAverageUtilization().getValue();
      else if (t.hasAverageValue()) target.average_value = machinery::milli_value_of(t.getAverageValue().cStr()).value_or(0);
      std::vector<PodView> views;
      std::map<std::string, PodMetric> usage;
      for (const auto& p : selected) {
        auto pod = p->as<Pod>();
        PodView v;
        v.name = p->name();
        v.phase = pod.getStatus().getPhase();
        v.deleting = p->metadata().hasDeletionTimestamp() && p->metadata().getDeletionTimestamp().size() > 0;
        v.start_time = pod.getStatus().hasStartTime() ? machinery::parse_rfc3339_seconds(pod.getStatus().getStartTime().cStr()).value_or(0) : 0;
        for (auto c : pod.getStatus().getConditions())
          if (c.getType() == "Ready") {
            v.has_ready_condition = true;
            v.ready_false = c.getStatus() == "False";
            v.ready_transition = machinery::parse_rfc3339_seconds(c.getLastTransitionTime().cStr()).value_or(0);
          }
        int64_t request = 0;
        bool have_all = true;
        for (auto c : pod.getSpec().getContainers()) {
          if (container && c.getName() != container_name) continue;
          bool found = false;
          for (auto e : c.getResources().getRequests())
            if (e.getKey() == resource) {
              request += machinery::milli_value_of(e.getValue().cStr()).value_or(0);
              found = true;
            }
          if (!found && have_all) {
            have_all = false;
            v.missing_request_container = c.getName();
          }
        }
        if (have_all) v.request = request;
        views.push_back(v);
        if (auto pm = metrics_.get(ns, p->name())) {
          auto pmr = pm->as<metrics::v1beta1::PodMetrics>();
          PodMetric sample;
          sample.timestamp = machinery::parse_rfc3339_seconds(pmr.getTimestamp().cStr()).value_or(0);
          sample.window = duration_seconds(pmr.getWindow());
          bool any = false;
          for (auto c : pmr.getContainers()) {
            if (container && c.getName() != container_name) continue;
            for (auto u : c.getUsage())
              if (u.getKey() == resource) {
                sample.value += machinery::milli_value_of(u.getValue().cStr()).value_or(0);
                any = true;
              }
          }
          if (any) usage[p->name()] = sample;
        }
      }
      Calculation calc;
      if (usage.empty()) {
        calc.error = "unable to get metrics for resource " + resource + ": no metrics returned from resource metrics API";
      } else {
        calc = resource_replicas(current, target, resource, views, usage, now);
      }
      if (!calc.error.empty()) {
        ++invalid;
        std::string err = "failed to get " + resource + " utilization: " + calc.error;
        std::string reason = container ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric";
        recorder_.record(obj, sdk::kEventTypeWarning, reason, err);
        if (first_error.empty()) {
          first_error = err;
          first_invalid = {"False", reason, "the HPA was unable to compute the replica count: " + err};
        }
        statuses.push_back([](autoscaling::v2::MetricStatus::Builder b) { b.setType(""); });
        continue;
      }
      // The metric's status: the current average (utilization when that is the target).
      const std::string avg = [&] {
        // milli-units back to a quantity: CPU as millicores, others as whole units.
        if (resource == "cpu") return std::to_string(calc.raw_average) + "m";
        return std::to_string(calc.raw_average / 1000);
      }();
      auto util = calc.utilization;
      statuses.push_back([=](autoscaling::v2::MetricStatus::Builder b) {
        b.setType(container ? "ContainerResource" : "Resource");
        auto cur = container ? [&] {
          auto cr = b.initContainerResource();
          cr.setName(resource);
          cr.setContainer(container_name);
          return cr.initCurrent();
        }()
                             : [&] {
                                 auto r = b.initResource();
                                 r.setName(resource);
                                 return r.initCurrent();
                               }();
        cur.setAverageValue(avg);
        if (util) cur.getAverageUtilization().setValue(*util);
      });
      if (calc.replicas > best) {
        best = calc.replicas;
        best_metric = metric_name(resource, container, target.utilization.has_value());
      }
    }
    // (An invalid metric's status entry stays empty, as upstream leaves it.)
    if (invalid >= static_cast<int>(metrics.size()) || (invalid > 0 && best < current)) {
      set_condition(conditions, "ScalingActive", first_invalid.status, first_invalid.reason, first_invalid.message);
      std::string err = "invalid metrics (" + std::to_string(invalid) + " invalid out of " + std::to_string(metrics.size()) +
                        "), first error is: " + first_error;
      recorder_.record(obj, sdk::kEventTypeWarning, "FailedComputeMetricsReplicas", err);
      return finish(current, std::nullopt, false, statuses);
    }
    set_condition(conditions, "ScalingActive", "True", "ValidMetricFound",
                  "the HPA was able to successfully calculate a replica count from " + best_metric);
    desired = best;
    if (desired > current) rescale_reason = best_metric + " above target";
    if (desired < current) rescale_reason = "All metrics below target";
    std::lock_guard lock(mu_);
    auto& history = recommendations_[key];
    Limited limited;
    if (!spec.hasBehavior()) {
      int32_t stabilized = stabilize(history, desired, now);
      if (stabilized != desired)
        set_condition(conditions, "AbleToScale", "True", "ScaleDownStabilized",
                      "recent recommendations were higher than current one, applying the highest recent recommendation");
      else
        set_condition(conditions, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size");
      limited = limit_without_behavior(current, stabilized, min, max);
      set_condition(conditions, "ScalingLimited", limited.replicas == stabilized ? "False" : "True", limited.reason, limited.message);
    } else {
      auto rule = [](autoscaling::v2::HPAScalingRules::Reader r, bool up) {
        Rule out;
        out.stabilization_window = r.getStabilizationWindowSeconds().isValue() ? r.getStabilizationWindowSeconds().getValue() : (up ? 0 : 300);
        out.select_policy = r.getSelectPolicy().isValue() ? std::string(r.getSelectPolicy().getValue().cStr()) : "Max";
        for (auto p : r.getPolicies()) out.policies.push_back({p.getType(), p.getValue(), p.getPeriodSeconds()});
        return out;
      };
      Rule up = rule(spec.getBehavior().getScaleUp(), true), down = rule(spec.getBehavior().getScaleDown(), false);
      Stabilized s = stabilize_with_behavior(history, current, desired, up, down, now);
      if (s.replicas != desired) set_condition(conditions, "AbleToScale", "True", s.reason, s.message);
      else set_condition(conditions, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size");
      limited = limit_with_behavior(current, s.replicas, min, max, up, down, scale_ups_[key], scale_downs_[key], now);
      set_condition(conditions, "ScalingLimited", limited.replicas == s.replicas ? "False" : "True", limited.reason, limited.message);
    }
    desired = limited.replicas;
    rescale = desired != current;
  }

  if (!rescale) return finish(current, current, false, statuses);
  if (desired == current) return finish(current, desired, false, statuses);
  nlohmann::json body = {{"spec", {{"replicas", desired}}}};
  auto r = client_.patch(*target_res, ns, ref.getName(), "merge", body.dump(), "scale");
  if (!r.status.ok()) {
    recorder_.record(obj, sdk::kEventTypeWarning, "FailedRescale",
                     "New size: " + std::to_string(desired) + "; reason: " + rescale_reason + "; error: " + r.status.message);
    set_condition(conditions, "AbleToScale", "False", "FailedUpdateScale",
                  "the HPA controller was unable to update the target scale: " + r.status.message);
    finish(current, std::nullopt, false, statuses);
    return sdk::ReconcileResult::fail("cannot scale " + kind + " " + ns + "/" + std::string(ref.getName().cStr()) + ": " + r.status.message);
  }
  set_condition(conditions, "AbleToScale", "True", "SucceededRescale",
                "the HPA controller was able to update the target scale to " + std::to_string(desired));
  recorder_.record(obj, sdk::kEventTypeNormal, "SuccessfulRescale",
                   "New size: " + std::to_string(desired) + "; reason: " + rescale_reason);
  {
    // storeScaleEvent: remembered for the behavior's rate policies (longest period 30 min).
    std::lock_guard lock(mu_);
    auto& list = desired > current ? scale_ups_[key] : scale_downs_[key];
    list.push_back({now, std::abs(desired - current)});
    while (!list.empty() && list.front().at < now - 1800) list.pop_front();
  }
  return finish(current, desired, true, statuses);
}

}  // namespace capstan::hpa
