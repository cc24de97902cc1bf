#include "replicaset_controller.hpp"

#include <capnp/message.h>

#include <nlohmann/json.hpp>

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "capstan/selectors.hpp"

namespace capstan::replicaset {
namespace {

using apps::v1::ReplicaSet;
using core::v1::Pod;
using machinery::kPods;
using machinery::kReplicaSets;

Labels to_map(capnp::List<k8s::StringEntry>::Reader l) { return sdk::labels_of(l); }
using sdk::selector_empty;
using sdk::selector_matches;

PodInfo pod_info(const sdk::ObjectPtr& obj) {
  auto pod = obj->as<Pod>();
  auto md = pod.getMetadata();
  PodInfo p;
  p.name = obj->name();
  p.uid = obj->uid();
  p.labels = to_map(md.getLabels());
  p.created = machinery::parse_rfc3339_seconds(md.getCreationTimestamp().cStr()).value_or(0);
  p.node_name = pod.getSpec().getNodeName();
  p.phase = pod.getStatus().getPhase();
  for (auto c : pod.getStatus().getConditions()) {
    if (c.getType() == "Ready" && c.getStatus() == "True") {
      p.ready = true;
      p.ready_since = machinery::parse_rfc3339_seconds(c.getLastTransitionTime().cStr()).value_or(0);
    }
  }
  p.deleting = md.hasDeletionTimestamp() && md.getDeletionTimestamp().size() > 0;
  for (auto o : md.getOwnerReferences())
    if (o.getController().isValue() && o.getController().getValue()) p.controller_uid = o.getUid();
  return p;
}

}  // namespace

ReplicaSetController::ReplicaSetController(const sdk::Host& host)
    : host_(host), client_(host, kComponent), recorder_(host, kComponent), rss_(client_, kReplicaSets),
      pods_(client_, kPods) {
  // Events are written in the background so a burst of creates does not wait on them.
  recorder_.set_synchronous(false);
  controller_ = std::make_unique<sdk::Controller>("replicaset", host_,
                                                  [this](const std::string& key) { return reconcile(key); });
  controller_->watch(rss_);
  // Registers the pod informer for the sync wait; our own handler below does the enqueueing,
  // after lowering expectations, so a reconcile never sees an event before its expectation.
  controller_->watch_owned(pods_, [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; });
  pods_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) { on_pod(obj, kind); });
}

void ReplicaSetController::start() {
  rss_.start();
  pods_.start();
  controller_->start();
}
void ReplicaSetController::stop() {
  controller_->stop();
  pods_.stop();
  rss_.stop();
  recorder_.shutdown();
}

void ReplicaSetController::on_pod(const sdk::ObjectPtr& obj, sdk::EventKind kind) {
  auto owner = sdk::controller_owner_key(obj, "ReplicaSet", "apps/v1");
  if (owner) {
    if (kind == sdk::EventKind::kAdded) expectations_.creation_observed(*owner);
    if (kind == sdk::EventKind::kDeleted) expectations_.deletion_observed(*owner);
    controller_->enqueue(*owner);
    return;
  }
  // An orphan: every ReplicaSet of its namespace whose selector matches may adopt it.
  if (kind == sdk::EventKind::kDeleted) return;
  Labels labels = to_map(obj->as<Pod>().getMetadata().getLabels());
  for (const auto& rs : rss_.list(obj->ns())) {
    auto sel = rs->as<ReplicaSet>().getSpec().getSelector();
    if (!selector_empty(sel) && selector_matches(sel, labels)) controller_->enqueue(rs->key());
  }
}

std::string ReplicaSetController::owner_refs_json(capnp::List<meta::OwnerReference>::Reader refs, const std::string& drop_uid,
                            const sdk::ObjectPtr* add) {
  nlohmann::json arr = nlohmann::json::array();
  for (auto o : refs) {
    if (std::string(o.getUid().cStr()) == drop_uid) continue;
    nlohmann::json j{{"apiVersion", o.getApiVersion().cStr()}, {"kind", o.getKind().cStr()},
                     {"name", o.getName().cStr()}, {"uid", o.getUid().cStr()}};
    if (o.getController().isValue()) j["controller"] = o.getController().getValue();
    if (o.getBlockOwnerDeletion().isValue()) j["blockOwnerDeletion"] = o.getBlockOwnerDeletion().getValue();
    arr.push_back(j);
  }
  if (add)
    arr.push_back({{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", (*add)->name()},
                   {"uid", (*add)->uid()}, {"controller", true}, {"blockOwnerDeletion", true}});
  return arr.dump();
}

// Adopt (add our controller ref) or release (remove it); precondition on the pod's uid and RV.
bool ReplicaSetController::patch_owner(const sdk::ObjectPtr& pod, const sdk::ObjectPtr& rs, bool adopt, bool* conflict) {
  auto md = pod->as<Pod>().getMetadata();
  nlohmann::json body;
  body["metadata"]["resourceVersion"] = md.getResourceVersion().cStr();
  body["metadata"]["ownerReferences"] =
      nlohmann::json::parse(owner_refs_json(md.getOwnerReferences(), rs->uid(), adopt ? &rs : nullptr));
  auto r = client_.patch(kPods, pod->ns(), pod->name(), "merge", body.dump());
  if (conflict && r.status.conflict()) *conflict = true;
  if (!r.status.ok() && !r.status.not_found() && !r.status.conflict())
    host_.warn("replicaset " + rs->key() + ": cannot " + (adopt ? "adopt" : "release") + " pod " + pod->name() +
               ": " + r.status.message);
  return r.status.ok();
}

bool ReplicaSetController::create_pod(ReplicaSet::Reader rs, const sdk::ObjectPtr& rs_obj) {
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<Pod>();
  pod.setApiVersion("v1");
  pod.setKind("Pod");
  auto tmpl = rs.getSpec().getTemplate();
  auto md = pod.initMetadata();
  md.setGenerateName(rs_obj->name() + "-");
  md.setNamespace(rs_obj->ns());
  md.setLabels(tmpl.getMetadata().getLabels());
  md.setAnnotations(tmpl.getMetadata().getAnnotations());
  if (tmpl.getMetadata().hasFinalizers()) md.setFinalizers(tmpl.getMetadata().getFinalizers());
  auto refs = md.initOwnerReferences(1);
  refs[0].setApiVersion("apps/v1");
  refs[0].setKind("ReplicaSet");
  refs[0].setName(rs_obj->name());
  refs[0].setUid(rs_obj->uid());
  refs[0].getController().setValue(true);
  refs[0].getBlockOwnerDeletion().setValue(true);
  pod.setSpec(tmpl.getSpec());
  auto r = client_.create(kPods, rs_obj->ns(), m);
  if (!r.status.ok()) {
    host_.warn("replicaset " + rs_obj->key() + ": cannot create pod: " + r.status.message);
    recorder_.record(rs_obj, sdk::kEventTypeWarning, "FailedCreate", "Error creating: " + r.status.message);
    return false;
  }
  recorder_.record(rs_obj, sdk::kEventTypeNormal, "SuccessfulCreate", "Created pod: " + r.object->name());
  return true;
}

sdk::ReconcileResult ReplicaSetController::reconcile(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto obj = rss_.get(ns, name);
  if (!obj) {
    expectations_.forget(key);
    return sdk::ReconcileResult::ok();
  }
  auto rs = obj->as<ReplicaSet>();
  auto spec = rs.getSpec();
  const bool rs_deleting = rs.getMetadata().hasDeletionTimestamp() && rs.getMetadata().getDeletionTimestamp().size() > 0;
  auto sel = spec.getSelector();
  const int64_t now = machinery::now_seconds();

  // Claim pods: keep owned matching ones, release owned non-matching, adopt matching orphans.
  std::vector<PodInfo> owned;
  std::map<std::string, sdk::ObjectPtr> by_name;
  bool claim_conflict = false;
  for (const auto& p : pods_.list(ns)) {
    PodInfo info = pod_info(p);
    bool matches = !selector_empty(sel) && selector_matches(sel, info.labels);
    if (info.controller_uid == obj->uid()) {
      if (matches) {
        owned.push_back(info);
        by_name[info.name] = p;
      } else if (!info.deleting) {
        patch_owner(p, obj, false);
      }
    } else if (info.controller_uid.empty() && matches && !info.deleting && !rs_deleting) {
      if (patch_owner(p, obj, true, &claim_conflict)) {
        owned.push_back(info);
        by_name[info.name] = p;
      }
    }
  }
  // A pod changed under an adoption: the cache is behind (often our own earlier adoption, not yet
  // observed). Counting it as not ours would create a replacement for a pod we own: retry instead.
  if (claim_conflict) return sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}};
  std::vector<PodInfo> active;
  for (auto& p : owned)
    if (is_active(p)) active.push_back(p);

  const int desired = spec.getReplicas().isValue() ? spec.getReplicas().getValue() : 1;
  if (!rs_deleting && expectations_.satisfied(key)) {
    int diff = replica_diff(desired, static_cast<int>(active.size()));
    if (diff > 0) {
      expectations_.expect(key, diff, 0);
      for (int i = 0; i < diff; ++i)
        if (!create_pod(rs, obj)) expectations_.creation_observed(key);  // it will never be observed
    } else if (diff < 0) {
      auto victims = pods_to_delete(active, static_cast<size_t>(-diff));
      expectations_.expect(key, 0, static_cast<int>(victims.size()));
      for (const auto& v : victims) {
        auto s = client_.remove(kPods, ns, v.name, "Background", v.uid);
        if (!s.ok()) {
          expectations_.deletion_observed(key);
          if (!s.not_found()) {
            host_.warn("replicaset " + key + ": cannot delete pod " + v.name + ": " + s.message);
            recorder_.record(obj, sdk::kEventTypeWarning, "FailedDelete", "Error deleting: " + s.message);
          }
        } else {
          recorder_.record(obj, sdk::kEventTypeNormal, "SuccessfulDelete", "Deleted pod: " + v.name);
        }
      }
    }
  }

  // Status, from what the cache shows now.
  RsCounts c = count_pods(active, to_map(spec.getTemplate().getMetadata().getLabels()), spec.getMinReadySeconds(), now);
  // status.replicas also counts this set's pods that are still terminating (graceful deletion),
  // so `kubectl rollout status` waits for old pods to be gone ("old replicas are pending
  // termination") instead of finishing while they still serve.
  for (const auto& p : owned)
    if (p.deleting && p.phase != "Succeeded" && p.phase != "Failed") ++c.replicas;
  auto st = rs.getStatus();
  const int64_t generation = rs.getMetadata().getGeneration().isValue() ? rs.getMetadata().getGeneration().getValue() : 0;
  sdk::ReconcileResult result = sdk::ReconcileResult::ok();
  if (c.recheck_in > 0) result = sdk::ReconcileResult::after(std::chrono::seconds(c.recheck_in));
  if (st.getReplicas() == c.replicas && st.getFullyLabeledReplicas() == c.fully_labeled &&
      st.getReadyReplicas() == c.ready && st.getAvailableReplicas() == c.available &&
      st.getObservedGeneration() == generation)
    return result;
  capnp::MallocMessageBuilder m;
  m.setRoot(rs);
  auto ns_st = m.getRoot<ReplicaSet>().getStatus();
  ns_st.setReplicas(c.replicas);
  ns_st.setFullyLabeledReplicas(c.fully_labeled);
  ns_st.setReadyReplicas(c.ready);
  ns_st.setAvailableReplicas(c.available);
  ns_st.setObservedGeneration(generation);
  auto r = client_.update(kReplicaSets, ns, name, m, "status");
  if (r.status.ok() || r.status.not_found()) return result;
  if (r.status.conflict()) return sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}};
  return sdk::ReconcileResult::fail("cannot update status of replicaset " + key + ": " + r.status.message);
}

}  // namespace capstan::replicaset
