// The Deployment controller: rolls Deployments out through ReplicaSets.
#include "deployment_controller.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "capstan/apps_v1.capnp.h"
#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/core_v1.capnp.h"
#include "capstan/events.hpp"
#include "capstan/informer.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "capstan/plugin.hpp"
#include "deploy_logic.hpp"

namespace capstan::deployment {
namespace {

using apps::v1::Deployment;
using apps::v1::ReplicaSet;
using core::v1::PodTemplateSpec;
using Labels = std::map<std::string, std::string>;
using machinery::kReplicaSets;
using machinery::kDeployments;
const char* kHashLabel = "pod-template-hash";
const char* kRevision = "deployment.kubernetes.io/revision";
const char* kDesired = "deployment.kubernetes.io/desired-replicas";
const char* kMaxReplicas = "deployment.kubernetes.io/max-replicas";
const char* kChangeCause = "kubernetes.io/change-cause";

Labels to_map(capnp::List<k8s::StringEntry>::Reader l) {
  Labels m;
  for (auto e : l) m[e.getKey()] = e.getValue();
  return m;
}

template <typename Init>
void set_map(Init init, const Labels& m) {
  auto l = init(static_cast<unsigned>(m.size()));
  unsigned i = 0;
  for (const auto& [k, v] : m) {
    l[i].setKey(k);
    l[i].setValue(v);
    ++i;
  }
}

using machinery::now_rfc3339;

// The template in canonical form, without the pod-template-hash label and with sorted maps:
// equal bytes = same template.
std::string canonical_template(PodTemplateSpec::Reader t) {
  capnp::MallocMessageBuilder m;
  m.setRoot(t);
  auto b = m.getRoot<PodTemplateSpec>();
  Labels labels = to_map(t.getMetadata().getLabels());
  labels.erase(kHashLabel);
  Labels ann = to_map(t.getMetadata().getAnnotations());
  auto md = b.getMetadata();
  if (labels.empty()) md.disownLabels(); else set_map([&](unsigned n) { return md.initLabels(n); }, labels);
  if (ann.empty()) md.disownAnnotations(); else set_map([&](unsigned n) { return md.initAnnotations(n); }, ann);
  auto words = capnp::canonicalize(b.asReader());
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

IntOrStr int_or_str(k8s::IntOrString::Reader r, bool has, const char* dflt) {
  IntOrStr v;
  if (!has) { v.is_str = true; v.s = dflt; return v; }
  if (r.isInt()) v.i = r.getInt();
  else { v.is_str = true; v.s = r.getStr(); }
  return v;
}

struct Cond {
  std::string type, status, last_update, last_transition, reason, message;
  bool operator==(const Cond&) const = default;
};

// SetDeploymentCondition: no change when status and reason are equal (unless forced); the
// transition time survives when only reason/message change.
void set_condition(std::vector<Cond>& conds, Cond c, bool force = false) {
  for (auto& e : conds) {
    if (e.type != c.type) continue;
    if (!force && e.status == c.status && e.reason == c.reason) return;
    if (e.status == c.status) c.last_transition = e.last_transition;
    e = c;
    return;
  }
  conds.push_back(c);
}

const Cond* find_condition(const std::vector<Cond>& conds, const std::string& type) {
  for (const auto& c : conds)
    if (c.type == type) return &c;
  return nullptr;
}

struct Rs {
  sdk::ObjectPtr obj;
  RsInfo info;
};

class DeploymentController final : public sdk::Plugin {
 public:
  explicit DeploymentController(const sdk::Host& host)
      : host_(host),
        client_(host, kComponent),
        recorder_(host, kComponent),
        deps_(client_, kDeployments),
        rss_(client_, kReplicaSets) {
    recorder_.set_synchronous(false);  // never wait on an Event write in a reconcile
    controller_ = std::make_unique<sdk::Controller>("deployment", host_,
                                                    [this](const std::string& key) { return reconcile(key); });
    controller_->watch(deps_);
    controller_->watch_owned(rss_, [](const sdk::ObjectPtr& o) { return sdk::controller_owner_key(o, "Deployment"); });
  }
  void start() override {
    deps_.start();
    rss_.start();
    controller_->start();
  }
  void stop() override {
    controller_->stop();
    rss_.stop();
    deps_.stop();
    recorder_.shutdown();
  }

 private:
  // Scales an RS and keeps its deployment annotations current; writes only when something changed.
  bool sync_rs(const sdk::ObjectPtr& dobj, const Rs& rs, int replicas, int desired, int max_replicas, int64_t revision, int32_t min_ready,
               const std::string& change_cause) {
    auto r = rs.obj->as<ReplicaSet>();
    Labels ann = to_map(r.getMetadata().getAnnotations());
    nlohmann::json patch = nlohmann::json::object();
    auto want = [&](const char* k, const std::string& v) {
      auto it = ann.find(k);
      if (it == ann.end() || it->second != v) patch["metadata"]["annotations"][k] = v;
    };
    want(kDesired, std::to_string(desired));
    want(kMaxReplicas, std::to_string(max_replicas));
    if (revision > 0) {
      want(kRevision, std::to_string(revision));
      if (!change_cause.empty()) want(kChangeCause, change_cause);
    }
    int cur = r.getSpec().getReplicas().isValue() ? r.getSpec().getReplicas().getValue() : 1;
    if (cur != replicas) patch["spec"]["replicas"] = replicas;
    if (r.getSpec().getMinReadySeconds() != min_ready) patch["spec"]["minReadySeconds"] = min_ready;
    if (patch.empty()) return true;
    auto res = client_.patch(kReplicaSets, rs.obj->ns(), rs.obj->name(), "merge", patch.dump());
    if (!res.status.ok()) host_.warn("deployment: cannot update replicaset " + rs.obj->key() + ": " + res.status.message);
    // As Kubernetes' scaleReplicaSet: only a change of size is an Event, not annotation updates.
    if (res.status.ok() && cur != replicas)
      recorder_.record(dobj, sdk::kEventTypeNormal, "ScalingReplicaSet",
                       std::string("Scaled ") + (cur < replicas ? "up" : "down") + " replica set " + rs.obj->name() +
                           " to " + std::to_string(replicas) + " from " + std::to_string(cur));
    return res.status.ok();
  }

  sdk::GetResult create_rs(const sdk::ObjectPtr& dobj, Deployment::Reader d, const std::string& hash, int replicas,
                           int desired, int max_replicas, int64_t revision) {
    capnp::MallocMessageBuilder m;
    auto rs = m.initRoot<ReplicaSet>();
    rs.setApiVersion("apps/v1");
    rs.setKind("ReplicaSet");
    auto md = rs.initMetadata();
    md.setName(dobj->name() + "-" + hash);
    md.setNamespace(dobj->ns());
    Labels labels = to_map(d.getSpec().getTemplate().getMetadata().getLabels());
    labels[kHashLabel] = hash;
    set_map([&](unsigned n) { return md.initLabels(n); }, labels);
    Labels ann{{kRevision, std::to_string(revision)}, {kDesired, std::to_string(desired)},
               {kMaxReplicas, std::to_string(max_replicas)}};
    Labels dann = to_map(d.getMetadata().getAnnotations());
    if (dann.count(kChangeCause)) ann[kChangeCause] = dann[kChangeCause];
    set_map([&](unsigned n) { return md.initAnnotations(n); }, ann);
    auto refs = md.initOwnerReferences(1);
    refs[0].setApiVersion("apps/v1");
    refs[0].setKind("Deployment");
    refs[0].setName(dobj->name());
    refs[0].setUid(dobj->uid());
    refs[0].getController().setValue(true);
    refs[0].getBlockOwnerDeletion().setValue(true);
    auto spec = rs.initSpec();
    spec.getReplicas().setValue(replicas);
    spec.setMinReadySeconds(d.getSpec().getMinReadySeconds());
    spec.setSelector(d.getSpec().getSelector());
    Labels ml = to_map(d.getSpec().getSelector().getMatchLabels());
    ml[kHashLabel] = hash;
    set_map([&](unsigned n) { return spec.getSelector().initMatchLabels(n); }, ml);
    spec.setTemplate(d.getSpec().getTemplate());
    set_map([&](unsigned n) { return spec.getTemplate().getMetadata().initLabels(n); }, labels);
    return client_.create(kReplicaSets, dobj->ns(), m);
  }

  sdk::ReconcileResult reconcile(const std::string& key) {
    auto [ns, name] = sdk::split_key(key);
    auto dobj = deps_.get(ns, name);
    if (!dobj) return sdk::ReconcileResult::ok();
    auto d = dobj->as<Deployment>();
    auto dmd = d.getMetadata();
    if (dmd.hasDeletionTimestamp() && dmd.getDeletionTimestamp().size() > 0) return sdk::ReconcileResult::ok();
    auto spec = d.getSpec();
    const int desired = spec.getReplicas().isValue() ? spec.getReplicas().getValue() : 1;
    const bool paused = spec.getPaused();
    const bool recreate = std::string(spec.getStrategy().getType().cStr()) == "Recreate";
    int surge = 0, unavailable = 0;
    if (!recreate) {
      auto ru = spec.getStrategy().getRollingUpdate();
      std::tie(surge, unavailable) =
          resolve_fenceposts(int_or_str(ru.getMaxSurge(), ru.hasMaxSurge(), "25%"),
                             int_or_str(ru.getMaxUnavailable(), ru.hasMaxUnavailable(), "25%"), desired);
    }
    const int max_replicas = desired + surge;
    const int32_t min_ready = spec.getMinReadySeconds();
    Labels dann = to_map(dmd.getAnnotations());
    const std::string change_cause = dann.count(kChangeCause) ? dann[kChangeCause] : "";

    // Our ReplicaSets, split into the new one (same template) and the old ones (oldest first).
    const std::string canon = canonical_template(spec.getTemplate());
    const std::string hash = template_hash(canon);
    std::optional<Rs> new_rs;
    std::vector<Rs> olds;
    for (const auto& o : rss_.list(ns)) {
      auto r = o->as<ReplicaSet>();
      bool ours = false;
      for (auto ref : r.getMetadata().getOwnerReferences())
        ours |= ref.getController().isValue() && ref.getController().getValue() && ref.getUid() == dobj->uid().c_str();
      if (!ours || (r.getMetadata().hasDeletionTimestamp() && r.getMetadata().getDeletionTimestamp().size() > 0)) continue;
      Rs rs{o, {}};
      rs.info.name = o->name();
      rs.info.spec_replicas = r.getSpec().getReplicas().isValue() ? r.getSpec().getReplicas().getValue() : 1;
      rs.info.status_replicas = r.getStatus().getReplicas();
      rs.info.ready = r.getStatus().getReadyReplicas();
      rs.info.available = r.getStatus().getAvailableReplicas();
      Labels ann = to_map(r.getMetadata().getAnnotations());
      try { rs.info.revision = ann.count(kRevision) ? std::stoll(ann[kRevision]) : 0; } catch (...) {}
      rs.info.created = machinery::parse_rfc3339_seconds(r.getMetadata().getCreationTimestamp().cStr()).value_or(0);
      if (!new_rs && canonical_template(r.getSpec().getTemplate()) == canon) new_rs = rs;
      else olds.push_back(rs);
    }
    std::sort(olds.begin(), olds.end(), [](const Rs& a, const Rs& b) {
      return a.info.created != b.info.created ? a.info.created < b.info.created : a.info.name < b.info.name;
    });
    std::vector<RsInfo> old_infos;
    for (const auto& o : olds) old_infos.push_back(o.info);
    const int64_t revision = next_revision(old_infos);

    std::vector<Cond> conds;
    for (auto c : d.getStatus().getConditions())
      conds.push_back({c.getType(), c.getStatus(), c.getLastUpdateTime(), c.getLastTransitionTime(), c.getReason(), c.getMessage()});
    const std::string now = now_rfc3339();
    bool requeue = false;

    // The new RS: keep its revision current; create it (not while paused).
    if (new_rs) {
      int64_t rev = std::max(new_rs->info.revision, revision);
      int target = new_rs->info.spec_replicas;
      if (!sync_rs(dobj, *new_rs, target, desired, max_replicas, rev, min_ready, change_cause)) requeue = true;
      new_rs->info.revision = rev;
      if (!find_condition(conds, "Progressing"))
        set_condition(conds, {"Progressing", "True", now, now, "FoundNewReplicaSet",
                              "Found new replica set \"" + new_rs->obj->name() + "\""});
    } else if (!paused) {
      int replicas = 0;
      if (recreate) {
        bool olds_gone = true;
        for (const auto& o : olds) olds_gone &= o.info.spec_replicas == 0 && o.info.status_replicas == 0;
        replicas = olds_gone ? desired : 0;
      } else {
        replicas = new_rs_new_replicas(desired, surge, spec_sum(old_infos), 0);
      }
      if (!recreate || replicas > 0 || olds.empty()) {
        auto r = create_rs(dobj, d, hash, replicas, desired, max_replicas, revision);
        if (r.status.ok()) {
          if (replicas > 0)
            recorder_.record(dobj, sdk::kEventTypeNormal, "ScalingReplicaSet",
                             "Scaled up replica set " + r.object->name() + " to " + std::to_string(replicas));
          set_condition(conds, {"Progressing", "True", now, now, "NewReplicaSetCreated",
                                "Created new replica set \"" + dobj->name() + "-" + hash + "\""}, true);
          Rs created{r.object, {}};
          created.info.name = r.object->name();
          created.info.spec_replicas = replicas;
          created.info.revision = revision;
          new_rs = created;
        } else if (!r.status.already_exists()) {
          host_.warn("deployment " + key + ": cannot create replicaset: " + r.status.message);
          recorder_.record(dobj, sdk::kEventTypeWarning, "ReplicaSetCreateError",
                           "Failed to create new replica set \"" + dobj->name() + "-" + hash + "\": " + r.status.message);
          requeue = true;
        } else {
          requeue = true;  // the cache has not seen it yet
        }
      }
    }

    // Deployment revision annotation follows the new RS.
    if (new_rs) {
      std::string rev = std::to_string(new_rs->info.revision);
      if (!dann.count(kRevision) || dann[kRevision] != rev) {
        nlohmann::json p;
        p["metadata"]["annotations"][kRevision] = rev;
        auto r = client_.patch(kDeployments, ns, name, "merge", p.dump());
        if (!r.status.ok() && !r.status.not_found()) requeue = true;
      }
    }

    if (paused) {
      // Scaling still applies when there is a single active ReplicaSet.
      std::vector<Rs*> active;
      for (auto& o : olds) if (o.info.spec_replicas > 0) active.push_back(&o);
      if (new_rs && (new_rs->info.spec_replicas > 0 || active.empty())) active.push_back(&*new_rs);
      if (active.size() == 1 && active[0]->info.spec_replicas != desired) {
        bool is_new = new_rs && active[0] == &*new_rs;
        sync_rs(dobj, *active[0], desired, desired, max_replicas, is_new ? new_rs->info.revision : 0, min_ready, change_cause);
      }
    } else if (recreate) {
      bool olds_scaled = false, olds_running = false;
      for (auto& o : olds) {
        if (o.info.spec_replicas > 0) {
          sync_rs(dobj, o, 0, desired, max_replicas, 0, min_ready, "");
          olds_scaled = true;
        }
        if (o.info.status_replicas > 0) olds_running = true;
      }
      if (!olds_scaled && !olds_running && new_rs && new_rs->info.spec_replicas != desired) {
        if (sync_rs(dobj, *new_rs, desired, desired, max_replicas, new_rs->info.revision, min_ready, change_cause))
          set_condition(conds, {"Progressing", "True", now, now, "ReplicaSetUpdated",
                                "ReplicaSet \"" + new_rs->obj->name() + "\" is progressing."}, true);
      }
    } else if (new_rs) {
      std::vector<RsInfo> all = old_infos;
      all.push_back(new_rs->info);
      int target = new_rs_new_replicas(desired, surge, spec_sum(all), new_rs->info.spec_replicas);
      if (target != new_rs->info.spec_replicas) {
        if (sync_rs(dobj, *new_rs, target, desired, max_replicas, new_rs->info.revision, min_ready, change_cause))
          set_condition(conds, {"Progressing", "True", now, now, "ReplicaSetUpdated",
                                "ReplicaSet \"" + new_rs->obj->name() + "\" is progressing."}, true);
      } else {
        auto plan = old_rs_replicas(old_infos, &new_rs->info, desired, unavailable);
        for (size_t i = 0; i < olds.size(); ++i)
          if (plan[i] != olds[i].info.spec_replicas) {
            sync_rs(dobj, olds[i], plan[i], desired, max_replicas, 0, min_ready, "");
            set_condition(conds, {"Progressing", "True", now, now, "ReplicaSetUpdated",
                                  "ReplicaSet \"" + new_rs->obj->name() + "\" is progressing."}, true);
          }
      }
    }

    // History: delete the oldest idle ReplicaSets beyond revisionHistoryLimit.
    if (!paused && spec.getRevisionHistoryLimit().isValue())
      for (const auto& victim : history_to_prune(old_infos, spec.getRevisionHistoryLimit().getValue()))
        client_.remove(kReplicaSets, ns, victim);

    // Status.
    std::vector<RsInfo> all = old_infos;
    if (new_rs) all.push_back(new_rs->info);
    DeploymentCounts c = deployment_counts(all, new_rs ? &new_rs->info : nullptr, desired);
    auto st = d.getStatus();
    const int64_t generation = dmd.getGeneration().isValue() ? dmd.getGeneration().getValue() : 0;
    if (c.available >= desired - unavailable)
      set_condition(conds, {"Available", "True", now, now, "MinimumReplicasAvailable", "Deployment has minimum availability."});
    else
      set_condition(conds, {"Available", "False", now, now, "MinimumReplicasUnavailable", "Deployment does not have minimum availability."});
    std::chrono::milliseconds requeue_after{0};
    const Cond* prog = find_condition(conds, "Progressing");
    if (paused) {
      if (!prog || prog->reason != "DeploymentPaused")
        set_condition(conds, {"Progressing", "Unknown", now, now, "DeploymentPaused", "Deployment is paused"}, true);
    } else if (prog && prog->reason == "DeploymentPaused") {
      set_condition(conds, {"Progressing", "Unknown", now, now, "DeploymentResumed", "Deployment is resumed"}, true);
    } else if (new_rs) {
      const std::string rsname = new_rs->obj->name();
      bool progressed = c.updated > st.getUpdatedReplicas() || c.ready > st.getReadyReplicas() ||
                        c.available > st.getAvailableReplicas() ||
                        c.replicas - c.updated < static_cast<int>(st.getReplicas()) - static_cast<int>(st.getUpdatedReplicas());
      if (deployment_complete(c, desired)) {
        set_condition(conds, {"Progressing", "True", now, now, "NewReplicaSetAvailable",
                              "ReplicaSet \"" + rsname + "\" has successfully progressed."});
      } else if (progressed) {
        set_condition(conds, {"Progressing", "True", now, now, "ReplicaSetUpdated",
                              "ReplicaSet \"" + rsname + "\" is progressing."}, true);
      } else if (spec.getProgressDeadlineSeconds().isValue()) {
        prog = find_condition(conds, "Progressing");
        int64_t deadline = spec.getProgressDeadlineSeconds().getValue();
        int64_t since = prog ? machinery::parse_rfc3339_seconds(prog->last_update).value_or(0) : 0;
        int64_t left = since + deadline - machinery::parse_rfc3339_seconds(now).value_or(0);
        if (prog && prog->reason != "ProgressDeadlineExceeded" && since > 0) {
          if (left <= 0)
            set_condition(conds, {"Progressing", "False", now, now, "ProgressDeadlineExceeded",
                                  "ReplicaSet \"" + rsname + "\" has timed out progressing."});
          else
            requeue_after = std::chrono::seconds(left + 1);
        }
      }
    }

    bool same_conds = conds.size() == st.getConditions().size();
    for (size_t i = 0; same_conds && i < conds.size(); ++i) {
      auto e = st.getConditions()[i];
      same_conds = conds[i] == Cond{e.getType(), e.getStatus(), e.getLastUpdateTime(), e.getLastTransitionTime(),
                                    e.getReason(), e.getMessage()};
    }
    sdk::ReconcileResult result = requeue ? sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}}
                                          : sdk::ReconcileResult::after(requeue_after);
    if (same_conds && st.getObservedGeneration() == generation && st.getReplicas() == c.replicas &&
        st.getUpdatedReplicas() == c.updated && st.getReadyReplicas() == c.ready &&
        st.getAvailableReplicas() == c.available && st.getUnavailableReplicas() == c.unavailable)
      return result;
    capnp::MallocMessageBuilder m;
    m.setRoot(d);
    auto ns_st = m.getRoot<Deployment>().getStatus();
    ns_st.setObservedGeneration(generation);
    ns_st.setReplicas(c.replicas);
    ns_st.setUpdatedReplicas(c.updated);
    ns_st.setReadyReplicas(c.ready);
    ns_st.setAvailableReplicas(c.available);
    ns_st.setUnavailableReplicas(c.unavailable);
    auto lc = ns_st.initConditions(static_cast<unsigned>(conds.size()));
    for (unsigned i = 0; i < conds.size(); ++i) {
      lc[i].setType(conds[i].type);
      lc[i].setStatus(conds[i].status);
      lc[i].setLastUpdateTime(conds[i].last_update);
      lc[i].setLastTransitionTime(conds[i].last_transition);
      lc[i].setReason(conds[i].reason);
      lc[i].setMessage(conds[i].message);
    }
    auto r = client_.update(kDeployments, ns, name, m, "status");
    if (r.status.ok() || r.status.not_found()) return result;
    if (r.status.conflict()) return sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}};
    return sdk::ReconcileResult::fail("cannot update status of deployment " + key + ": " + r.status.message);
  }

  const sdk::Host& host_;
  sdk::Client client_;
  sdk::EventRecorder recorder_;
  sdk::Informer deps_;
  sdk::Informer rss_;
  std::unique_ptr<sdk::Controller> controller_;
};

}  // namespace

std::unique_ptr<sdk::Plugin> make_controller(const sdk::Host& host) { return std::make_unique<DeploymentController>(host); }

}  // namespace capstan::deployment
