#include "statefulset_controller.hpp"

#include <capnp/dynamic.h>
#include <capnp/message.h>

#include <nlohmann/json.hpp>
#include <set>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "capstan/selectors.hpp"

namespace capstan::statefulset {

using apps::v1::ControllerRevision;
using apps::v1::StatefulSet;
using core::v1::PersistentVolumeClaim;
using core::v1::Pod;
using core::v1::PodTemplateSpec;
using json = nlohmann::json;
using machinery::kControllerRevisions;
using machinery::kPersistentVolumeClaims;
using machinery::kPods;
using machinery::kStatefulSets;

namespace {

const schema::SchemaModel& model() {
  static schema::SchemaModel m;
  return m;
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

void set_map(capnp::List<k8s::StringEntry>::Builder list, const sdk::Labels& m) {
  unsigned i = 0;
  for (const auto& [k, v] : m) {
    list[i].setKey(k);
    list[i++].setValue(v);
  }
}

void set_owner(meta::ObjectMeta::Builder md, const sdk::ObjectPtr& set, bool controller) {
  auto refs = md.initOwnerReferences(1);
  refs[0].setApiVersion("apps/v1");
  refs[0].setKind("StatefulSet");
  refs[0].setName(set->name());
  refs[0].setUid(set->uid());
  if (controller) {
    refs[0].getController().setValue(true);
    refs[0].getBlockOwnerDeletion().setValue(true);
  }
}

PodView view_of(const sdk::ObjectPtr& obj, int ordinal) {
  auto pod = obj->as<Pod>();
  PodView p;
  p.name = obj->name();
  p.ordinal = ordinal;
  p.phase = pod.getStatus().getPhase();
  if (p.phase.empty()) p.phase = "Pending";  // created, not yet reported on
  for (auto c : pod.getStatus().getConditions())
    if (c.getType() == "Ready" && c.getStatus() == "True") {
      p.ready = true;
      p.ready_since = machinery::parse_rfc3339_seconds(c.getLastTransitionTime().cStr()).value_or(0);
    }
  p.deleting = pod.getMetadata().hasDeletionTimestamp();
  p.revision = label(obj, kRevisionLabel);
  return p;
}

}  // namespace

StatefulSetController::StatefulSetController(const sdk::Host& host)
    : host_(host), client_(host, kComponent), recorder_(host, kComponent), sets_(client_, kStatefulSets),
      pods_(client_, kPods), claims_(client_, kPersistentVolumeClaims), revisions_(client_, kControllerRevisions),
      history_(client_, revisions_, "apps/v1", "StatefulSet") {
  recorder_.set_synchronous(false);
  controller_ = std::make_unique<sdk::Controller>("statefulset", host_, [this](const std::string& key) { return reconcile(key); });
  controller_->watch(sets_);
  controller_->watch_owned(pods_, [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; });
  pods_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind) { on_pod(obj); });
  controller_->watch_owned(revisions_, [](const sdk::ObjectPtr& obj) {
    return sdk::controller_owner_key(obj, "StatefulSet", "apps/v1");
  });
  controller_->watch_owned(claims_, [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; });
}

void StatefulSetController::start() {
  sets_.start();
  pods_.start();
  claims_.start();
  revisions_.start();
  controller_->start();
}

void StatefulSetController::stop() {
  controller_->stop();
  revisions_.stop();
  claims_.stop();
  pods_.stop();
  sets_.stop();
  recorder_.shutdown();
}

void StatefulSetController::on_pod(const sdk::ObjectPtr& obj) {
  if (auto owner = sdk::controller_owner_key(obj, "StatefulSet", "apps/v1")) {
    controller_->enqueue(*owner);
    return;
  }
  // An orphan: the sets whose selector matches may adopt it.
  auto labels = sdk::labels_of(obj->metadata().getLabels());
  for (const auto& s : sets_.list(obj->ns())) {
    auto sel = s->as<StatefulSet>().getSpec().getSelector();
    if (!sdk::selector_empty(sel) && sdk::selector_matches(sel, labels)) controller_->enqueue(s->key());
  }
}

std::vector<sdk::ObjectPtr> StatefulSetController::owned_pods(const sdk::ObjectPtr& set_obj) {
  auto set = set_obj->as<StatefulSet>();
  auto sel = set.getSpec().getSelector();
  std::vector<sdk::ObjectPtr> out;
  for (const auto& pod : pods_.list(set_obj->ns())) {
    const std::string uid = controller_uid(pod);
    const bool matches = !sdk::selector_empty(sel) && sdk::selector_matches(sel, sdk::labels_of(pod->metadata().getLabels()));
    if (uid == set_obj->uid()) {
      if (matches || set_obj->metadata().hasDeletionTimestamp()) out.push_back(pod);
      else {
        // No longer selected: released (its controller reference removed).
        json body;
        body["metadata"]["resourceVersion"] = pod->metadata().getResourceVersion().cStr();
        body["metadata"]["ownerReferences"] = json::array();
        client_.patch(kPods, pod->ns(), pod->name(), "merge", body.dump());
      }
    } else if (uid.empty() && matches && !set_obj->metadata().hasDeletionTimestamp() &&
               ordinal_of(pod->name(), set_obj->name()) && !pod->metadata().hasDeletionTimestamp()) {
      // An orphan of this set's name and selector: adopted (ClaimPods).
      json body;
      body["metadata"]["resourceVersion"] = pod->metadata().getResourceVersion().cStr();
      body["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "apps/v1"}, {"kind", "StatefulSet"},
                                                          {"name", set_obj->name()}, {"uid", set_obj->uid()},
                                                          {"controller", true}, {"blockOwnerDeletion", true}}});
      auto r = client_.patch(kPods, pod->ns(), pod->name(), "merge", body.dump());
      if (r.status.ok()) out.push_back(r.object);
    }
  }
  return out;
}

std::optional<std::string> StatefulSetController::revision_template(const std::string& ns, const std::string& revision) {
  auto cr = revisions_.get(ns, revision);
  if (!cr) {
    auto r = client_.get(kControllerRevisions, ns, revision);
    if (!r.status.ok()) return std::nullopt;
    cr = r.object;
  }
  json data = json::parse(std::string(cr->as<ControllerRevision>().getData().cStr()), nullptr, false);
  if (!data.is_object() || !data.contains("spec") || !data["spec"].contains("template")) return std::nullopt;
  json t = data["spec"]["template"];
  t.erase("$patch");
  return t.dump();
}

bool StatefulSetController::create_claims(const sdk::ObjectPtr& set_obj, int ordinal, std::string* error) {
  auto set = set_obj->as<StatefulSet>();
  const std::string pod = pod_name(set_obj->name(), ordinal);
  const bool delete_with_set = set.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted() == "Delete";
  for (auto tmpl : set.getSpec().getVolumeClaimTemplates()) {
    const std::string name = claim_name(tmpl.getMetadata().getName().cStr(), set_obj->name(), ordinal);
    auto existing = claims_.get(set_obj->ns(), name);
    if (!existing) {
      auto got = client_.get(kPersistentVolumeClaims, set_obj->ns(), name);
      if (got.status.ok()) existing = got.object;
    }
    if (existing) {
      if (existing->metadata().hasDeletionTimestamp()) {
        *error = "pvc " + name + " is being deleted";
        return false;
      }
      continue;
    }
    capnp::MallocMessageBuilder m;
    auto claim = m.initRoot<PersistentVolumeClaim>();
    claim.setApiVersion("v1");
    claim.setKind("PersistentVolumeClaim");
    auto md = claim.initMetadata();
    md.setName(name);
    md.setNamespace(set_obj->ns());
    // The template's labels plus the selector's matchLabels (getPersistentVolumeClaims).
    sdk::Labels labels = sdk::labels_of(tmpl.getMetadata().getLabels());
    for (auto e : set.getSpec().getSelector().getMatchLabels()) labels[e.getKey()] = e.getValue();
    set_map(md.initLabels(static_cast<unsigned>(labels.size())), labels);
    md.setAnnotations(tmpl.getMetadata().getAnnotations());
    // whenDeleted: Delete makes the set the claim's owner, so the garbage collector removes it with the set.
    if (delete_with_set) set_owner(md, set_obj, false);
    claim.setSpec(tmpl.getSpec());
    auto r = client_.create(kPersistentVolumeClaims, set_obj->ns(), m);
    if (!r.status.ok() && !r.status.already_exists()) {
      recorder_.record(set_obj, sdk::kEventTypeWarning, "FailedCreate",
                       "create Claim " + name + " for Pod " + pod + " in StatefulSet " + set_obj->name() +
                           " failed error: " + r.status.message);
      *error = "create claim " + name + ": " + r.status.message;
      return false;
    }
    if (r.status.ok())
      recorder_.record(set_obj, sdk::kEventTypeNormal, "SuccessfulCreate",
                       "create Claim " + name + " Pod " + pod + " in StatefulSet " + set_obj->name() + " success");
  }
  return true;
}

bool StatefulSetController::create_pod(const sdk::ObjectPtr& set_obj, const Create& c, const std::string& update_revision,
                                       std::string* error) {
  auto set = set_obj->as<StatefulSet>();
  if (!create_claims(set_obj, c.ordinal, error)) return false;
  // The template of the pod's revision: the set's own for the update revision, else the stored one.
  capnp::MallocMessageBuilder tm;
  PodTemplateSpec::Reader tmpl = set.getSpec().getTemplate();
  if (c.revision != update_revision) {
    auto text = revision_template(set_obj->ns(), c.revision);
    if (!text) {
      *error = "controllerrevision " + c.revision + " has no template";
      return false;
    }
    auto root = tm.initRoot<capnp::DynamicStruct>(capnp::Schema::from<PodTemplateSpec>());
    schema::DecodeReport report;
    schema::JsonCodec(model()).decode(json::parse(*text), root, report);
    tmpl = tm.getRoot<PodTemplateSpec>().asReader();
  }
  const std::string name = pod_name(set_obj->name(), c.ordinal);
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<Pod>();
  pod.setApiVersion("v1");
  pod.setKind("Pod");
  auto md = pod.initMetadata();
  md.setName(name);
  md.setNamespace(set_obj->ns());
  sdk::Labels labels = sdk::labels_of(tmpl.getMetadata().getLabels());
  labels[kPodNameLabel] = name;
  labels[kPodIndexLabel] = std::to_string(c.ordinal);
  labels[kRevisionLabel] = c.revision;
  set_map(md.initLabels(static_cast<unsigned>(labels.size())), labels);
  md.setAnnotations(tmpl.getMetadata().getAnnotations());
  if (tmpl.getMetadata().hasFinalizers()) md.setFinalizers(tmpl.getMetadata().getFinalizers());
  set_owner(md, set_obj, true);
  pod.setSpec(tmpl.getSpec());
  auto spec = pod.getSpec();
  // initIdentity: set only at creation.
  spec.setHostname(name);
  spec.setSubdomain(set.getSpec().getServiceName());
  // updateStorage: each claim template becomes the volume of its name (replacing the template's).
  auto templates = set.getSpec().getVolumeClaimTemplates();
  if (templates.size() > 0) {
    std::set<std::string> claimed;
    for (auto t : templates) claimed.insert(t.getMetadata().getName());
    std::vector<core::v1::Volume::Reader> kept;
    for (auto v : tmpl.getSpec().getVolumes())
      if (!claimed.count(v.getName())) kept.push_back(v);
    auto vols = spec.initVolumes(static_cast<unsigned>(kept.size() + templates.size()));
    unsigned i = 0;
    for (auto v : kept) vols.setWithCaveats(i++, v);
    for (auto t : templates) {
      auto v = vols[i++];
      v.setName(t.getMetadata().getName());
      v.initPersistentVolumeClaim().setClaimName(claim_name(t.getMetadata().getName().cStr(), set_obj->name(), c.ordinal));
    }
  }
  auto r = client_.create(kPods, set_obj->ns(), m);
  if (!r.status.ok() && !r.status.already_exists()) {
    recorder_.record(set_obj, sdk::kEventTypeWarning, "FailedCreate",
                     "create Pod " + name + " in StatefulSet " + set_obj->name() + " failed error: " + r.status.message);
    *error = "create pod " + name + ": " + r.status.message;
    return false;
  }
  if (r.status.ok())
    recorder_.record(set_obj, sdk::kEventTypeNormal, "SuccessfulCreate",
                     "create Pod " + name + " in StatefulSet " + set_obj->name() + " successful");
  return true;
}

bool StatefulSetController::delete_pod(const sdk::ObjectPtr& set_obj, const std::string& pod, bool condemned) {
  auto set = set_obj->as<StatefulSet>();
  // whenScaled: Delete hands a condemned pod's claims to the pod, so they go with it.
  if (condemned && set.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled() == "Delete") {
    auto p = pods_.get(set_obj->ns(), pod);
    auto ordinal = ordinal_of(pod, set_obj->name());
    if (p && ordinal) {
      for (auto t : set.getSpec().getVolumeClaimTemplates()) {
        const std::string claim = claim_name(t.getMetadata().getName().cStr(), set_obj->name(), *ordinal);
        json body;
        body["metadata"]["ownerReferences"] = json::array(
            {{{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", pod}, {"uid", p->uid()}, {"blockOwnerDeletion", true}}});
        client_.patch(kPersistentVolumeClaims, set_obj->ns(), claim, "merge", body.dump());
      }
    }
  }
  auto s = client_.remove(kPods, set_obj->ns(), pod, "Background");
  if (s.ok() || s.not_found()) {
    if (s.ok())
      recorder_.record(set_obj, sdk::kEventTypeNormal, "SuccessfulDelete",
                       "delete Pod " + pod + " in StatefulSet " + set_obj->name() + " successful");
    return true;
  }
  recorder_.record(set_obj, sdk::kEventTypeWarning, "FailedDelete",
                   "delete Pod " + pod + " in StatefulSet " + set_obj->name() + " failed error: " + s.message);
  return false;
}

sdk::ReconcileResult StatefulSetController::reconcile(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto obj = sets_.get(ns, name);
  if (!obj) return sdk::ReconcileResult::ok();
  auto set = obj->as<StatefulSet>();
  auto spec = set.getSpec();
  const int64_t now = machinery::now_seconds();

  std::optional<int32_t> collisions;
  if (set.getStatus().getCollisionCount().isValue()) collisions = set.getStatus().getCollisionCount().getValue();
  std::string error;
  auto hist = history_.sync(obj, spec.getSelector(), spec.getTemplate(), collisions, &error);
  if (!hist) return sdk::ReconcileResult::fail("statefulset " + key + ": " + error);
  if (hist->collision) {
    capnp::MallocMessageBuilder sm;
    sm.setRoot(set);
    sm.getRoot<StatefulSet>().getStatus().getCollisionCount().setValue(collisions.value_or(0) + 1);
    client_.update(kStatefulSets, ns, name, sm, "status");
    return sdk::ReconcileResult::fail("statefulset " + key + ": hash collision on a controllerrevision; collisionCount raised");
  }

  SetView view;
  view.replicas = spec.getReplicas().isValue() ? spec.getReplicas().getValue() : 1;
  view.start = spec.hasOrdinals() ? spec.getOrdinals().getStart() : 0;
  view.parallel = spec.getPodManagementPolicy() == "Parallel";
  view.on_delete = spec.getUpdateStrategy().getType() == "OnDelete";
  auto ru = spec.getUpdateStrategy().getRollingUpdate();
  view.partition = spec.getUpdateStrategy().hasRollingUpdate() && ru.getPartition().isValue() ? ru.getPartition().getValue() : 0;
  view.min_ready_seconds = spec.getMinReadySeconds();
  view.update_revision = hist->current.name;
  // The current revision: the status' when it still exists, else the update revision.
  view.current_revision = view.update_revision;
  const std::string recorded = set.getStatus().getCurrentRevision();
  for (const auto& o : hist->old)
    if (o.name == recorded) view.current_revision = recorded;
  view.status_current_replicas = set.getStatus().getCurrentReplicas();

  std::vector<sdk::ObjectPtr> pods = owned_pods(obj);
  std::vector<PodView> views;
  for (const auto& p : pods)
    if (auto ordinal = ordinal_of(p->name(), name)) views.push_back(view_of(p, *ordinal));

  sdk::ReconcileResult result;
  if (!set.getMetadata().hasDeletionTimestamp()) {
    Step step = plan(view, views, now);
    for (const auto& c : step.create)
      if (!create_pod(obj, c, view.update_revision, &error)) result = sdk::ReconcileResult::fail("statefulset " + key + ": " + error);
    std::set<std::string> in_range;
    for (const auto& v : views)
      if (v.ordinal >= view.start && v.ordinal < view.start + view.replicas) in_range.insert(v.name);
    for (const auto& r : step.remove)
      if (!delete_pod(obj, r, !in_range.count(r))) result = sdk::ReconcileResult::fail("statefulset " + key + ": cannot delete " + r);
    if (!step.waiting.empty()) host_.log(1, "statefulset " + key + ": " + step.waiting);

    // truncateHistory: keep the current and update revisions and those live pods carry.
    std::set<std::string> live = {view.current_revision, view.update_revision};
    for (const auto& v : views) live.insert(v.revision);
    const int32_t limit = spec.getRevisionHistoryLimit().isValue() ? spec.getRevisionHistoryLimit().getValue() : 10;
    std::vector<sdk::RevisionInfo> old;
    for (const auto& o : hist->old)
      if (!live.count(o.name)) old.push_back(o);
    for (const auto& victim : sdk::revisions_to_delete(old, limit, live)) {
      auto s = client_.remove(kControllerRevisions, ns, victim, "Background");
      if (!s.ok() && !s.not_found()) host_.warn("statefulset " + key + ": cannot delete controllerrevision " + victim + ": " + s.message);
    }
  }

  // Status from the cache as it is now.
  Counts c = count(view, views, now);
  auto [current_revision, current_replicas] = complete_rolling_update(view, c);
  if (spec.getMinReadySeconds() > 0 && c.ready != c.available && result.error.empty())
    result = sdk::ReconcileResult::after(std::chrono::seconds(spec.getMinReadySeconds()));
  auto st = set.getStatus();
  const int64_t gen = set.getMetadata().getGeneration().isValue() ? set.getMetadata().getGeneration().getValue() : 0;
  if (st.getReplicas().isValue() && st.getReplicas().getValue() == c.replicas && st.getReadyReplicas() == c.ready &&
      st.getAvailableReplicas().isValue() && st.getAvailableReplicas().getValue() == c.available &&
      st.getCurrentReplicas() == current_replicas && st.getUpdatedReplicas() == c.updated &&
      st.getCurrentRevision() == current_revision && st.getUpdateRevision() == view.update_revision &&
      st.getObservedGeneration() == gen && st.getCollisionCount().isValue() == collisions.has_value())
    return result;
  capnp::MallocMessageBuilder m;
  m.setRoot(set);
  auto out = m.getRoot<StatefulSet>().getStatus();
  out.setObservedGeneration(gen);
  out.getReplicas().setValue(c.replicas);
  out.setReadyReplicas(c.ready);
  out.getAvailableReplicas().setValue(c.available);
  out.setCurrentReplicas(current_replicas);
  out.setUpdatedReplicas(c.updated);
  out.setCurrentRevision(current_revision);
  out.setUpdateRevision(view.update_revision);
  if (!collisions) out.getCollisionCount().setValue(0);
  auto r = client_.update(kStatefulSets, ns, name, m, "status");
  if (!r.status.ok() && !r.status.not_found() && result.error.empty())
    return sdk::ReconcileResult::fail("statefulset " + key + ": status: " + r.status.message);
  return result;
}

}  // namespace capstan::statefulset
