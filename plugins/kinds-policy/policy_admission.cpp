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

sdk::AdmissionResult PolicyAdmission::resource_quota(const sdk::AdmissionRequest& req) const {
  if (req.operation != Op::kCreate || !req.object || !req.subresource.empty()) return sdk::AdmissionResult::allow();
  const std::string ns = req.object->ns();
  if (ns.empty()) return sdk::AdmissionResult::allow();
  if (quotas_ && quotas_->list(ns).empty()) return sdk::AdmissionResult::allow();
  const std::string& group = req.resource.group;
  const std::string& resource = req.resource.resource;
  const std::string name = req.object->name();

  // What the object uses (its evaluator's Usage), and the pod's facts for scopes and constraints.
  std::optional<PodFacts> pod;
  ResourceList delta;
  if (group.empty() && resource == "pods") {
    pod = pod_facts(req.object->as<core::v1::Pod>(), machinery::now_seconds());
    delta = pod_usage(*pod);
  } else {
    delta = object_count_usage(group, resource);
    if (group.empty() && resource == "persistentvolumeclaims") {
      auto spec = req.object->as<core::v1::PersistentVolumeClaim>().getSpec();
      delta = add(delta, claim_usage(read_list(spec.getResources().getRequests()), spec.getStorageClassName()));
    } else if (group.empty() && resource == "services") {
      auto spec = req.object->as<core::v1::Service>().getSpec();
      delta = add(delta, service_usage(spec.getType(), static_cast<int>(spec.getPorts().size())));
    }
  }
  if (auto neg = negative(delta); !neg.empty()) {
    std::string list;
    for (const auto& n : neg) list += (list.empty() ? "" : ",") + n;
    return forbidden(req.resource, name, "quota usage is negative for resource(s): " + list);
  }

  std::lock_guard lock(ledger_.namespace_mutex(ns));
  std::set<std::string> charged;  // quotas already charged by this request (a retry skips them)
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto quotas = client_.list(kResourceQuotasResource, ns);
    if (!quotas.status.ok()) {
      sdk::AdmissionResult r;
      r.allowed = false;
      r.code = 500;
      r.reason = "InternalError";
      r.message = "error looking up quotas: " + quotas.status.message;
      return r;
    }
    struct Interesting {
      sdk::ObjectPtr object;
      QuotaFacts facts;
    };
    std::vector<Interesting> interesting;
    for (const auto& obj : quotas.items) {
      QuotaFacts q = quota_facts(obj->as<core::v1::ResourceQuota>());
      if (charged.count(q.name)) continue;
      if (!quota_matches(q, pod ? &*pod : nullptr)) continue;
      std::vector<std::string> hard_names;
      for (const auto& n : names(q.hard))
        if (tracks(group, resource, n)) hard_names.push_back(n);
      if (hard_names.empty()) continue;
      if (pod)
        if (auto c = pod_constraints(hard_names, pod->resources); !c.empty())
          return forbidden(req.resource, name, "failed quota: " + q.name + ": " + c);
      if (!has_usage_stats(q)) return forbidden(req.resource, name, "status unknown for quota: " + q.name);
      interesting.push_back({obj, std::move(q)});
    }
    if (interesting.empty() || is_zero(delta)) return sdk::AdmissionResult::allow();
    std::vector<ResourceList> new_used;
    for (const auto& i : interesting) {
      std::string error;
      auto used = charge(i.facts, delta, error);
      if (!used) return forbidden(req.resource, name, error);
      new_used.push_back(std::move(*used));
    }
    if (req.dry_run) return sdk::AdmissionResult::allow();
    bool conflict = false;
    for (size_t k = 0; k < interesting.size(); ++k) {
      const auto& i = interesting[k];
      capnp::MallocMessageBuilder msg;
      msg.setRoot(i.object->as<core::v1::ResourceQuota>());
      auto q = msg.getRoot<core::v1::ResourceQuota>();
      // The object's resourceVersion stays: the write is conditional on the usage read above.
      set_list([&](unsigned n) { return q.getStatus().initUsed(n); }, new_used[k]);
      auto res = client_.update(kResourceQuotasResource, ns, i.facts.name, msg, "status");
      if (res.status.conflict() || res.status.not_found()) {
        conflict = true;
        continue;
      }
      if (!res.status.ok()) {
        sdk::AdmissionResult r;
        r.allowed = false;
        r.code = 500;
        r.reason = "InternalError";
        r.message = "failed to update quota " + i.facts.name + ": " + res.status.message;
        return r;
      }
      charged.insert(i.facts.name);
      ledger_.record(ns, i.facts.name, object_key(group, resource, name), mask(delta, names(i.facts.hard)));
    }
    if (!conflict) return sdk::AdmissionResult::allow();
  }
  sdk::AdmissionResult r;
  r.allowed = false;
  r.code = 409;
  r.reason = "Conflict";
  r.message = "Operation cannot be fulfilled on resourcequotas: the quota status kept changing; please retry";
  return r;
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
