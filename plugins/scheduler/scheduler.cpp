#include "scheduler.hpp"

#include <capnp/message.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/resources.hpp"
#include "capstan/storage_v1.capnp.h"
#include "capstan/machinery/time.hpp"
#include "conversion.hpp"
#include "volume_claims.hpp"

namespace capstan::scheduler {
namespace {

using core::v1::Pod;
using machinery::kPods;
using machinery::kNodes;
// Bindings in flight at once: each waits for its group commit, so throughput is roughly
// binders / commit latency (8 gave ~1,000/s at 5,000 hollow nodes; 128 ~2,000/s, where the
// server's CPU is the limit; 256 no more).
constexpr int kBinders = 128;
constexpr auto kUnschedulableRetry = std::chrono::seconds(30);

using machinery::now_rfc3339;

bool responsible_for(Pod::Reader pod) {
  auto name = pod.getSpec().getSchedulerName();
  return name.size() == 0 || name == kSchedulerName;
}

int64_t generation_of(Pod::Reader pod) {
  auto g = pod.getMetadata().getGeneration();
  return g.isValue() ? g.getValue() : 0;
}

bool terminated(Pod::Reader pod) {
  auto phase = pod.getStatus().getPhase();
  return phase == "Succeeded" || phase == "Failed";
}

}  // namespace

Scheduler::Scheduler(const sdk::Host& host, const std::string& config)
    : host_(host),
      client_(host, kSchedulerName),
      recorder_(host, kSchedulerName),
      config_(SchedulerConfig::parse(config)),
      framework_(default_registry(), Profile::default_profile(), config_),
      parallelizer_(std::max(0, static_cast<int>(std::thread::hardware_concurrency()) - 1)),
      algorithm_(framework_, &parallelizer_),
      pods_(client_, kPods),
      nodes_(client_, kNodes),
      claims_(client_, machinery::kPersistentVolumeClaims),
      classes_(client_, machinery::kStorageClasses) {
  pods_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) { on_pod(obj, kind); });
  nodes_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) { on_node(obj, kind); });
  // A claim that appears, binds or changes may let a waiting pod through.
  claims_.add_handler([this](const sdk::ObjectPtr&, sdk::EventKind) { queue_.move_all_to_active(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  stopping_ = false;
  nodes_.start();
  claims_.start();
  classes_.start();
  pods_.start();
  for (int i = 0; i < kBinders; ++i) binders_.emplace_back([this] { binder(); });
  loop_ = std::thread([this] { run(); });
}

void Scheduler::stop() {
  stopping_ = true;
  queue_.shut_down();
  if (loop_.joinable()) loop_.join();
  {
    std::lock_guard l(tasks_mu_);
    tasks_stop_ = true;
  }
  tasks_cv_.notify_all();
  for (auto& t : binders_) t.join();
  binders_.clear();
  pods_.stop();
  classes_.stop();
  claims_.stop();
  nodes_.stop();
}

void Scheduler::on_pod(const sdk::ObjectPtr& obj, sdk::EventKind kind) {
  const std::string key = obj->key();
  if (kind == sdk::EventKind::kDeleted) {
    const bool had = cache_.has_pod(key);
    cache_.remove_pod(key);
    queue_.remove(key);
    if (had) queue_.move_all_to_active();  // its resources are free again
    return;
  }
  auto pod = obj->as<Pod>();
  auto node = pod.getSpec().getNodeName();
  if (node.size() != 0) {
    queue_.remove(key);
    if (terminated(pod)) {
      const bool had = cache_.has_pod(key);
      cache_.remove_pod(key);
      if (had) queue_.move_all_to_active();
    } else {
      cache_.add_pod(key, node, pod_requests(pod.getSpec()));
    }
    return;
  }
  if (!responsible_for(pod) || pod.getMetadata().getDeletionTimestamp().size() != 0) return;
  if (kind == sdk::EventKind::kAdded) queue_.add(key);
  else queue_.update(key, generation_of(pod));
}

void Scheduler::on_node(const sdk::ObjectPtr& obj, sdk::EventKind kind) {
  if (kind == sdk::EventKind::kDeleted) {
    cache_.remove_node(obj->name());
    return;
  }
  if (cache_.set_node(node_info_from(obj->as<core::v1::Node>()))) queue_.move_all_to_active();
}

void Scheduler::run() {
  while (!stopping_) {
    if (pods_.wait_for_sync(std::chrono::milliseconds(100)) && nodes_.wait_for_sync(std::chrono::milliseconds(100))) break;
  }
  host_.info("default-scheduler: caches synced, " + std::to_string(cache_.node_count()) + " nodes");
  auto last_flush = std::chrono::steady_clock::now();
  auto last_report = last_flush;
  uint64_t reported_attempts = 0, reported_bound = 0;
  std::string key;
  while (!stopping_) {
    if (queue_.pop(key, std::chrono::milliseconds(1000))) {
      try {
        schedule_one(key);
      } catch (const std::exception& e) {
        host_.error("default-scheduler: scheduling " + key + ": " + e.what());
        queue_.add_unschedulable(key, -1);
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_flush >= std::chrono::seconds(1)) {
      queue_.flush_unschedulable(kUnschedulableRetry);
      last_flush = now;
    }
    if (now - last_report >= std::chrono::seconds(2) && attempts_ != reported_attempts) {
      size_t backlog;
      {
        std::lock_guard l(tasks_mu_);
        backlog = tasks_.size() + reports_.size();
      }
      const double secs = std::chrono::duration<double>(now - last_report).count();
      host_.info("default-scheduler: " + std::to_string(attempts_ - reported_attempts) + " attempts, " +
                 std::to_string(static_cast<uint64_t>((bound_ - reported_bound) / secs)) + " bindings/s; active " +
                 std::to_string(queue_.active_size()) + ", unschedulable " + std::to_string(queue_.unschedulable_size()) +
                 ", writes waiting " + std::to_string(backlog));
      reported_attempts = attempts_;
      reported_bound = bound_;
      last_report = now;
    }
  }
}

void Scheduler::schedule_one(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  sdk::ObjectPtr obj = pods_.get(ns, name);
  if (!obj) return;  // deleted meanwhile
  auto pod = obj->as<Pod>();
  if (pod.getSpec().getNodeName().size() != 0 || pod.getMetadata().getDeletionTimestamp().size() != 0 ||
      !responsible_for(pod))
    return;
  if (cache_.has_pod(key)) return;  // assumed: its binding is in flight

  ++attempts_;
  if (const std::string blocked = claims_block(pod); !blocked.empty()) {
    // VolumeBinding's PreFilter: no node is tried.
    queue_.add_unschedulable(key, generation_of(pod));
    const std::string message =
        "0/" + std::to_string(cache_.node_count()) + " nodes are available: " + blocked + ".";
    submit([this, obj, message] { record_failure(obj, message); }, false);
    return;
  }
  PodInfo info = pod_info_from(pod);
  // VolumeBinding's Filter and PreBind inputs: bound volumes' node affinity, delayed claims.
  for (auto v : pod.getSpec().getVolumes())
    if (v.hasPersistentVolumeClaim()) {
      fill_volumes(pod, info);
      break;
    }
  ScheduleResult result;
  {
    auto lock = cache_.lock();
    result = algorithm_.schedule(info, cache_.nodes(lock));
    if (result.ok()) cache_.assume(lock, key, result.node, info.requests());
  }
  if (result.ok()) {
    submit([this, obj, node = result.node, delayed = info.delayed_claims] { bind(obj, node, delayed); }, true);
    return;
  }
  queue_.add_unschedulable(key, generation_of(pod));
  const std::string message = result.error.empty() ? result.failure_message() : result.error;
  submit([this, obj, message] { record_failure(obj, message); }, false);
}

std::string Scheduler::claims_block(Pod::Reader pod) const {
  std::vector<std::string> names;
  for (auto v : pod.getSpec().getVolumes())
    if (v.hasPersistentVolumeClaim()) names.emplace_back(v.getPersistentVolumeClaim().getClaimName().cStr());
  if (names.empty()) return "";
  const std::string ns = pod.getMetadata().getNamespace();
  auto claim = [&](const std::string& name) -> std::optional<ClaimView> {
    auto obj = claims_.get(ns, name);
    if (!obj) return std::nullopt;
    auto pvc = obj->as<core::v1::PersistentVolumeClaim>();
    ClaimView v;
    v.deleting = pvc.getMetadata().hasDeletionTimestamp();
    bool bind_completed = false;
    std::optional<std::string> beta_class;
    for (auto a : pvc.getMetadata().getAnnotations()) {
      if (a.getKey() == "pv.kubernetes.io/bind-completed") bind_completed = true;
      if (a.getKey() == "volume.beta.kubernetes.io/storage-class") beta_class = a.getValue().cStr();
    }
    v.bound = pvc.getSpec().getVolumeName().size() > 0 && bind_completed;
    v.class_name = beta_class.value_or(pvc.getSpec().hasStorageClassName() ? pvc.getSpec().getStorageClassName().cStr() : "");
    return v;
  };
  auto mode = [&](const std::string& name) -> std::optional<std::string> {
    auto obj = classes_.get("", name);
    if (!obj) return std::nullopt;
    auto sc = obj->as<storage::v1::StorageClass>();
    return sc.hasVolumeBindingMode() ? std::string(sc.getVolumeBindingMode().cStr()) : std::string("Immediate");
  };
  return check_pod_claims(names, claim, mode);
}

void Scheduler::bind(const sdk::ObjectPtr& obj, const std::string& node, const std::vector<std::string>& delayed_claims) {
  const std::string key = obj->key();
  // VolumeBinding's PreBind: the claims waiting for their first consumer learn the node first.
  // Capstan binds the pod at once rather than waiting for the volumes (kube-scheduler waits in
  // PreBind): the node agent holds the pod in ContainerCreating, with an event, until they are bound.
  if (!delayed_claims.empty() && !select_node_for_claims(obj, delayed_claims, node)) {
    cache_.forget(key);
    queue_.add_unschedulable(key, generation_of(obj->as<Pod>()));
    return;
  }
  // As kube-scheduler's DefaultBinder: a Binding naming the pod (with its uid) and the node.
  const nlohmann::json binding = {
      {"apiVersion", "v1"},
      {"kind", "Binding"},
      {"metadata", {{"name", obj->name()}, {"namespace", obj->ns()}, {"uid", obj->uid()}}},
      {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
  sdk::Status s = client_.post_subresource(kPods, obj->ns(), obj->name(), "binding", binding.dump());
  if (!s.ok()) {
    cache_.forget(key);
    if (s.not_found()) return;
    host_.warn("default-scheduler: binding " + key + " to " + node + ": " + s.message);
    queue_.add_unschedulable(key, generation_of(obj->as<Pod>()));
    if (!s.conflict()) record_failure(obj, "Binding rejected: " + s.message);
    return;
  }
  ++bound_;
  // PodScheduled=True comes with the binding itself (the Pod kind's binding admission), as in
  // Kubernetes: one write per bound pod, not two.
  submit([this, obj, key, node] { emit_event(obj, "Normal", "Scheduled", "Successfully assigned " + key + " to " + node); },
         false);
}

void Scheduler::record_failure(const sdk::ObjectPtr& obj, const std::string& message) {
  // A retry failing for the same reason already has its condition and its event: writing another
  // event per retry would flood the store (Kubernetes' event correlator folds them too).
  if (set_condition(obj, false, "Unschedulable", message)) emit_event(obj, "Warning", "FailedScheduling", message);
}

bool Scheduler::set_condition(const sdk::ObjectPtr& obj, bool scheduled, const std::string& reason,
                              const std::string& message) {
  // Skip the write when the condition already says so (the retries of a pending pod).
  for (auto c : obj->as<Pod>().getStatus().getConditions()) {
    if (c.getType() == "PodScheduled" && c.getStatus() == (scheduled ? "True" : "False") && c.getReason() == reason &&
        c.getMessage() == message)
      return false;
  }
  nlohmann::json cond = {{"type", "PodScheduled"},
                         {"status", scheduled ? "True" : "False"},
                         {"lastTransitionTime", now_rfc3339()}};
  if (!reason.empty()) cond["reason"] = reason;
  if (!message.empty()) cond["message"] = message;
  nlohmann::json body = {{"status", {{"conditions", nlohmann::json::array({cond})}}}};
  auto r = client_.patch(kPods, obj->ns(), obj->name(), "strategic", body.dump(), "status");
  if (!r.status.ok() && !r.status.not_found())
    host_.warn("default-scheduler: PodScheduled condition of " + obj->key() + ": " + r.status.message);
  return true;
}

void Scheduler::emit_event(const sdk::ObjectPtr& obj, const char* type, const char* reason, const std::string& message) {
  recorder_.record(sdk::ObjectRef::of(*obj, "v1", "Pod"), type, reason, message);
}

void Scheduler::submit(std::function<void()> task, bool binding) {
  {
    std::lock_guard l(tasks_mu_);
    (binding ? tasks_ : reports_).push_back(std::move(task));
  }
  tasks_cv_.notify_one();
}

void Scheduler::binder() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock l(tasks_mu_);
      tasks_cv_.wait(l, [&] { return tasks_stop_ || !tasks_.empty() || !reports_.empty(); });
      auto& from = !tasks_.empty() ? tasks_ : reports_;
      if (from.empty()) return;  // stopping, and everything handed over was written
      task = std::move(from.front());
      from.pop_front();
    }
    try {
      task();
    } catch (const std::exception& e) {
      host_.error(std::string("default-scheduler: ") + e.what());
    }
  }
}

}  // namespace capstan::scheduler
