#include "policy_controllers.hpp"

#include <capnp/message.h>

#include <set>

#include "capstan/apps_v1.capnp.h"
#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_policy.capnp.h"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/time.hpp"
#include "capstan/policy_v1.capnp.h"
#include "disruption_logic.hpp"
#include "policy_admission.hpp"
#include "policy_objects.hpp"

namespace capstan::policy {

namespace {

constexpr auto kQuotaResync = std::chrono::seconds(30);

const sdk::Resource kPods{"", "v1", "pods"};
const sdk::Resource kServices{"", "v1", "services"};
const sdk::Resource kClaims{"", "v1", "persistentvolumeclaims"};
const sdk::Resource kConfigMaps{"", "v1", "configmaps"};
const sdk::Resource kSecrets{"", "v1", "secrets"};

// The group/resource a quota name counts, for names other than the pods' compute ones.
std::optional<std::pair<std::string, std::string>> counted_resource(const std::string& name) {
  if (name.rfind("count/", 0) == 0) {
    const std::string rest = name.substr(6);
    const auto dot = rest.find('.');
    if (dot == std::string::npos) return std::make_pair(std::string(), rest);
    return std::make_pair(rest.substr(dot + 1), rest.substr(0, dot));
  }
  for (const char* legacy : {"services", "configmaps", "secrets", "persistentvolumeclaims", "replicationcontrollers",
                             "resourcequotas"})
    if (name == legacy) return std::make_pair(std::string(), name);
  if (name == "requests.storage" || name.find(".storageclass.storage.k8s.io/") != std::string::npos)
    return std::make_pair(std::string(), std::string("persistentvolumeclaims"));
  if (name == "services.loadbalancers" || name == "services.nodeports")
    return std::make_pair(std::string(), std::string("services"));
  return std::nullopt;
}

}  // namespace

PolicyControllers::PolicyControllers(const sdk::Host& host, const sdk::Client& client, QuotaLedger& ledger)
    : host_(host),
      client_(client),
      ledger_(ledger),
      quotas_(client, kResourceQuotasResource),
      budgets_(client, kPodDisruptionBudgetsResource),
      pods_(client, kPods),
      services_(client, kServices),
      claims_(client, kClaims),
      configmaps_(client, kConfigMaps),
      secrets_(client, kSecrets) {
  quota_controller_ = std::make_unique<sdk::Controller>("resourcequota", host_, [this](const std::string& k) { return sync_quota(k); });
  budget_controller_ = std::make_unique<sdk::Controller>("disruption", host_, [this](const std::string& k) { return sync_budget(k); });
  // Only quotas whose status does not answer their spec are recalculated on a change (as upstream,
  // which ignores status-only updates): the admissions' own charges change status.used on every
  // create, and a full recalculation each time would list the namespace per create. Every quota
  // is also recalculated every 30 s (sync_quota requeues itself).
  quota_controller_->watch_owned(quotas_, [](const sdk::ObjectPtr&) { return std::optional<std::string>(); });
  quotas_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) {
    if (kind == sdk::EventKind::kDeleted) return;
    const QuotaFacts f = quota_facts(obj->as<core::v1::ResourceQuota>());
    bool stale = f.hard.size() != f.spec_hard.size();
    for (const auto& [n, q] : f.spec_hard) {
      auto h = f.hard.find(n);
      if (h == f.hard.end() || !(h->second == q) || !f.used.count(n)) stale = true;
    }
    if (stale || kind == sdk::EventKind::kAdded) quota_controller_->enqueue(obj->key());
  });
  budget_controller_->watch(budgets_);
  // Registered so the budget controller waits for the pods' cache; keys come from the handler below.
  budget_controller_->watch_owned(pods_, [](const sdk::ObjectPtr&) { return std::optional<std::string>(); });
  pods_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) {
    if (kind == sdk::EventKind::kAdded) ledger_.observe(obj->ns(), object_key("", "pods", obj->name()));
    enqueue_budgets(obj->ns());
    const std::string phase = obj->as<core::v1::Pod>().getStatus().getPhase();
    if (kind == sdk::EventKind::kDeleted || phase == "Succeeded" || phase == "Failed" ||
        obj->metadata().hasDeletionTimestamp())
      enqueue_quotas(obj->ns());
  });
  for (auto* informer : {&services_, &claims_, &configmaps_, &secrets_})
    informer->add_handler([this, informer](const sdk::ObjectPtr& obj, sdk::EventKind kind) {
      if (kind == sdk::EventKind::kAdded)
        ledger_.observe(obj->ns(), object_key(informer->resource().group, informer->resource().resource, obj->name()));
      if (kind == sdk::EventKind::kDeleted) enqueue_quotas(obj->ns());
    });
}

PolicyControllers::~PolicyControllers() { stop(); }

void PolicyControllers::start() {
  for (auto* i : {&quotas_, &budgets_, &pods_, &services_, &claims_, &configmaps_, &secrets_}) i->start();
  quota_controller_->start();
  budget_controller_->start();
}

void PolicyControllers::stop() {
  if (quota_controller_) quota_controller_->stop();
  if (budget_controller_) budget_controller_->stop();
  for (auto* i : {&quotas_, &budgets_, &pods_, &services_, &claims_, &configmaps_, &secrets_}) i->stop();
}

void PolicyControllers::enqueue_quotas(const std::string& ns) {
  for (const auto& q : quotas_.list(ns)) quota_controller_->enqueue(q->key());
}

void PolicyControllers::enqueue_budgets(const std::string& ns) {
  for (const auto& b : budgets_.list(ns)) budget_controller_->enqueue(b->key());
}

std::string PolicyControllers::version_of(const std::string& group, const std::string& resource) {
  std::lock_guard lock(versions_mu_);
  const std::string key = resource + "." + group;
  if (auto it = versions_.find(key); it != versions_.end()) return it->second;
  for (const auto& k : client_.kinds()) versions_[k.plural + "." + k.group] = k.version;
  auto it = versions_.find(key);
  return it == versions_.end() ? "" : it->second;
}

// ---- resource quota -----------------------------------------------------------------------------

sdk::ReconcileResult PolicyControllers::sync_quota(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  std::lock_guard lock(ledger_.namespace_mutex(ns));
  auto got = client_.get(kResourceQuotasResource, ns, name);
  if (got.status.not_found()) return sdk::ReconcileResult::ok();
  if (!got.status.ok()) return sdk::ReconcileResult::fail(got.status.message);
  auto quota = got.object->as<core::v1::ResourceQuota>();
  const QuotaFacts facts = quota_facts(quota);
  const int64_t now = machinery::now_seconds();

  // Which resources to list: pods for the compute names, the counted resource for the others.
  bool want_pods = false;
  std::set<std::pair<std::string, std::string>> resources;  // (group, resource)
  for (const auto& [n, q] : facts.spec_hard) {
    if (tracks("", "pods", n) && !counted_resource(n)) want_pods = true;
    else if (auto r = counted_resource(n)) {
      if (r->first.empty() && r->second == "pods") want_pods = true;
      else resources.insert(*r);
    }
  }
  ResourceList total;
  std::set<std::string> seen;
  if (want_pods) {
    auto pods = client_.list(kPods, ns);
    if (!pods.status.ok()) return sdk::ReconcileResult::fail(pods.status.message);
    for (const auto& p : pods.items) {
      seen.insert(object_key("", "pods", p->name()));
      const PodFacts pf = pod_facts(p->as<core::v1::Pod>(), now);
      if (quota_matches(facts, &pf)) total = add(total, pod_usage(pf));
    }
  }
  if (facts.scopes.empty()) {
    for (const auto& [group, resource] : resources) {
      const std::string version = version_of(group, resource);
      if (version.empty()) continue;  // not served: counts as zero
      auto list = client_.list(sdk::Resource{group, version, resource}, ns);
      if (!list.status.ok()) continue;
      for (const auto& o : list.items) {
        seen.insert(object_key(group, resource, o->name()));
        ResourceList usage = object_count_usage(group, resource);
        if (group.empty() && resource == "persistentvolumeclaims") {
          auto spec = o->as<core::v1::PersistentVolumeClaim>().getSpec();
          usage = add(usage, claim_usage(read_list(spec.getResources().getRequests()), spec.getStorageClassName()));
        } else if (group.empty() && resource == "services") {
          auto spec = o->as<core::v1::Service>().getSpec();
          usage = add(usage, service_usage(spec.getType(), static_cast<int>(spec.getPorts().size())));
        }
        total = add(total, usage);
      }
    }
  }
  const auto hard_names = names(facts.spec_hard);
  ResourceList used = mask(total, hard_names);
  for (const auto& n : hard_names) used.emplace(n, Quantity());
  used = add(used, mask(ledger_.pending(ns, name, seen), hard_names));

  auto same = [](const ResourceList& a, const ResourceList& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [n, q] : a) {
      auto it = b.find(n);
      if (it == b.end() || !(it->second == q)) return false;
    }
    return true;
  };
  if (same(facts.hard, facts.spec_hard) && same(facts.used, used)) return sdk::ReconcileResult::after(kQuotaResync);
  capnp::MallocMessageBuilder msg;
  msg.setRoot(quota);
  auto b = msg.getRoot<core::v1::ResourceQuota>();
  set_list([&](unsigned n) { return b.getStatus().initHard(n); }, facts.spec_hard);
  set_list([&](unsigned n) { return b.getStatus().initUsed(n); }, used);
  auto res = client_.update(kResourceQuotasResource, ns, name, msg, "status");
  if (res.status.conflict()) return sdk::ReconcileResult{true, std::chrono::milliseconds(0), {}};
  if (!res.status.ok() && !res.status.not_found()) return sdk::ReconcileResult::fail(res.status.message);
  return sdk::ReconcileResult::after(kQuotaResync);
}

// ---- disruption budgets -------------------------------------------------------------------------

namespace {

std::optional<int32_t> replicas_of(const sdk::Client& client, const std::string& ns, meta::OwnerReference::Reader ref,
                                   std::set<std::string>& counted) {
  const std::string kind = ref.getKind();
  const std::string api = ref.getApiVersion();
  auto once = [&](const std::string& uid, int32_t replicas) -> std::optional<int32_t> {
    return counted.insert(uid).second ? replicas : 0;
  };
  if (kind == "ReplicaSet" && api == "apps/v1") {
    auto rs = client.get({"apps", "v1", "replicasets"}, ns, ref.getName());
    if (!rs.status.ok()) return std::nullopt;
    auto r = rs.object->as<apps::v1::ReplicaSet>();
    // A ReplicaSet of a Deployment: the Deployment's scale, as the disruption controller's finder.
    for (auto o : r.getMetadata().getOwnerReferences())
      if (o.getController().isValue() && o.getController().getValue() && o.getKind() == "Deployment") {
        auto d = client.get({"apps", "v1", "deployments"}, ns, o.getName());
        if (!d.status.ok()) return std::nullopt;
        auto spec = d.object->as<apps::v1::Deployment>().getSpec();
        return once(d.object->uid(), spec.getReplicas().isValue() ? spec.getReplicas().getValue() : 1);
      }
    auto spec = r.getSpec();
    return once(rs.object->uid(), spec.getReplicas().isValue() ? spec.getReplicas().getValue() : 1);
  }
  if (kind == "StatefulSet" && api == "apps/v1") {
    auto ss = client.get({"apps", "v1", "statefulsets"}, ns, ref.getName());
    if (!ss.status.ok()) return std::nullopt;
    auto spec = ss.object->as<apps::v1::StatefulSet>().getSpec();
    return once(ss.object->uid(), spec.getReplicas().isValue() ? spec.getReplicas().getValue() : 1);
  }
  return std::nullopt;
}

}  // namespace

sdk::ReconcileResult PolicyControllers::sync_budget(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  std::lock_guard lock(ledger_.namespace_mutex(ns));
  auto got = client_.get(kPodDisruptionBudgetsResource, ns, name);
  if (got.status.not_found()) return sdk::ReconcileResult::ok();
  if (!got.status.ok()) return sdk::ReconcileResult::fail(got.status.message);
  auto pdb = got.object->as<policy::v1::PodDisruptionBudget>();
  const int64_t now = machinery::now_seconds();
  std::vector<BudgetPod> pods;
  std::optional<int32_t> scale = 0;
  std::set<std::string> counted;
  for (const auto& p : pods_.list(ns)) {
    auto pod = p->as<core::v1::Pod>();
    if (!budget_selects(pdb, pod)) continue;
    pods.push_back({p->name(), pod_ready(pod), pod.getMetadata().hasDeletionTimestamp()});
    std::optional<int32_t> r;
    for (auto o : pod.getMetadata().getOwnerReferences())
      if (o.getController().isValue() && o.getController().getValue()) r = replicas_of(client_, ns, o, counted);
    if (!r) scale.reset();
    else if (scale) *scale += *r;
  }
  const bool needs_scale =
      pdb.getSpec().hasMaxUnavailable() || (pdb.getSpec().hasMinAvailable() && !pdb.getSpec().getMinAvailable().isInt());
  const BudgetNumbers numbers = budget_numbers(pdb, pods, needs_scale ? scale : std::optional<int32_t>(0), now);
  capnp::MallocMessageBuilder msg;
  msg.setRoot(pdb);
  auto b = msg.getRoot<policy::v1::PodDisruptionBudget>();
  if (!write_budget_status(b, numbers, pods, now)) return sdk::ReconcileResult::ok();
  auto res = client_.update(kPodDisruptionBudgetsResource, ns, name, msg, "status");
  if (res.status.conflict()) return sdk::ReconcileResult{true, std::chrono::milliseconds(0), {}};
  if (!res.status.ok() && !res.status.not_found()) return sdk::ReconcileResult::fail(res.status.message);
  // Disrupted pods that are not deleted in time count again: look then.
  if (b.getStatus().getDisruptedPods().size() > 0) return sdk::ReconcileResult::after(std::chrono::seconds(kDeletionTimeoutSeconds));
  return sdk::ReconcileResult::ok();
}

}  // namespace capstan::policy
