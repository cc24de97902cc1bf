// The node lifecycle controller. A node whose Lease in kube-node-lease has not been renewed for
// the grace period (40 s) gets Ready=Unknown and the node.kubernetes.io/unreachable:NoExecute
// taint, its pods get Ready=False; each pod is deleted when its toleration of the taint runs out
// (at once without one; 300 s with the default one the workloads plugin's admission adds, as
// upstream's DefaultTolerationSeconds), so that its controller replaces it elsewhere. When the
// lease is renewed again the taint is removed and evictions not yet due are called off (the agent
// itself sets Ready=True again with its next status update).
#include "node_lifecycle.hpp"

#include "capstan/scheduling.hpp"

#include <capnp/message.h>

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>

#include "capstan/controller.hpp"
#include "capstan/coordination_v1.capnp.h"
#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "capstan/plugin.hpp"

namespace capstan::lifecycle {
namespace {

namespace core = capstan::core::v1;
using machinery::now_ns;
using machinery::now_rfc3339;
using sdk::ReconcileResult;

using machinery::kPods;
using machinery::kNodes;
using machinery::kLeases;
constexpr const char* kLeaseNamespace = "kube-node-lease";
constexpr const char* kTaint = "node.kubernetes.io/unreachable";

std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

int64_t to_ns(std::chrono::milliseconds d) { return static_cast<int64_t>(d.count()) * 1'000'000; }

}  // namespace

Options Options::parse(const std::string& config_json) {
  Options o;
  auto config = nlohmann::json::parse(config_json, nullptr, false);
  if (!config.is_object()) return o;
  auto seconds = [&](const char* key, std::chrono::milliseconds& out) {
    auto it = config.find(key);
    if (it != config.end() && it->is_number() && it->get<double>() >= 0)
      out = std::chrono::milliseconds(static_cast<int64_t>(it->get<double>() * 1000));
  };
  seconds("nodeMonitorGracePeriodSeconds", o.grace_period);
  return o;
}

NodeLifecycle::NodeLifecycle(const sdk::Host& host, Options options)
    : host_(host), options_(options), client_(host, "node-lifecycle-controller"),
      node_events_(host, "node-controller"), eviction_events_(host, "taint-eviction-controller"),
      nodes_(client_, kNodes), leases_(client_, kLeases, kLeaseNamespace) {
  node_events_.set_synchronous(false);
  eviction_events_.set_synchronous(false);
  nodes_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) { on_node(obj, kind); });
  controller_ = std::make_unique<sdk::Controller>("node-lifecycle", host_,
                                                  [this](const std::string& k) { return reconcile(k); });
  controller_->watch(nodes_);
  // A lease is named after its node: enqueue the node's (cluster-scoped) key.
  controller_->watch_owned(leases_, [](const sdk::ObjectPtr& lease) { return std::optional<std::string>(lease->name()); });
}
void NodeLifecycle::start() {
  started_ns_ = now_ns();
  nodes_.start();
  leases_.start();
  controller_->start();
}
void NodeLifecycle::stop() {
  controller_->stop();
  leases_.stop();
  nodes_.stop();
  node_events_.shutdown();
  eviction_events_.shutdown();
}

bool NodeLifecycle::has_taint(core::Node::Reader node) {
  for (auto t : node.getSpec().getTaints())
    if (t.getKey() == kTaint && t.getEffect() == "NoExecute") return true;
  return false;
}

// When the node was tainted: the taint's timeAdded, so tolerations keep counting across a
// restart of the controller; else when this controller first saw the taint. timeAdded has whole
// seconds: the end of that second is taken, so a toleration is never cut short (upstream's taint
// manager starts its timers when it sees the taint, also a little after it was added).
int64_t NodeLifecycle::taint_time(core::Node::Reader node, const std::string& name, int64_t now) {
  for (auto t : node.getSpec().getTaints())
    if (t.getKey() == kTaint && t.getEffect() == "NoExecute")
      if (auto at = machinery::parse_rfc3339(str(t.getTimeAdded()))) return std::min(*at + 999'999'999, now);
  std::lock_guard lock(mu_);
  return tainted_since_.emplace(name, now).first->second;
}

// Adds (or removes) the unreachable taint on the main resource.
sdk::Status NodeLifecycle::set_taint(const sdk::ObjectPtr& obj, bool on) {
  auto node = obj->as<core::Node>();
  capnp::MallocMessageBuilder m;
  m.setRoot(node);
  auto spec = m.getRoot<core::Node>().getSpec();
  std::vector<core::Taint::Reader> keep;
  for (auto t : node.getSpec().getTaints())
    if (!(t.getKey() == kTaint && t.getEffect() == "NoExecute")) keep.push_back(t);
  auto taints = spec.initTaints(keep.size() + (on ? 1 : 0));
  for (size_t i = 0; i < keep.size(); ++i) taints.setWithCaveats(i, keep[i]);
  if (on) {
    auto t = taints[keep.size()];
    t.setKey(kTaint);
    t.setEffect("NoExecute");
    t.setTimeAdded(now_rfc3339());
  }
  return client_.update(kNodes, "", obj->name(), m).status;
}

sdk::Status NodeLifecycle::mark_unknown(const sdk::ObjectPtr& obj) {
  auto node = obj->as<core::Node>();
  capnp::MallocMessageBuilder m;
  m.setRoot(node);
  auto st = m.getRoot<core::Node>().getStatus();
  const std::string now = now_rfc3339();
  bool found = false;
  for (auto c : st.getConditions()) {
    if (c.getType() != "Ready") continue;
    found = true;
    c.setStatus("Unknown");
    c.setReason("NodeStatusUnknown");
    c.setMessage("Kubelet stopped posting node status.");
    c.setLastTransitionTime(now);
  }
  if (!found) {
    auto old = node.getStatus().getConditions();
    auto conds = st.initConditions(old.size() + 1);
    for (uint32_t i = 0; i < old.size(); ++i) conds.setWithCaveats(i, old[i]);
    auto c = conds[old.size()];
    c.setType("Ready");
    c.setStatus("Unknown");
    c.setReason("NodeStatusUnknown");
    c.setMessage("Kubelet stopped posting node status.");
    c.setLastTransitionTime(now);
  }
  return client_.update(kNodes, "", obj->name(), m, "status").status;
}

void NodeLifecycle::on_node(const sdk::ObjectPtr& obj, sdk::EventKind kind) {
  // As Kubernetes' monitorNodeHealth on nodes it starts or stops knowing.
  if (kind == sdk::EventKind::kAdded)
    node_events_.record(sdk::ObjectRef{"v1", "Node", "", obj->name(), obj->uid(), "", ""}, sdk::kEventTypeNormal,
                        "RegisteredNode", "Registered Node " + obj->name() + " in Controller");
  else if (kind == sdk::EventKind::kDeleted)
    node_events_.record(sdk::ObjectRef{"v1", "Node", "", obj->name(), obj->uid(), "", ""}, sdk::kEventTypeNormal,
                        "RemovingNode", "Removing Node " + obj->name() + " from Controller");
}

// MarkPodsNotReady: the pods of an unreachable node are not ready (endpoints drop them).
void NodeLifecycle::mark_pods_not_ready(const std::string& name) {
  auto pods = client_.list(kPods, "", "", "spec.nodeName=" + name);
  if (!pods.status.ok()) return;
  const std::string now = now_rfc3339();
  for (const auto& p : pods.items) {
    auto pod = p->as<core::Pod>();
    for (auto c : pod.getStatus().getConditions()) {
      if (c.getType() != "Ready") continue;
      if (c.getStatus() != "False") {
        nlohmann::json cond = {{"type", "Ready"}, {"status", "False"}, {"lastTransitionTime", now}};
        nlohmann::json body = {{"status", {{"conditions", nlohmann::json::array({cond})}}}};
        auto r = client_.patch(kPods, p->ns(), p->name(), "strategic", body.dump(), "status");
        if (!r.status.ok()) break;
        node_events_.record(p, sdk::kEventTypeWarning, "NodeNotReady", "Node is not ready");
      }
      break;
    }
  }
}

ReconcileResult NodeLifecycle::reconcile(const std::string& name) {
  auto obj = nodes_.get("", name);
  if (!obj) {
    std::lock_guard lock(mu_);
    tainted_since_.erase(name);
    return ReconcileResult::ok();
  }
  auto node = obj->as<core::Node>();
  // Last sign of life: the lease's renewTime, else the node's creation, never before we started
  // (a restarted server gives agents a full grace period).
  int64_t last = machinery::parse_rfc3339(str(node.getMetadata().getCreationTimestamp())).value_or(-1);
  if (auto lease = leases_.get(kLeaseNamespace, name))
    last = std::max(last, machinery::parse_rfc3339(str(lease->as<coordination::v1::Lease>().getSpec().getRenewTime())).value_or(-1));
  last = std::max(last, started_ns_);
  const int64_t now = now_ns();
  const int64_t age = now - last;

  if (age <= to_ns(options_.grace_period)) {
    {
      std::lock_guard lock(mu_);
      tainted_since_.erase(name);
    }
    if (has_taint(node)) {
      auto st = set_taint(obj, false);
      if (st.conflict()) return ReconcileResult{true, std::chrono::milliseconds{0}, {}};
      if (!st.ok() && !st.not_found()) return ReconcileResult::fail("cannot untaint node " + name + ": " + st.message);
      host_.info("node-lifecycle: node " + name + " is heartbeating again; removed " + kTaint);
    }
    return ReconcileResult::after(std::chrono::milliseconds((to_ns(options_.grace_period) - age) / 1'000'000 + 1000));
  }

  // Lease expired.
  bool ready_unknown = false;
  for (auto c : node.getStatus().getConditions())
    if (c.getType() == "Ready" && c.getStatus() == "Unknown") ready_unknown = true;
  if (!ready_unknown) {
    auto st = mark_unknown(obj);
    if (st.conflict()) return ReconcileResult{true, std::chrono::milliseconds{0}, {}};
    if (!st.ok() && !st.not_found()) return ReconcileResult::fail("cannot mark node " + name + " unknown: " + st.message);
    host_.warn("node-lifecycle: node " + name + " stopped posting status; Ready=Unknown");
    node_events_.record(sdk::ObjectRef{"v1", "Node", "", name, obj->uid(), "", ""}, sdk::kEventTypeNormal,
                        "NodeNotReady", "Node " + name + " status is now: NodeNotReady");
    mark_pods_not_ready(name);
    return ReconcileResult::after(std::chrono::milliseconds(100));  // re-read the updated node
  }
  if (!has_taint(node)) {
    auto st = set_taint(obj, true);
    if (st.conflict()) return ReconcileResult{true, std::chrono::milliseconds{0}, {}};
    if (!st.ok() && !st.not_found()) return ReconcileResult::fail("cannot taint node " + name + ": " + st.message);
    return ReconcileResult::after(std::chrono::milliseconds(100));
  }
  const int64_t since = taint_time(node, name, now);
  // Evict the node's pods whose toleration ran out (the agent is gone, so nobody else will).
  auto pods = client_.list(kPods, "", "", "spec.nodeName=" + name);
  if (!pods.status.ok()) return ReconcileResult::fail("cannot list pods of node " + name + ": " + pods.status.message);
  // As the taint eviction controller: a pod that tolerates the unreachable taint stays, forever
  // when no matching toleration sets tolerationSeconds (DaemonSet pods), else for the shortest
  // tolerationSeconds among them since the taint was added (getMinTolerationTime); a pod that
  // does not tolerate it goes now.
  const sdk::scheduling::Taint unreachable{kTaint, "", "NoExecute"};
  std::optional<int64_t> recheck_ns;
  for (const auto& p : pods.items) {
    if (p->metadata().hasDeletionTimestamp()) continue;
    int64_t min_seconds = -1;  // -1: no matching toleration has a limit
    bool tolerated = false;
    for (const auto& t : sdk::scheduling::tolerations_of(p->as<core::Pod>().getSpec().getTolerations())) {
      if (!sdk::scheduling::tolerates(t, unreachable)) continue;
      tolerated = true;
      if (!t.toleration_seconds) continue;
      int64_t ts = std::max<int64_t>(*t.toleration_seconds, 0);
      if (min_seconds == -1 || ts < min_seconds) min_seconds = ts;
    }
    if (tolerated) {
      if (min_seconds == -1) continue;
      const int64_t due = since + min_seconds * 1'000'000'000;
      if (now < due) {
        recheck_ns = std::min(recheck_ns.value_or(due - now), due - now);
        continue;
      }
    }
    eviction_events_.record(p, sdk::kEventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod " + p->key());
    auto st = client_.remove(kPods, p->ns(), p->name(), "Background", p->uid());
    if (st.ok()) host_.info("node-lifecycle: deleted pod " + p->key() + " of unreachable node " + name);
  }
  // Keep evicting whatever lands there; sooner when a toleration runs out before that.
  const auto recheck = options_.recheck_period.count();
  if (recheck_ns && *recheck_ns / 1'000'000 + 50 < recheck)
    return ReconcileResult::after(std::chrono::milliseconds(*recheck_ns / 1'000'000 + 50));
  return ReconcileResult::after(options_.recheck_period);
}

}  // namespace capstan::lifecycle
