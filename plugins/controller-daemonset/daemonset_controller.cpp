#include "daemonset_controller.hpp"

#include <capnp/message.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "capstan/machinery/resources.hpp"
#include "capstan/core_v1.capnp.h"
#include "capstan/hash.hpp"
#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/selectors.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::daemonset {
namespace {

using apps::v1::ControllerRevision;
using apps::v1::DaemonSet;
using core::v1::Node;
using core::v1::Pod;
using nlohmann::json;
using machinery::kPods;
using machinery::kNodes;
using machinery::kDaemonSets;
using machinery::kControllerRevisions;
constexpr int kBurstReplicas = 250;  // the most creations or deletions one sync issues

bool deleting(const sdk::ObjectPtr& obj) {
  auto md = obj->metadata();
  return md.hasDeletionTimestamp() && md.getDeletionTimestamp().size() > 0;
}

std::string controller_uid(const sdk::ObjectPtr& obj) {
  for (auto o : obj->metadata().getOwnerReferences())
    if (o.getController().isValue() && o.getController().getValue()) return o.getUid();
  return "";
}

std::string label(const sdk::ObjectPtr& obj, const char* key) {
  for (auto l : obj->metadata().getLabels())
    if (l.getKey() == key) return l.getValue();
  return "";
}

// util.GetTargetNodeName: spec.nodeName, or (not yet scheduled) the node the pod's required node
// affinity names through matchFields metadata.name In [one node].
std::string target_node(Pod::Reader pod) {
  if (pod.getSpec().getNodeName().size()) return pod.getSpec().getNodeName();
  auto spec = pod.getSpec();
  if (!spec.hasAffinity() || !spec.getAffinity().hasNodeAffinity()) return "";
  auto na = spec.getAffinity().getNodeAffinity();
  if (!na.hasRequiredDuringSchedulingIgnoredDuringExecution()) return "";
  for (auto t : na.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms())
    for (auto e : t.getMatchFields())
      if (e.getKey() == "metadata.name" && e.getOperator() == "In")
        return e.getValues().size() == 1 ? std::string(e.getValues()[0].cStr()) : "";
  return "";
}

DaemonPod daemon_pod(const sdk::ObjectPtr& obj) {
  auto pod = obj->as<Pod>();
  DaemonPod p;
  p.name = obj->name();
  p.node = target_node(pod);
  p.scheduled = pod.getSpec().getNodeName().size() > 0;
  p.created = machinery::parse_rfc3339_seconds(pod.getMetadata().getCreationTimestamp().cStr()).value_or(0);
  p.phase = pod.getStatus().getPhase();
  for (auto c : pod.getStatus().getConditions())
    if (c.getType() == "Ready" && c.getStatus() == "True") {
      p.ready = true;
      p.ready_since = machinery::parse_rfc3339_seconds(c.getLastTransitionTime().cStr()).value_or(0);
    }
  p.deleting = deleting(obj);
  p.hash = label(obj, kRevisionHashLabel);
  p.generation = label(obj, kTemplateGenerationLabel);
  return p;
}

NodeView node_view(const sdk::ObjectPtr& obj) {
  auto node = obj->as<Node>();
  return {obj->name(), sdk::labels_of(node.getMetadata().getLabels()), sdk::scheduling::taints_of(node.getSpec().getTaints())};
}

PlacementView placement(DaemonSet::Reader ds) {
  auto spec = ds.getSpec().getTemplate().getSpec();
  PlacementView p;
  p.node_name = spec.getNodeName();
  p.affinity = sdk::scheduling::required_node_affinity(spec);
  p.tolerations = daemon_tolerations(sdk::scheduling::tolerations_of(spec.getTolerations()), spec.getHostNetwork());
  return p;
}

std::optional<int64_t> template_generation(const sdk::ObjectPtr& ds) {
  for (auto a : ds->metadata().getAnnotations())
    if (a.getKey() == kTemplateGenerationAnnotation) {
      try {
        return std::stoll(a.getValue().cStr());
      } catch (...) {
        return std::nullopt;
      }
    }
  return std::nullopt;
}

json owner_ref(const sdk::ObjectPtr& ds) {
  return {{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"name", ds->name()}, {"uid", ds->uid()},
          {"controller", true}, {"blockOwnerDeletion", true}};
}

void set_owner(meta::ObjectMeta::Builder md, const sdk::ObjectPtr& ds) {
  auto refs = md.initOwnerReferences(1);
  refs[0].setApiVersion("apps/v1");
  refs[0].setKind("DaemonSet");
  refs[0].setName(ds->name());
  refs[0].setUid(ds->uid());
  refs[0].getController().setValue(true);
  refs[0].getBlockOwnerDeletion().setValue(true);
}

void set_map(capnp::List<k8s::StringEntry>::Builder list, const Labels& m) {
  unsigned i = 0;
  for (const auto& [k, v] : m) {
    list[i].setKey(k);
    list[i++].setValue(v);
  }
}

}  // namespace

DaemonSetController::DaemonSetController(const sdk::Host& host)
    : host_(host), client_(host, kComponent), recorder_(host, kComponent), dss_(client_, kDaemonSets),
      pods_(client_, kPods), nodes_(client_, kNodes), revisions_(client_, kControllerRevisions),
      history_(client_, revisions_, "apps/v1", "DaemonSet") {
  recorder_.set_synchronous(false);
  controller_ = std::make_unique<sdk::Controller>("daemonset", host_,
                                                  [this](const std::string& key) { return reconcile(key); });
  controller_->watch(dss_);
  // Pods: our handler lowers expectations before it enqueues (see the ReplicaSet controller).
  controller_->watch_owned(pods_, [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; });
  pods_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) { on_pod(obj, kind); });
  controller_->watch_owned(revisions_, [](const sdk::ObjectPtr& obj) {
    return sdk::controller_owner_key(obj, "DaemonSet", "apps/v1");
  });
  // A node that joins, leaves or changes labels or taints may change where every DaemonSet runs.
  controller_->watch_owned(nodes_, [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; });
  nodes_.add_handler([this](const sdk::ObjectPtr&, sdk::EventKind) {
    for (const auto& ds : dss_.list()) controller_->enqueue(ds->key());
  });
}

void DaemonSetController::start() {
  dss_.start();
  pods_.start();
  nodes_.start();
  revisions_.start();
  controller_->start();
}

void DaemonSetController::stop() {
  controller_->stop();
  revisions_.stop();
  nodes_.stop();
  pods_.stop();
  dss_.stop();
  recorder_.shutdown();
}

void DaemonSetController::on_pod(const sdk::ObjectPtr& obj, sdk::EventKind kind) {
  auto owner = sdk::controller_owner_key(obj, "DaemonSet", "apps/v1");
  if (owner) {
    if (kind == sdk::EventKind::kAdded) expectations_.creation_observed(*owner);
    if (kind == sdk::EventKind::kDeleted) expectations_.deletion_observed(*owner);
    controller_->enqueue(*owner);
    return;
  }
  if (kind == sdk::EventKind::kDeleted) return;
  Labels labels = sdk::labels_of(obj->as<Pod>().getMetadata().getLabels());
  for (const auto& ds : dss_.list(obj->ns())) {
    auto sel = ds->as<DaemonSet>().getSpec().getSelector();
    if (!sdk::selector_empty(sel) && sdk::selector_matches(sel, labels)) controller_->enqueue(ds->key());
  }
}

bool DaemonSetController::patch_owner(const sdk::Resource& r, const sdk::ObjectPtr& dep, const sdk::ObjectPtr& ds,
                                      bool adopt, bool* conflict) {
  auto md = dep->metadata();
  json refs = json::array();
  for (auto o : md.getOwnerReferences()) {
    if (o.getUid() == ds->uid()) continue;
    json j{{"apiVersion", o.getApiVersion().cStr()}, {"kind", o.getKind().cStr()}, {"name", o.getName().cStr()},
           {"uid", o.getUid().cStr()}};
    if (o.getController().isValue()) j["controller"] = o.getController().getValue();
    if (o.getBlockOwnerDeletion().isValue()) j["blockOwnerDeletion"] = o.getBlockOwnerDeletion().getValue();
    refs.push_back(j);
  }
  if (adopt) refs.push_back(owner_ref(ds));
  json body;
  body["metadata"]["resourceVersion"] = md.getResourceVersion().cStr();
  body["metadata"]["ownerReferences"] = refs;
  auto res = client_.patch(r, dep->ns(), dep->name(), "merge", body.dump());
  if (conflict && res.status.conflict()) *conflict = true;
  if (!res.status.ok() && !res.status.not_found() && !res.status.conflict())
    host_.warn("daemonset " + ds->key() + ": cannot " + (adopt ? "adopt " : "release ") + dep->name() + ": " +
               res.status.message);
  return res.status.ok();
}

std::optional<DaemonSetController::History> DaemonSetController::history(const sdk::ObjectPtr& ds_obj,
                                                                         std::string* error) {
  auto ds = ds_obj->as<DaemonSet>();
  std::optional<int32_t> collisions;
  if (ds.getStatus().getCollisionCount().isValue()) collisions = ds.getStatus().getCollisionCount().getValue();
  auto synced = history_.sync(ds_obj, ds.getSpec().getSelector(), ds.getSpec().getTemplate(), collisions, error);
  if (!synced) return std::nullopt;
  if (synced->collision) {
    capnp::MallocMessageBuilder sm;
    sm.setRoot(ds);
    sm.getRoot<DaemonSet>().getStatus().getCollisionCount().setValue(collisions.value_or(0) + 1);
    client_.update(kDaemonSets, ds_obj->ns(), ds_obj->name(), sm, "status");
    *error = "hash collision on a controllerrevision of " + ds_obj->key() + "; collisionCount raised";
    return std::nullopt;
  }
  return History{synced->current.hash, std::move(synced->old)};
}

bool DaemonSetController::create_pod(const sdk::ObjectPtr& ds_obj, const std::string& node, const std::string& hash) {
  auto ds = ds_obj->as<DaemonSet>();
  auto tmpl = ds.getSpec().getTemplate();
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<Pod>();
  pod.setApiVersion("v1");
  pod.setKind("Pod");
  auto md = pod.initMetadata();
  md.setGenerateName(ds_obj->name() + "-");
  md.setNamespace(ds_obj->ns());
  Labels labels = sdk::labels_of(tmpl.getMetadata().getLabels());
  labels[kRevisionHashLabel] = hash;
  if (auto gen = template_generation(ds_obj)) labels[kTemplateGenerationLabel] = std::to_string(*gen);
  set_map(md.initLabels(static_cast<unsigned>(labels.size())), labels);
  md.setAnnotations(tmpl.getMetadata().getAnnotations());
  if (tmpl.getMetadata().hasFinalizers()) md.setFinalizers(tmpl.getMetadata().getFinalizers());
  set_owner(md, ds_obj);
  pod.setSpec(tmpl.getSpec());
  auto spec = pod.getSpec();
  // NewPod: the daemon tolerations.
  auto tols = placement(ds).tolerations;
  auto list = spec.initTolerations(static_cast<unsigned>(tols.size()));
  for (unsigned i = 0; i < tols.size(); ++i) {
    list[i].setKey(tols[i].key);
    list[i].setOperator(tols[i].op);
    list[i].setValue(tols[i].value);
    list[i].setEffect(tols[i].effect);
    if (tols[i].toleration_seconds) list[i].getTolerationSeconds().setValue(*tols[i].toleration_seconds);
  }
  // ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes "this node".
  auto na = spec.getAffinity().getNodeAffinity();
  auto term = na.initRequiredDuringSchedulingIgnoredDuringExecution().initNodeSelectorTerms(1)[0];
  auto field = term.initMatchFields(1)[0];
  field.setKey("metadata.name");
  field.setOperator("In");
  field.initValues(1).set(0, node);
  auto r = client_.create(kPods, ds_obj->ns(), m);
  if (!r.status.ok()) {
    host_.warn("daemonset " + ds_obj->key() + ": cannot create pod on node " + node + ": " + r.status.message);
    recorder_.record(ds_obj, sdk::kEventTypeWarning, "FailedCreate", "Error creating: " + r.status.message);
    return false;
  }
  recorder_.record(ds_obj, sdk::kEventTypeNormal, "SuccessfulCreate", "Created pod: " + r.object->name());
  return true;
}

void DaemonSetController::sync_nodes(const sdk::ObjectPtr& ds_obj, const std::vector<std::string>& create_on,
                                     const std::vector<std::string>& remove, const std::string& hash) {
  const std::string key = ds_obj->key();
  const int creates = std::min<int>(static_cast<int>(create_on.size()), kBurstReplicas);
  const int deletes = std::min<int>(static_cast<int>(remove.size()), kBurstReplicas);
  if (creates == 0 && deletes == 0) return;
  expectations_.expect(key, creates, deletes);
  for (int i = 0; i < creates; ++i)
    if (!create_pod(ds_obj, create_on[i], hash)) expectations_.creation_observed(key);
  for (int i = 0; i < deletes; ++i) {
    auto s = client_.remove(kPods, ds_obj->ns(), remove[i], "Background");
    if (s.ok()) {
      recorder_.record(ds_obj, sdk::kEventTypeNormal, "SuccessfulDelete", "Deleted pod: " + remove[i]);
      continue;
    }
    expectations_.deletion_observed(key);
    if (!s.not_found()) {
      host_.warn("daemonset " + key + ": cannot delete pod " + remove[i] + ": " + s.message);
      recorder_.record(ds_obj, sdk::kEventTypeWarning, "FailedDelete", "Error deleting: " + s.message);
    }
  }
}

bool DaemonSetController::in_backoff(const std::string& key, int64_t now_ms, std::chrono::milliseconds* left) {
  std::lock_guard lock(backoff_mu_);
  auto it = backoff_.find(key);
  if (it == backoff_.end()) return false;
  int64_t until = it->second.last_ms + it->second.delay_ms;
  if (now_ms >= until) return false;
  *left = std::chrono::milliseconds(until - now_ms);
  return true;
}

void DaemonSetController::backoff_next(const std::string& key, int64_t now_ms) {
  std::lock_guard lock(backoff_mu_);
  auto& b = backoff_[key];
  // flowcontrol.Backoff: 1 s, doubling to 15 min; forgotten after twice the maximum idle.
  if (b.delay_ms == 0 || now_ms - b.last_ms > 2 * 15 * 60 * 1000) b.delay_ms = 1000;
  else b.delay_ms = std::min<int64_t>(b.delay_ms * 2, 15 * 60 * 1000);
  b.last_ms = now_ms;
}

sdk::ReconcileResult DaemonSetController::reconcile(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto obj = dss_.get(ns, name);
  if (!obj) {
    expectations_.forget(key);
    return sdk::ReconcileResult::ok();
  }
  // A DaemonSet being deleted is left alone; the garbage collector removes its pods.
  if (deleting(obj)) return sdk::ReconcileResult::ok();
  auto ds = obj->as<DaemonSet>();
  auto spec = ds.getSpec();
  auto sel = spec.getSelector();
  const int64_t now = machinery::now_seconds();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();

  std::vector<NodeView> nodes;
  for (const auto& n : nodes_.list()) nodes.push_back(node_view(n));
  std::sort(nodes.begin(), nodes.end(), [](const NodeView& a, const NodeView& b) { return a.name < b.name; });
  const PlacementView place = placement(ds);
  std::map<std::string, ShouldRun> should;
  for (const auto& n : nodes) should[n.name] = node_should_run(n, place);

  std::string error;
  auto hist = history(obj, &error);
  if (!hist) return sdk::ReconcileResult::fail("daemonset " + key + ": " + error);
  const std::string& hash = hist->hash;
  const auto generation = template_generation(obj);

  // Claim pods: owned and matching are ours, owned and not matching are released, matching
  // orphans are adopted.
  PodsByNode by_node;
  std::vector<std::string> without_node;  // daemon pods whose node is gone
  std::set<std::string> live_hashes;
  bool claim_conflict = false;
  std::set<std::string> node_names;
  for (const auto& n : nodes) node_names.insert(n.name);
  for (const auto& p : pods_.list(ns)) {
    Labels labels = sdk::labels_of(p->metadata().getLabels());
    bool matches = !sdk::selector_empty(sel) && sdk::selector_matches(sel, labels);
    std::string owner = controller_uid(p);
    if (owner == obj->uid()) {
      if (!matches) {
        if (!deleting(p)) patch_owner(kPods, p, obj, false);
        continue;
      }
    } else if (owner.empty() && matches && !deleting(p)) {
      if (!patch_owner(kPods, p, obj, true, &claim_conflict)) continue;
    } else {
      continue;
    }
    DaemonPod dp = daemon_pod(p);
    if (!dp.hash.empty()) live_hashes.insert(dp.hash);
    if (dp.node.empty()) continue;  // no target node (not made by a DaemonSet): left alone, as upstream
    if (!node_names.count(dp.node)) {
      // Kubernetes' pod GC force-deletes pods of deleted nodes (no kubelet is left to finish a
      // graceful deletion); Capstan has none, so the owner does it for its pods.
      without_node.push_back(dp.name);
      continue;
    }
    by_node[dp.node].push_back(dp);
  }
  if (claim_conflict) return sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}};

  const std::string strategy = spec.getUpdateStrategy().getType();
  int max_unavailable = 0, max_surge = 0;
  int desired = 0;
  for (const auto& n : nodes) desired += should[n.name].should_run ? 1 : 0;
  if (strategy == "RollingUpdate") {
    auto ru = spec.getUpdateStrategy().getRollingUpdate();
    auto scaled = [&](k8s::IntOrString::Reader v, bool has, int total) {
      if (!has) return 0;
      if (v.isInt()) return static_cast<int>(v.getInt());
      std::string s = v.getStr();
      bool pct = !s.empty() && s.back() == '%';
      return scaled_value(pct ? s.substr(0, s.size() - 1) : s, pct, total);
    };
    max_unavailable = scaled(ru.getMaxUnavailable(), ru.hasMaxUnavailable(), desired);
    max_surge = scaled(ru.getMaxSurge(), ru.hasMaxSurge(), desired);
  }
  const bool surge = strategy == "RollingUpdate" && max_surge > 0;

  sdk::ReconcileResult result = sdk::ReconcileResult::ok();
  const bool satisfied = expectations_.satisfied(key);
  if (satisfied) {
    std::chrono::milliseconds wait{0};
    Plan plan = manage(nodes, should, by_node, hash, surge, [&](const std::string& node) {
      std::chrono::milliseconds left{0};
      if (!in_backoff(obj->uid() + "/" + node, now_ms, &left)) return false;
      if (wait.count() == 0 || left < wait) wait = left;
      return true;
    });
    for (const auto& f : plan.failed) {
      backoff_next(obj->uid() + "/" + f.node, now_ms);
      recorder_.record(obj, sdk::kEventTypeWarning, "FailedDaemonPod",
                       "Found failed daemon pod " + ns + "/" + f.name + " on node " + f.node + ", will try to kill it");
    }
    if (wait.count() > 0) result = sdk::ReconcileResult::after(wait);
    sync_nodes(obj, plan.create_on, plan.remove, hash);
    for (const auto& pod : without_node) {
      auto s = client_.remove(kPods, ns, pod, "Background", "", 0);
      if (s.ok()) recorder_.record(obj, sdk::kEventTypeNormal, "SuccessfulDelete", "Deleted pod: " + pod);
      else if (!s.not_found()) host_.warn("daemonset " + key + ": cannot delete pod " + pod + " of a deleted node: " + s.message);
    }

    if (strategy == "RollingUpdate" && expectations_.satisfied(key)) {
      PodsByNode rolling = by_node;
      for (const auto& n : nodes)
        if (should[n.name].should_run) rolling[n.name];  // nodes that should run one count too
      Plan step = rolling_update(rolling, hash, generation, rolling_limits(desired, max_unavailable, max_surge),
                                 spec.getMinReadySeconds(), now);
      sync_nodes(obj, step.create_on, step.remove, hash);
    }
    const int32_t limit = spec.getRevisionHistoryLimit().isValue() ? spec.getRevisionHistoryLimit().getValue() : 10;
    for (const auto& victim : sdk::revisions_to_delete(hist->old, limit, live_hashes)) {
      auto s = client_.remove(kControllerRevisions, ns, victim, "Background");
      if (!s.ok() && !s.not_found()) host_.warn("daemonset " + key + ": cannot delete controllerrevision " + victim + ": " + s.message);
    }
  }

  // Status, from the cache as it is now (upstream reads it again the same way).
  Counts c = count_status(nodes, should, by_node, hash, generation, spec.getMinReadySeconds(), now);
  if (spec.getMinReadySeconds() > 0 && c.ready != c.available)
    result = sdk::ReconcileResult::after(std::chrono::seconds(spec.getMinReadySeconds()));
  auto st = ds.getStatus();
  const int64_t gen = ds.getMetadata().getGeneration().isValue() ? ds.getMetadata().getGeneration().getValue() : 0;
  const int64_t observed = satisfied ? gen : st.getObservedGeneration();
  auto value = [](auto g) { return g.isValue() ? g.getValue() : -1; };
  if (value(st.getDesiredNumberScheduled()) == c.desired && value(st.getCurrentNumberScheduled()) == c.current &&
      value(st.getNumberMisscheduled()) == c.misscheduled && value(st.getNumberReady()) == c.ready &&
      st.getUpdatedNumberScheduled() == c.updated && st.getNumberAvailable() == c.available &&
      st.getNumberUnavailable() == c.unavailable && st.getObservedGeneration() == observed)
    return result;
  capnp::MallocMessageBuilder m;
  m.setRoot(ds);
  auto out = m.getRoot<DaemonSet>().getStatus();
  out.getDesiredNumberScheduled().setValue(c.desired);
  out.getCurrentNumberScheduled().setValue(c.current);
  out.getNumberMisscheduled().setValue(c.misscheduled);
  out.getNumberReady().setValue(c.ready);
  out.setUpdatedNumberScheduled(c.updated);
  out.setNumberAvailable(c.available);
  out.setNumberUnavailable(c.unavailable);
  out.setObservedGeneration(observed);
  auto r = client_.update(kDaemonSets, ns, name, m, "status");
  if (r.status.ok() || r.status.not_found()) return result;
  if (r.status.conflict()) return sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}};
  return sdk::ReconcileResult::fail("cannot update status of daemonset " + key + ": " + r.status.message);
}

}  // namespace capstan::daemonset
