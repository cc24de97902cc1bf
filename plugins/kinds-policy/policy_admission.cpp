#include "policy_admission.hpp"

#include <capnp/message.h>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_policy.capnp.h"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/time.hpp"
#include "capstan/policy_v1.capnp.h"
#include "capstan/selectors.hpp"
#include "disruption_logic.hpp"
#include "policy_objects.hpp"

namespace capstan::policy {

using Op = sdk::AdmissionRequest::Operation;

namespace {

void set_annotation(meta::ObjectMeta::Builder meta, const std::string& key, const std::string& value) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (auto a : meta.asReader().getAnnotations())
    if (a.getKey() != key) entries.emplace_back(std::string(a.getKey()), std::string(a.getValue()));
  entries.emplace_back(key, value);
  auto list = meta.initAnnotations(static_cast<unsigned>(entries.size()));
  for (unsigned i = 0; i < entries.size(); ++i) {
    list[i].setKey(entries[i].first);
    list[i].setValue(entries[i].second);
  }
}

std::string group_resource(const sdk::Resource& r) { return r.group.empty() ? r.resource : r.resource + "." + r.group; }

}  // namespace

sdk::AdmissionResult forbidden(const sdk::Resource& r, const std::string& name, const std::string& message) {
  sdk::AdmissionResult res;
  res.allowed = false;
  res.code = 403;
  res.reason = "Forbidden";
  res.message = name.empty() ? group_resource(r) + " is forbidden: " + message
                             : group_resource(r) + " \"" + name + "\" is forbidden: " + message;
  return res;
}

std::string object_key(const std::string& group, const std::string& resource, const std::string& name) {
  return (group.empty() ? resource : resource + "." + group) + "/" + name;
}

// ---- LimitRanger --------------------------------------------------------------------------------

sdk::AdmissionResult PolicyAdmission::limit_ranger(const sdk::AdmissionRequest& req) const {
  if (req.operation != Op::kCreate || !req.object || !req.subresource.empty()) return sdk::AdmissionResult::allow();
  const std::string ns = req.object->ns();
  const bool pod = req.resource.resource == "pods";
  auto ranges = client_.list(kLimitRangesResource, ns);
  if (!ranges.status.ok() || ranges.items.empty()) return sdk::AdmissionResult::allow();
  std::vector<std::string> errs;
  if (pod) {
    capnp::MallocMessageBuilder msg;
    msg.setRoot(req.object->as<core::v1::Pod>());
    auto p = msg.getRoot<core::v1::Pod>();
    PodResources res = pod_resources(p.getSpec().asReader());
    std::string annotation;
    for (const auto& lr : ranges.items) {
      auto items = limit_items(lr->as<core::v1::LimitRange>());
      if (auto a = apply_defaults(res, items); !a.empty()) annotation = a;
      if (auto e = validate_pod(res, items); !e.empty()) errs.push_back(aggregate(e));
    }
    if (!errs.empty()) return forbidden(req.resource, req.object->name(), aggregate(errs));
    if (annotation.empty()) return sdk::AdmissionResult::allow();
    write_pod_resources(p.getSpec(), res);
    set_annotation(p.getMetadata(), kLimitRangerAnnotation, annotation);
    sdk::AdmissionResult out;
    out.mutated = sdk::serialize(msg);
    return out;
  }
  auto claim = req.object->as<core::v1::PersistentVolumeClaim>();
  const ResourceList requests = read_list(claim.getSpec().getResources().getRequests());
  for (const auto& lr : ranges.items)
    if (auto e = validate_pvc(requests, limit_items(lr->as<core::v1::LimitRange>())); !e.empty())
      errs.push_back(aggregate(e));
  if (!errs.empty()) return forbidden(req.resource, req.object->name(), aggregate(errs));
  return sdk::AdmissionResult::allow();
}

// ---- ResourceQuota ------------------------------------------------------------------------------

namespace {

sdk::AdmissionResult internal_error(std::string message, int code = 500, std::string reason = "InternalError") {
  sdk::AdmissionResult r;
  r.allowed = false;
  r.code = code;
  r.reason = std::move(reason);
  r.message = std::move(message);
  return r;
}

}  // namespace

sdk::AdmissionResult PolicyAdmission::resource_quota(const sdk::AdmissionRequest& req) const {
  if (req.operation != Op::kCreate || !req.object || !req.subresource.empty()) return sdk::AdmissionResult::allow();
  const std::string ns = req.object->ns();
  if (ns.empty()) return sdk::AdmissionResult::allow();
  if (quotas_ && quotas_->list(ns).empty()) return sdk::AdmissionResult::allow();
  QuotaWork w;
  w.resource = req.resource;
  w.name = req.object->name();
  w.dry_run = req.dry_run;
  const std::string& group = req.resource.group;
  const std::string& resource = req.resource.resource;

  // What the object uses (its evaluator's Usage), and the pod's facts for scopes and constraints.
  if (group.empty() && resource == "pods") {
    w.pod = pod_facts(req.object->as<core::v1::Pod>(), machinery::now_seconds());
    w.delta = pod_usage(*w.pod);
  } else {
    w.delta = object_count_usage(group, resource);
    if (group.empty() && resource == "persistentvolumeclaims") {
      auto spec = req.object->as<core::v1::PersistentVolumeClaim>().getSpec();
      w.delta = add(w.delta, claim_usage(read_list(spec.getResources().getRequests()), spec.getStorageClassName()));
    } else if (group.empty() && resource == "services") {
      auto spec = req.object->as<core::v1::Service>().getSpec();
      w.delta = add(w.delta, service_usage(spec.getType(), static_cast<int>(spec.getPorts().size())));
    }
  }
  if (auto neg = negative(w.delta); !neg.empty()) {
    std::string list;
    for (const auto& n : neg) list += (list.empty() ? "" : ",") + n;
    return forbidden(req.resource, w.name, "quota usage is negative for resource(s): " + list);
  }

  // Concurrent admissions of a namespace are charged in batches, as upstream's quota evaluator
  // does: whoever finds no batch running takes every admission waiting and charges them all with
  // one conditional status write per quota; the others wait for its answer.
  NamespaceQueue& q = queue(ns);
  std::unique_lock lock(q.mu);
  q.pending.push_back(&w);
  while (!w.done) {
    if (q.busy) {
      q.cv.wait(lock);
      continue;
    }
    q.busy = true;
    std::vector<QuotaWork*> batch;
    batch.swap(q.pending);
    lock.unlock();
    charge_batch(ns, batch);
    lock.lock();
    for (auto* b : batch) b->done = true;
    q.busy = false;
    q.cv.notify_all();
  }
  return w.result;
}

PolicyAdmission::NamespaceQueue& PolicyAdmission::queue(const std::string& ns) const {
  std::lock_guard lock(queues_mu_);
  auto& q = queues_[ns];
  if (!q) q = std::make_unique<NamespaceQueue>();
  return *q;
}

void PolicyAdmission::charge_batch(const std::string& ns, const std::vector<QuotaWork*>& batch) const {
  std::lock_guard lock(ledger_.namespace_mutex(ns));
  std::vector<QuotaWork*> open = batch;      // not refused yet; refusals are final
  std::set<std::string> written;             // quotas whose status this batch has written
  for (auto* w : batch) w->result = sdk::AdmissionResult::allow();
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto quotas = client_.list(kResourceQuotasResource, ns);
    if (!quotas.status.ok()) {
      for (auto* w : open) w->result = internal_error("error looking up quotas: " + quotas.status.message);
      return;
    }
    struct Quota {
      sdk::ObjectPtr object;
      QuotaFacts facts;
      bool touched = false;
      std::vector<std::pair<QuotaWork*, ResourceList>> charges;
    };
    std::vector<Quota> state;
    for (const auto& obj : quotas.items) {
      Quota qs{obj, quota_facts(obj->as<core::v1::ResourceQuota>()), false, {}};
      if (!written.count(qs.facts.name)) state.push_back(std::move(qs));
    }
    std::vector<QuotaWork*> still_open;
    for (auto* w : open) {
      const std::string& group = w->resource.group;
      const std::string& resource = w->resource.resource;
      std::vector<std::pair<Quota*, ResourceList>> next;  // quota -> its new used
      std::string refusal;
      for (auto& qs : state) {
        const QuotaFacts& qf = qs.facts;
        if (!quota_matches(qf, w->pod ? &*w->pod : nullptr)) continue;
        std::vector<std::string> hard_names;
        for (const auto& n : names(qf.hard))
          if (tracks(group, resource, n)) hard_names.push_back(n);
        if (hard_names.empty()) continue;
        if (w->pod)
          if (auto c = pod_constraints(hard_names, w->pod->resources); !c.empty()) {
            refusal = "failed quota: " + qf.name + ": " + c;
            break;
          }
        if (!has_usage_stats(qf)) {
          refusal = "status unknown for quota: " + qf.name;
          break;
        }
        if (is_zero(w->delta)) continue;
        std::string error;
        auto used = charge(qf, w->delta, error);
        if (!used) {
          refusal = error;
          break;
        }
        next.emplace_back(&qs, std::move(*used));
      }
      if (!refusal.empty()) {
        w->result = forbidden(w->resource, w->name, refusal);
        continue;
      }
      still_open.push_back(w);
      if (w->dry_run) continue;  // checked, not charged
      for (auto& [qs, used] : next) {
        qs->charges.emplace_back(w, mask(w->delta, names(qs->facts.hard)));
        qs->facts.used = std::move(used);
        qs->touched = true;
      }
    }
    open = std::move(still_open);
    bool conflict = false;
    for (auto& qs : state) {
      if (!qs.touched) continue;
      capnp::MallocMessageBuilder msg;
      msg.setRoot(qs.object->as<core::v1::ResourceQuota>());
      auto b = msg.getRoot<core::v1::ResourceQuota>();
      // The object's resourceVersion stays: the write is conditional on the usage read above.
      set_list([&](unsigned n) { return b.getStatus().initUsed(n); }, qs.facts.used);
      auto res = client_.update(kResourceQuotasResource, ns, qs.facts.name, msg, "status");
      if (res.status.conflict() || res.status.not_found()) {
        conflict = true;
        continue;
      }
      if (!res.status.ok()) {
        for (auto* w : open) w->result = internal_error("failed to update quota " + qs.facts.name + ": " + res.status.message);
        return;
      }
      written.insert(qs.facts.name);
      for (const auto& [w, usage] : qs.charges)
        ledger_.record(ns, qs.facts.name, object_key(w->resource.group, w->resource.resource, w->name), usage);
    }
    if (!conflict) return;
  }
  for (auto* w : open)
    w->result = internal_error(
        "Operation cannot be fulfilled on resourcequotas: the quota status kept changing; please retry", 409, "Conflict");
}

// ---- PodDisruptionBudget: pods/eviction ---------------------------------------------------------

sdk::AdmissionResult PolicyAdmission::eviction(const sdk::AdmissionRequest& req) const {
  if (req.subresource != "eviction" || !req.old_object) return sdk::AdmissionResult::allow();
  const auto& stored = req.old_object;
  const std::string ns = stored->ns();
  auto pod = stored->as<core::v1::Pod>();
  if (can_ignore_budget(pod)) return sdk::AdmissionResult::allow();
  std::lock_guard lock(ledger_.namespace_mutex(ns));
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto pdbs = client_.list(kPodDisruptionBudgetsResource, ns);
    if (!pdbs.status.ok()) {
      sdk::AdmissionResult r;
      r.allowed = false;
      r.code = 500;
      r.reason = "InternalError";
      r.message = pdbs.status.message;
      return r;
    }
    std::vector<sdk::ObjectPtr> matching;
    for (const auto& p : pdbs.items)
      if (budget_selects(p->as<policy::v1::PodDisruptionBudget>(), pod)) matching.push_back(p);
    if (matching.empty()) return sdk::AdmissionResult::allow();
    EvictionVerdict v = decide_eviction(matching.size(), matching.front()->as<policy::v1::PodDisruptionBudget>(), pod);
    if (!v.allowed) {
      sdk::AdmissionResult r;
      r.allowed = false;
      r.code = v.code;
      r.reason = v.reason;
      r.message = v.message;
      if (!v.cause.empty()) r.causes.push_back({"", "DisruptionBudget", v.cause});
      return r;
    }
    if (!v.decrement || req.dry_run) return sdk::AdmissionResult::allow();
    capnp::MallocMessageBuilder msg;
    msg.setRoot(matching.front()->as<policy::v1::PodDisruptionBudget>());
    auto b = msg.getRoot<policy::v1::PodDisruptionBudget>();
    record_disruption(b, pod.getMetadata().getName(), machinery::now_seconds());
    auto res = client_.update(kPodDisruptionBudgetsResource, ns, matching.front()->name(), msg, "status");
    if (res.status.conflict()) continue;
    if (!res.status.ok()) {
      sdk::AdmissionResult r;
      r.allowed = false;
      r.code = res.status.code;
      r.reason = res.status.reason;
      r.message = res.status.message;
      return r;
    }
    return sdk::AdmissionResult::allow();
  }
  sdk::AdmissionResult r;
  r.allowed = false;
  r.code = 429;
  r.reason = "TooManyRequests";
  r.message = "Too many requests, please try again later.";
  return r;
}

}  // namespace capstan::policy
