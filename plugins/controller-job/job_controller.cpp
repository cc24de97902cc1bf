#include "job_controller.hpp"

#include <capnp/message.h>
#include <capnp/orphan.h>

#include <pthread.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "capstan/core_v1.capnp.h"
#include "capstan/selectors.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::job {

namespace {

using batch::v1::Job;
using core::v1::Pod;
using machinery::kPods;
using machinery::kJobs;

int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ms_of(capnp::Text::Reader t) { return t.size() ? machinery::parse_rfc3339_seconds(t.cStr()).value_or(0) * 1000 : 0; }
std::string rfc3339(int64_t ms) { return machinery::format_rfc3339(ms / 1000); }

bool has_text(capnp::Text::Reader t) { return t.size() > 0; }

std::optional<std::string> annotation(capnp::List<k8s::StringEntry>::Reader list, std::string_view key) {
  for (auto e : list)
    if (std::string_view(e.getKey().cStr()) == key) return std::string(e.getValue().cStr());
  return std::nullopt;
}

bool has_finalizer(meta::ObjectMeta::Reader md) {
  for (auto f : md.getFinalizers())
    if (f == kTrackingFinalizer) return true;
  return false;
}

// The controlling ownerReference of kind Job, if any.
std::optional<meta::OwnerReference::Reader> controller_ref(meta::ObjectMeta::Reader md) {
  for (auto o : md.getOwnerReferences())
    if (o.getController().isValue() && o.getController().getValue()) return o;
  return std::nullopt;
}

void read_containers(capnp::List<core::v1::ContainerStatus>::Reader list, std::vector<ContainerState>& out) {
  for (auto cs : list) {
    ContainerState c;
    c.name = cs.getName();
    c.restarts = cs.getRestartCount();
    if (cs.getState().hasTerminated()) {
      auto t = cs.getState().getTerminated();
      c.terminated = true;
      c.exit_code = t.getExitCode();
      c.finished_ms = ms_of(t.getFinishedAt());
    }
    out.push_back(std::move(c));
  }
}

PodView pod_view(const sdk::ObjectPtr& obj) {
  auto pod = obj->as<Pod>();
  auto md = pod.getMetadata();
  PodView p;
  p.name = obj->name();
  p.uid = obj->uid();
  p.phase = pod.getStatus().getPhase();
  p.deleting = has_text(md.getDeletionTimestamp());
  p.deletion_ms = ms_of(md.getDeletionTimestamp());
  p.deletion_grace_seconds = md.getDeletionGracePeriodSeconds().isValue() ? md.getDeletionGracePeriodSeconds().getValue() : 0;
  p.created_ms = ms_of(md.getCreationTimestamp());
  p.has_finalizer = has_finalizer(md);
  auto ann = md.getAnnotations();
  if (auto v = annotation(ann, kCompletionIndexAnnotation)) p.completion_index = parse_completion_index(*v);
  if (auto v = annotation(ann, kIndexFailureCountAnnotation)) p.index_failure_count = parse_failure_count(*v);
  if (auto v = annotation(ann, kIndexIgnoredFailureCountAnnotation)) p.index_ignored_failure_count = parse_failure_count(*v);
  p.node_name = pod.getSpec().getNodeName();
  read_containers(pod.getStatus().getContainerStatuses(), p.containers);
  read_containers(pod.getStatus().getInitContainerStatuses(), p.init_containers);
  for (auto c : pod.getStatus().getConditions())
    p.conditions.push_back({c.getType(), c.getStatus(), ms_of(c.getLastTransitionTime())});
  return p;
}

bool job_finished(Job::Reader job) {
  for (auto c : job.getStatus().getConditions())
    if ((c.getType() == "Complete" || c.getType() == "Failed") && c.getStatus() == "True") return true;
  return false;
}

// Runs fn(i) for i in [0, n) on up to `parallel` threads (pod creates and finalizer patches are
// independent writes; the store commits concurrent writes in one fsync).
void parallel_for(size_t n, size_t parallel, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  const size_t threads = std::min(n, parallel);
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  for (auto& t : pool) t.join();
}

}  // namespace

// Everything one sync of one Job computes and carries between its steps.
struct JobController::SyncContext {
  std::string key, ns, name, uid;
  sdk::ObjectPtr job_obj;  // the latest known version (replaced after each status write)
  Job::Reader job() const { return job_obj->as<Job>(); }

  // spec
  bool indexed = false;
  std::optional<int32_t> completions;
  int32_t parallelism = 1;
  int32_t backoff_limit = 6;
  std::optional<int32_t> per_index, max_failed_indexes;
  bool suspended = false;
  std::optional<int64_t> active_deadline;
  std::string restart_policy;
  bool only_replace_failed = false;
  std::optional<std::vector<PodFailurePolicyRule>> failure_policy;
  std::optional<std::vector<SuccessPolicyRule>> success_policy;
  bool job_deleting = false;

  // pods
  std::vector<sdk::ObjectPtr> pod_objs;
  std::vector<PodView> pods;
  std::vector<const PodView*> active;
  int32_t ready = 0, terminating = 0;
  std::set<std::string> expected_rm;
  bool satisfied = true;

  // status being built
  std::vector<JobCondition> conditions;
  std::optional<int64_t> start_ms, completion_ms;
  int32_t status_active = 0, status_succeeded = 0, status_failed = 0;
  std::optional<int32_t> status_terminating, status_ready;
  std::string completed_indexes;
  std::optional<std::string> failed_indexes_str;
  std::vector<std::string> uncounted_succeeded, uncounted_failed;
  std::set<std::string> uncounted_succeeded_set, uncounted_failed_set;  // as read at the start

  std::optional<JobCondition> finished;
  int32_t succeeded = 0, failed = 0;
  OrderedIntervals prev_succeeded, succeeded_indexes;
  std::optional<OrderedIntervals> failed_indexes;
  BackoffRecord new_backoff;
  std::map<int, const PodView*> delayed_deletion;
};

JobController::JobController(const sdk::Host& host, JobControllerOptions options)
    : host_(host),
      options_(std::move(options)),
      client_(host, kComponent),
      recorder_(host, kComponent),
      jobs_(client_, kJobs),
      pods_(client_, kPods) {
  if (!options_.now_ms) options_.now_ms = wall_now_ms;
  recorder_.set_synchronous(options_.synchronous_events);
  // DefaultJobApiBackOff (1 s) doubling to MaxJobApiBackOff (1 min), without an overall bucket.
  sdk::RateLimit limit{std::chrono::milliseconds(1000), std::chrono::milliseconds(60000), 1e9, 1 << 30};
  controller_ = std::make_unique<sdk::Controller>("job", host_, [this](const std::string& k) { return sync(k); },
                                                  options_.workers, limit);
  orphans_ = std::make_unique<sdk::Controller>("job-orphan-pod", host_,
                                               [this](const std::string& k) { return sync_orphan_pod(k); }, 1, limit);
  // The informers are registered for the sync wait only: the handlers below decide what to enqueue
  // (immediately for Job changes, batched for pod events) and lower expectations first.
  auto none = [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; };
  controller_->watch_owned(jobs_, none);
  controller_->watch_owned(pods_, none);
  orphans_->watch_owned(jobs_, none);
  orphans_->watch_owned(pods_, none);
  jobs_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) { on_job(obj, kind); });
  ttl_ = std::make_unique<TtlAfterFinishedController>(host_, client_, jobs_, options_.now_ms);
  pods_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) { on_pod(obj, kind); });
}

JobController::~JobController() { stop(); }

void JobController::start() {
  jobs_.start();
  pods_.start();
  controller_->start();
  orphans_->start();
  ttl_->start();
}

void JobController::stop() {
  controller_->stop();
  orphans_->stop();
  ttl_->stop();
  pods_.stop();
  jobs_.stop();
  recorder_.shutdown();
}

void JobController::enqueue_batched(const std::string& key) {
  controller_->enqueue_after(key, std::chrono::milliseconds(options_.batch_period_ms));
}

sdk::ObjectPtr JobController::resolve_controller(const sdk::ObjectPtr& pod) const {
  auto ref = controller_ref(pod->metadata());
  if (!ref || ref->getKind() != "Job") return nullptr;
  auto job = jobs_.get(pod->ns(), ref->getName());
  if (!job || job->uid() != std::string(ref->getUid().cStr())) return nullptr;
  return job;
}

void JobController::enqueue_orphans_of(const sdk::ObjectPtr& job) {
  // cleanupPodFinalizers: pods the Job controls that still carry the finalizer.
  auto spec = job->as<Job>().getSpec();
  for (const auto& pod : pods_.list(job->ns())) {
    auto ref = controller_ref(pod->metadata());
    if (!ref || std::string(ref->getUid().cStr()) != job->uid()) continue;
    if (!has_finalizer(pod->metadata())) continue;
    if (!sdk::selector_matches(spec.getSelector(), pod->metadata().getLabels())) continue;
    orphans_->enqueue(pod->key());
  }
}

void JobController::on_job(const sdk::ObjectPtr& obj, sdk::EventKind kind) {
  const std::string key = obj->key();
  auto job = obj->as<Job>();
  if (kind == sdk::EventKind::kDeleted) {
    controller_->enqueue(key);
    enqueue_orphans_of(obj);
    std::lock_guard lock(seen_mu_);
    job_generation_.erase(key);
    job_deadline_.erase(key);
    return;
  }
  const int64_t generation = job.getMetadata().getGeneration().isValue() ? job.getMetadata().getGeneration().getValue() : 0;
  const int64_t deadline =
      job.getSpec().getActiveDeadlineSeconds().isValue() ? job.getSpec().getActiveDeadlineSeconds().getValue() : -1;
  bool generation_changed = true, deadline_changed = false;
  {
    std::lock_guard lock(seen_mu_);
    auto it = job_generation_.find(key);
    if (kind == sdk::EventKind::kModified && it != job_generation_.end()) generation_changed = it->second != generation;
    auto dt = job_deadline_.find(key);
    deadline_changed = dt == job_deadline_.end() || dt->second != deadline;
    job_generation_[key] = generation;
    job_deadline_[key] = deadline;
  }
  if (kind == sdk::EventKind::kAdded || generation_changed) controller_->enqueue(key);
  else enqueue_batched(key);  // status updates, typically following pod events
  if (kind == sdk::EventKind::kModified && job_finished(job)) enqueue_orphans_of(obj);
  // A changed activeDeadlineSeconds: sync again when it passes.
  if (kind == sdk::EventKind::kModified && deadline_changed && deadline >= 0 && has_text(job.getStatus().getStartTime())) {
    const int64_t remaining = ms_of(job.getStatus().getStartTime()) + deadline * 1000 - now();
    controller_->enqueue_after(key, std::chrono::milliseconds(std::max<int64_t>(remaining, 0)));
  }
}

void JobController::delete_pod_event(const sdk::ObjectPtr& obj, bool final_delete) {
  auto md = obj->metadata();
  const bool finalizer = has_finalizer(md);
  if (!controller_ref(md)) {
    // Perhaps the garbage collector removed the reference: release the finalizer.
    if (finalizer) orphans_->enqueue(obj->key());
    return;
  }
  auto job = resolve_controller(obj);
  if (!job || job_finished(job->as<Job>())) {
    if (finalizer) orphans_->enqueue(obj->key());
    return;
  }
  const std::string key = job->key();
  expectations_.deletion_observed(key);
  if (final_delete || !finalizer) finalizer_expectations_.observed(key, obj->uid());
  enqueue_batched(key);
}

void JobController::on_pod(const sdk::ObjectPtr& obj, sdk::EventKind kind) {
  auto md = obj->metadata();
  const bool deleting = has_text(md.getDeletionTimestamp());
  if (kind == sdk::EventKind::kDeleted) {
    {
      std::lock_guard lock(seen_mu_);
      pod_owner_.erase(obj->uid());
    }
    delete_pod_event(obj, true);
    return;
  }
  // A pod that changed owners: its former Job re-counts too.
  auto job = resolve_controller(obj);
  std::string previous_owner;
  {
    std::lock_guard lock(seen_mu_);
    auto& owner = pod_owner_[obj->uid()];
    previous_owner = owner;
    owner = job ? job->key() : "";
  }
  const bool finalizer = has_finalizer(md);
  if (!previous_owner.empty() && (!job || previous_owner != job->key())) {
    if (!finalizer) finalizer_expectations_.observed(previous_owner, obj->uid());
    enqueue_batched(previous_owner);
  }
  if (deleting) {
    // On a restart a pod may show up already being deleted: not a creation.
    delete_pod_event(obj, false);
    return;
  }
  if (controller_ref(md)) {
    if (!job) return;
    if (kind == sdk::EventKind::kAdded) expectations_.creation_observed(job->key());
    else if (!finalizer) finalizer_expectations_.observed(job->key(), obj->uid());
    enqueue_batched(job->key());
    return;
  }
  // An orphan: release its finalizer, and let every Job whose selector matches consider adopting it.
  if (finalizer) orphans_->enqueue(obj->key());
  auto labels = md.getLabels();
  for (const auto& j : jobs_.list(obj->ns())) {
    auto sel = j->as<Job>().getSpec().getSelector();
    if (j->as<Job>().getSpec().hasSelector() && sdk::selector_matches(sel, labels)) enqueue_batched(j->key());
  }
}

// ---- orphan pods

sdk::ReconcileResult JobController::sync_orphan_pod(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto pod = pods_.get(ns, name);
  if (!pod) return sdk::ReconcileResult::ok();
  auto md = pod->metadata();
  if (auto ref = controller_ref(md)) {
    // Owned by something other than a batch/v1 Job: not ours to release.
    if (ref->getKind() != "Job" || ref->getApiVersion() != "batch/v1") return sdk::ReconcileResult::ok();
    auto job = resolve_controller(pod);
    if (job) {
      auto spec = job->as<Job>().getSpec();
      if (spec.getManagedBy().isValue() && spec.getManagedBy().getValue() != kJobControllerName)
        return sdk::ReconcileResult::ok();
      if (!job_finished(job->as<Job>())) return sdk::ReconcileResult::ok();  // adopted meanwhile
    }
  }
  if (!has_finalizer(md)) return sdk::ReconcileResult::ok();
  auto r = client_.patch(kPods, ns, name, "strategic",
                         R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["batch.kubernetes.io/job-tracking"]}})");
  if (r.status.ok() || r.status.not_found()) return sdk::ReconcileResult::ok();
  return sdk::ReconcileResult::fail("removing the tracking finalizer of orphan pod " + key + ": " + r.status.message);
}

// ---- claiming pods

std::vector<sdk::ObjectPtr> JobController::claim_pods(const sdk::ObjectPtr& job_obj, bool& conflict) {
  auto job = job_obj->as<Job>();
  auto selector = job.getSpec().getSelector();
  const bool job_deleting = has_text(job.getMetadata().getDeletionTimestamp());
  std::vector<sdk::ObjectPtr> out;
  bool adopt_checked = false, may_adopt = false;
  for (const auto& pod : pods_.list(job_obj->ns())) {
    auto md = pod->metadata();
    const bool matches = job.getSpec().hasSelector() && sdk::selector_matches(selector, md.getLabels());
    auto ref = controller_ref(md);
    if (ref) {
      if (std::string(ref->getUid().cStr()) != job_obj->uid()) continue;
      if (matches || job_deleting) {
        out.push_back(pod);
        continue;
      }
      // Owned but no longer matching: release it (drop our ownerReference).
      nlohmann::json refs = nlohmann::json::array();
      for (auto o : md.getOwnerReferences()) {
        if (std::string(o.getUid().cStr()) == job_obj->uid()) continue;
        nlohmann::json j{{"apiVersion", o.getApiVersion().cStr()}, {"kind", o.getKind().cStr()},
                         {"name", o.getName().cStr()}, {"uid", o.getUid().cStr()}};
        if (o.getController().isValue()) j["controller"] = o.getController().getValue();
        if (o.getBlockOwnerDeletion().isValue()) j["blockOwnerDeletion"] = o.getBlockOwnerDeletion().getValue();
        refs.push_back(j);
      }
      nlohmann::json body;
      body["metadata"]["resourceVersion"] = md.getResourceVersion().cStr();
      body["metadata"]["ownerReferences"] = refs;
      auto r = client_.patch(kPods, pod->ns(), pod->name(), "merge", body.dump());
      if (r.status.conflict()) conflict = true;
      continue;
    }
    if (!matches || job_deleting || has_text(md.getDeletionTimestamp())) continue;
    // An orphan that matches: adopt it, after checking (uncached) that the Job is not being deleted.
    if (!adopt_checked) {
      adopt_checked = true;
      auto fresh = client_.get(kJobs, job_obj->ns(), job_obj->name());
      may_adopt = fresh.status.ok() && fresh.object->uid() == job_obj->uid() &&
                  !has_text(fresh.object->metadata().getDeletionTimestamp());
    }
    if (!may_adopt) continue;
    nlohmann::json refs = nlohmann::json::array();
    for (auto o : md.getOwnerReferences()) {
      nlohmann::json j{{"apiVersion", o.getApiVersion().cStr()}, {"kind", o.getKind().cStr()},
                       {"name", o.getName().cStr()}, {"uid", o.getUid().cStr()}};
      if (o.getController().isValue()) j["controller"] = o.getController().getValue();
      if (o.getBlockOwnerDeletion().isValue()) j["blockOwnerDeletion"] = o.getBlockOwnerDeletion().getValue();
      refs.push_back(j);
    }
    refs.push_back({{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"name", job_obj->name()}, {"uid", job_obj->uid()},
                    {"controller", true}, {"blockOwnerDeletion", true}});
    nlohmann::json finalizers = nlohmann::json::array();
    for (auto f : md.getFinalizers()) finalizers.push_back(f.cStr());
    if (!has_finalizer(md)) finalizers.push_back(kTrackingFinalizer);
    nlohmann::json body;
    body["metadata"]["resourceVersion"] = md.getResourceVersion().cStr();
    body["metadata"]["ownerReferences"] = refs;
    body["metadata"]["finalizers"] = finalizers;
    auto r = client_.patch(kPods, pod->ns(), pod->name(), "merge", body.dump());
    if (r.status.ok()) out.push_back(r.object);
    else if (r.status.conflict()) conflict = true;
  }
  return out;
}

// ---- creating and deleting pods

bool JobController::create_pod(SyncContext& ctx, int index, std::string& error) {
  auto job = ctx.job();
  auto tmpl = job.getSpec().getTemplate();
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<Pod>();
  pod.setApiVersion("v1");
  pod.setKind("Pod");
  auto md = pod.initMetadata();
  md.setNamespace(ctx.ns);
  md.setGenerateName(index == kUnknownIndex ? ctx.name + "-" : pod_generate_name_with_index(ctx.name, index));
  auto tmd = tmpl.getMetadata();
  // Labels and annotations, plus the completion index (annotation and label) and, with
  // backoffLimitPerIndex, the failure counts carried over from the pod being replaced.
  std::vector<std::pair<std::string, std::string>> labels, annotations;
  for (auto e : tmd.getLabels()) labels.emplace_back(e.getKey(), e.getValue());
  for (auto e : tmd.getAnnotations()) annotations.emplace_back(e.getKey(), e.getValue());
  auto set_kv = [](std::vector<std::pair<std::string, std::string>>& kv, const std::string& k, const std::string& v) {
    for (auto& e : kv)
      if (e.first == k) {
        e.second = v;
        return;
      }
    kv.emplace_back(k, v);
  };
  if (index != kUnknownIndex) {
    set_kv(annotations, kCompletionIndexAnnotation, std::to_string(index));
    set_kv(labels, kCompletionIndexAnnotation, std::to_string(index));
    if (ctx.per_index) {
      int32_t failures = 0, ignored = 0;
      auto it = ctx.delayed_deletion.find(index);
      if (it != ctx.delayed_deletion.end()) {
        const PodView& replaced = *it->second;
        failures = replaced.index_failure_count;
        ignored = replaced.index_ignored_failure_count;
        auto match = match_pod_failure_policy(ctx.failure_policy ? &*ctx.failure_policy : nullptr, replaced, ctx.ns);
        if (match.count_failed) ++failures;
        else ++ignored;
      }
      set_kv(annotations, kIndexFailureCountAnnotation, std::to_string(failures));
      if (ignored > 0) set_kv(annotations, kIndexIgnoredFailureCountAnnotation, std::to_string(ignored));
    }
  }
  auto fill = [](auto list, const std::vector<std::pair<std::string, std::string>>& kv) {
    for (unsigned i = 0; i < kv.size(); ++i) {
      list[i].setKey(kv[i].first);
      list[i].setValue(kv[i].second);
    }
  };
  if (!labels.empty()) fill(md.initLabels(labels.size()), labels);
  if (!annotations.empty()) fill(md.initAnnotations(annotations.size()), annotations);
  std::vector<std::string> finalizers;
  for (auto f : tmd.getFinalizers()) finalizers.emplace_back(f.cStr());
  if (std::find(finalizers.begin(), finalizers.end(), kTrackingFinalizer) == finalizers.end())
    finalizers.emplace_back(kTrackingFinalizer);
  auto fl = md.initFinalizers(finalizers.size());
  for (unsigned i = 0; i < finalizers.size(); ++i) fl.set(i, finalizers[i]);
  auto refs = md.initOwnerReferences(1);
  refs[0].setApiVersion("batch/v1");
  refs[0].setKind("Job");
  refs[0].setName(ctx.name);
  refs[0].setUid(ctx.uid);
  refs[0].getController().setValue(true);
  refs[0].getBlockOwnerDeletion().setValue(true);
  pod.setSpec(tmpl.getSpec());
  if (index != kUnknownIndex) {
    auto spec = pod.getSpec();
    spec.setHostname(ctx.name + "-" + std::to_string(index));
    // JOB_COMPLETION_INDEX from the index label, in every container that does not set it.
    auto add_env = [&](capnp::List<core::v1::Container>::Builder containers) {
      for (auto c : containers) {
        bool present = false;
        for (auto e : c.getEnv())
          if (e.getName() == kCompletionIndexEnv) present = true;
        if (present) continue;
        auto old = c.asReader().getEnv();
        auto orphan = capnp::Orphanage::getForMessageContaining(c).newOrphan<capnp::List<core::v1::EnvVar>>(old.size() + 1);
        for (unsigned i = 0; i < old.size(); ++i) orphan.get().setWithCaveats(i, old[i]);
        auto env = orphan.get()[old.size()];
        env.setName(kCompletionIndexEnv);
        env.initValueFrom().initFieldRef().setFieldPath(std::string("metadata.labels['") + kCompletionIndexAnnotation + "']");
        c.adoptEnv(std::move(orphan));
      }
    };
    add_env(spec.getInitContainers());
    add_env(spec.getContainers());
  }
  auto r = client_.create(kPods, ctx.ns, m);
  if (!r.status.ok()) {
    error = r.status.message;
    // No event when the namespace is going away: every later create fails the same way.
    if (r.status.message.find("because it is being terminated") == std::string::npos)
      recorder_.record(ctx.job_obj, sdk::kEventTypeWarning, "FailedCreate", "Error creating: " + r.status.message);
    return false;
  }
  recorder_.record(ctx.job_obj, sdk::kEventTypeNormal, "SuccessfulCreate", "Created pod: " + r.object->name());
  return true;
}

// deleteJobPods (remove_finalizers) / deleteActivePods: returns (deleted ready, deleted).
std::pair<int32_t, int32_t> JobController::delete_pods(SyncContext& ctx, const std::vector<const PodView*>& pods,
                                                       bool remove_finalizers, std::string& error) {
  std::atomic<int32_t> deleted{static_cast<int32_t>(pods.size())}, deleted_ready{0};
  std::mutex err_mu;
  parallel_for(pods.size(), 16, [&](size_t i) {
    const PodView& p = *pods[i];
    auto fail = [&](const std::string& message, bool not_found) {
      if (remove_finalizers) expectations_.deletion_observed(ctx.key);
      if (!not_found) {
        deleted.fetch_sub(1);
        std::lock_guard lock(err_mu);
        error = message;
      }
    };
    if (remove_finalizers && p.has_finalizer) {
      auto r = client_.patch(kPods, ctx.ns, p.name, "strategic",
                             R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["batch.kubernetes.io/job-tracking"]}})");
      if (!r.status.ok()) {
        fail("removing completion finalizer: " + r.status.message, r.status.not_found());
        return;
      }
    }
    auto s = client_.remove(kPods, ctx.ns, p.name, "Background");
    if (!s.ok()) {
      if (!s.not_found()) recorder_.record(ctx.job_obj, sdk::kEventTypeWarning, "FailedDelete", "Error deleting: " + s.message);
      fail("unable to delete pods: " + s.message, s.not_found());
    } else {
      recorder_.record(ctx.job_obj, sdk::kEventTypeNormal, "SuccessfulDelete", "Deleted pod: " + p.name);
    }
    if (p.ready()) deleted_ready.fetch_add(1);
  });
  return {deleted_ready.load(), deleted.load()};
}

int32_t JobController::manage_job(SyncContext& ctx, std::string& error) {
  int32_t active = static_cast<int32_t>(ctx.active.size());
  if (ctx.suspended) {
    auto to_delete = active_pods_for_removal(ctx.indexed, ctx.completions.value_or(0), ctx.active, active);
    expectations_.expect_deletions(ctx.key, static_cast<int>(to_delete.size()));
    auto [ready, removed] = delete_pods(ctx, to_delete, true, error);
    ctx.terminating += removed;
    ctx.ready -= ready;
    return active - removed;
  }
  int32_t want = 0;
  if (!ctx.completions) {
    // Without completions any success ends the Job: after one, leave what runs running.
    want = ctx.succeeded > 0 ? active : ctx.parallelism;
  } else {
    want = std::clamp(*ctx.completions - ctx.succeeded, 0, ctx.parallelism);
  }
  const int32_t remove_at_least = std::max(active - want, 0);
  auto to_delete = active_pods_for_removal(ctx.indexed, ctx.completions.value_or(0), ctx.active, remove_at_least);
  if (to_delete.size() > static_cast<size_t>(kMaxPodCreateDeletePerSync)) to_delete.resize(kMaxPodCreateDeletePerSync);
  if (!to_delete.empty()) {
    // Deletions take precedence: creations wait for the next sync.
    expectations_.expect_deletions(ctx.key, static_cast<int>(to_delete.size()));
    auto [ready, removed] = delete_pods(ctx, to_delete, true, error);
    ctx.terminating += removed;
    ctx.ready -= ready;
    return active - removed;
  }
  const int32_t terminating = ctx.only_replace_failed ? ctx.terminating : 0;
  int32_t diff = want - terminating - active;
  if (diff <= 0) return active;
  int64_t remaining = 0;
  if (!ctx.per_index)
    remaining = backoff_remaining_ms(now(), ctx.new_backoff.failures_after_last_success, ctx.new_backoff.last_failure_ms);
  if (remaining > 0) {
    controller_->enqueue_after(ctx.key, std::chrono::milliseconds(std::max(remaining, options_.batch_period_ms)));
    return active;
  }
  diff = std::min(diff, kMaxPodCreateDeletePerSync);
  std::vector<int> indexes;
  if (ctx.indexed) {
    auto taken = ctx.succeeded_indexes;
    std::vector<int> busy;
    for (const auto* p : ctx.active)
      if (p->completion_index != kUnknownIndex) busy.push_back(p->completion_index);
    if (ctx.only_replace_failed)
      for (const auto& p : ctx.pods)
        if (is_terminating(p) && p.completion_index != kUnknownIndex) busy.push_back(p.completion_index);
    std::sort(busy.begin(), busy.end());
    busy.erase(std::unique(busy.begin(), busy.end()), busy.end());
    taken = taken.with_ordered_indexes(busy);
    if (ctx.failed_indexes) taken = taken.merge(*ctx.failed_indexes);
    indexes = first_pending_indexes(taken, diff, ctx.completions.value_or(0));
    if (ctx.per_index) {
      // Each index waits for its own back-off.
      std::vector<int> now_ready;
      std::optional<int64_t> min_remaining;
      for (int ix : indexes) {
        int64_t wait = 0;
        auto it = ctx.delayed_deletion.find(ix);
        if (it != ctx.delayed_deletion.end()) {
          const PodView& last = *it->second;
          wait = backoff_remaining_ms(now(), last.index_failure_count + last.index_ignored_failure_count + 1,
                                      finished_time_ms(last));
        }
        if (wait == 0) now_ready.push_back(ix);
        else if (!min_remaining || wait < *min_remaining) min_remaining = wait;
      }
      if (now_ready.empty() && min_remaining) {
        controller_->enqueue_after(ctx.key, std::chrono::milliseconds(std::max(*min_remaining, options_.batch_period_ms)));
        return active;
      }
      indexes = now_ready;
    }
    diff = static_cast<int32_t>(indexes.size());
  }
  expectations_.expect_creations(ctx.key, diff);
  active += diff;
  // Slow start: batches of 1, 2, 4... so a create that fails for all (quota) fails a few times.
  int32_t created_so_far = 0;
  for (int32_t batch = std::min(diff, 1); diff > 0; batch = std::min(2 * batch, diff)) {
    std::atomic<int32_t> failures{0};
    std::mutex err_mu;
    parallel_for(static_cast<size_t>(batch), 16, [&](size_t i) {
      const int index = ctx.indexed ? indexes[created_so_far + i] : kUnknownIndex;
      std::string e;
      if (!create_pod(ctx, index, e)) {
        // The informer will never see it: lower the expectation now.
        expectations_.creation_observed(ctx.key);
        failures.fetch_add(1);
        std::lock_guard lock(err_mu);
        error = e;
      }
    });
    active -= failures.load();
    created_so_far += batch;
    const int32_t skipped = diff - batch;
    if (failures.load() > 0 && skipped > 0) {
      active -= skipped;
      for (int32_t i = 0; i < skipped; ++i) expectations_.creation_observed(ctx.key);
      break;
    }
    diff -= batch;
  }
  return active;
}

// ---- status

bool JobController::write_status(SyncContext& ctx, std::string& error) {
  capnp::MallocMessageBuilder m;
  m.setRoot(ctx.job());
  auto st = m.getRoot<Job>().getStatus();
  auto conds = st.initConditions(static_cast<unsigned>(ctx.conditions.size()));
  for (unsigned i = 0; i < ctx.conditions.size(); ++i) {
    const auto& c = ctx.conditions[i];
    conds[i].setType(c.type);
    conds[i].setStatus(c.status);
    if (c.last_probe_ms) conds[i].setLastProbeTime(rfc3339(c.last_probe_ms));
    if (c.last_transition_ms) conds[i].setLastTransitionTime(rfc3339(c.last_transition_ms));
    if (!c.reason.empty()) conds[i].setReason(c.reason);
    if (!c.message.empty()) conds[i].setMessage(c.message);
  }
  if (ctx.conditions.empty()) st.disownConditions();
  if (ctx.start_ms) st.setStartTime(rfc3339(*ctx.start_ms));
  else st.disownStartTime();
  if (ctx.completion_ms) st.setCompletionTime(rfc3339(*ctx.completion_ms));
  else st.disownCompletionTime();
  st.setActive(ctx.status_active);
  st.setSucceeded(ctx.status_succeeded);
  st.setFailed(ctx.status_failed);
  if (ctx.status_terminating) st.getTerminating().setValue(*ctx.status_terminating);
  else st.getTerminating().setUnset();
  if (ctx.status_ready) st.getReady().setValue(*ctx.status_ready);
  else st.getReady().setUnset();
  if (!ctx.completed_indexes.empty()) st.setCompletedIndexes(ctx.completed_indexes);
  else st.disownCompletedIndexes();
  if (ctx.failed_indexes_str) st.getFailedIndexes().setValue(*ctx.failed_indexes_str);
  else st.getFailedIndexes().setUnset();
  auto uncounted = st.initUncountedTerminatedPods();
  if (!ctx.uncounted_succeeded.empty()) {
    auto l = uncounted.initSucceeded(static_cast<unsigned>(ctx.uncounted_succeeded.size()));
    for (unsigned i = 0; i < ctx.uncounted_succeeded.size(); ++i) l.set(i, ctx.uncounted_succeeded[i]);
  }
  if (!ctx.uncounted_failed.empty()) {
    auto l = uncounted.initFailed(static_cast<unsigned>(ctx.uncounted_failed.size()));
    for (unsigned i = 0; i < ctx.uncounted_failed.size(); ++i) l.set(i, ctx.uncounted_failed[i]);
  }
  auto r = client_.update(kJobs, ctx.ns, ctx.name, m, "status");
  if (!r.status.ok()) {
    error = r.status.conflict() ? "conflict" : r.status.message;
    return false;
  }
  ctx.job_obj = r.object;
  return true;
}

namespace {

// cleanUncountedPodsWithoutFinalizers: pods whose finalizer is gone move from the uncounted
// lists to the counters.
bool clean_uncounted(std::vector<std::string>& list, int32_t& counter, const std::set<std::string>& with_finalizer) {
  std::vector<std::string> keep;
  for (const auto& uid : list)
    if (with_finalizer.count(uid)) keep.push_back(uid);
  if (keep.size() == list.size()) return false;
  counter += static_cast<int32_t>(list.size() - keep.size());
  list = std::move(keep);
  return true;
}

bool is_success_criteria_met(const std::optional<JobCondition>& c) {
  return c && c->type == "SuccessCriteriaMet" && c->status == "True";
}

}  // namespace

std::vector<bool> JobController::remove_tracking_finalizers(const std::string& key, const std::vector<const PodView*>& pods,
                                                            std::string& error) {
  std::vector<std::string> uids;
  for (const auto* p : pods) uids.push_back(p->uid);
  finalizer_expectations_.expect_removed(key, uids);
  std::vector<char> done(pods.size(), 0);
  std::mutex err_mu;
  auto [ns, name] = sdk::split_key(key);
  parallel_for(pods.size(), 16, [&, ns = ns](size_t i) {
    const PodView& p = *pods[i];
    if (!p.has_finalizer) return;
    auto r = client_.patch(kPods, ns, p.name, "strategic",
                           R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["batch.kubernetes.io/job-tracking"]}})");
    if (!r.status.ok()) {
      // No update will show the finalizer gone: stop expecting it.
      finalizer_expectations_.observed(key, p.uid);
      if (!r.status.not_found()) {
        std::lock_guard lock(err_mu);
        error = "removing tracking finalizer: " + r.status.message;
        return;
      }
    }
    done[i] = 1;
  });
  return std::vector<bool>(done.begin(), done.end());
}

bool JobController::track_status_and_remove_finalizers(SyncContext& ctx, bool needs_flush, std::string& error) {
  std::vector<const PodView*> order;
  for (const auto& p : ctx.pods) order.push_back(&p);
  if (ctx.indexed)
    std::stable_sort(order.begin(), order.end(),
                     [](const PodView* a, const PodView* b) { return a->completion_index < b->completion_index; });
  std::set<std::string> with_finalizer;
  for (const auto* p : order)
    if (p->has_finalizer && !ctx.expected_rm.count(p->uid)) with_finalizer.insert(p->uid);
  if (clean_uncounted(ctx.uncounted_succeeded, ctx.status_succeeded, with_finalizer)) needs_flush = true;
  if (clean_uncounted(ctx.uncounted_failed, ctx.status_failed, with_finalizer)) needs_flush = true;

  std::vector<const PodView*> to_remove;
  std::vector<int> new_succeeded_indexes;
  bool reached_max = false;
  const auto* policy = ctx.failure_policy ? &*ctx.failure_policy : nullptr;
  const int completions = ctx.completions.value_or(0);
  for (const auto* p : order) {
    if (!p->has_finalizer || ctx.expected_rm.count(p->uid)) continue;  // counted in an earlier sync
    const bool failed = is_pod_failed(*p, ctx.only_replace_failed);
    // canRemoveFinalizer
    bool can_remove = ctx.job_deleting || ctx.finished || p->phase == "Succeeded";
    if (!can_remove && failed) {
      can_remove = true;
      if (ctx.per_index && p->completion_index != kUnknownIndex) {
        auto it = ctx.delayed_deletion.find(p->completion_index);
        if (it != ctx.delayed_deletion.end() && it->second->uid == p->uid) can_remove = false;  // awaits its replacement
      }
    }
    if (!can_remove) continue;
    to_remove.push_back(p);
    if (p->phase == "Succeeded" && !ctx.uncounted_failed_set.count(p->uid)) {
      if (ctx.indexed) {
        const int ix = p->completion_index;
        if (ix != kUnknownIndex && ix < completions && !ctx.prev_succeeded.has(ix)) {
          new_succeeded_indexes.push_back(ix);
          needs_flush = true;
        }
      } else if (!ctx.uncounted_succeeded_set.count(p->uid)) {
        needs_flush = true;
        ctx.uncounted_succeeded.push_back(p->uid);
      }
    } else if (failed || (ctx.finished && !is_success_criteria_met(ctx.finished))) {
      // When the Job is finished, every pod that did not succeed counts as failed.
      const int ix = p->completion_index;
      if (!ctx.uncounted_failed_set.count(p->uid) && (!ctx.indexed || (ix != kUnknownIndex && ix < completions))) {
        const bool counted = !policy || match_pod_failure_policy(policy, *p, ctx.ns).count_failed;
        if (counted) {
          needs_flush = true;
          ctx.uncounted_failed.push_back(p->uid);
        }
      }
    }
    if (new_succeeded_indexes.size() + ctx.uncounted_succeeded.size() + ctx.uncounted_failed.size() >= kMaxUncountedPods) {
      // Keep status small and leave room for other Jobs; the next sync continues.
      reached_max = true;
      break;
    }
  }
  if (ctx.indexed) {
    ctx.succeeded_indexes = ctx.succeeded_indexes.with_ordered_indexes(new_succeeded_indexes);
    const std::string s = ctx.succeeded_indexes.to_string();
    if (s != ctx.completed_indexes) needs_flush = true;
    ctx.status_succeeded = ctx.succeeded_indexes.total();
    ctx.completed_indexes = s;
    std::optional<std::string> failed_str;
    if (ctx.failed_indexes) failed_str = ctx.failed_indexes->to_string();
    if (failed_str != ctx.failed_indexes_str) {
      ctx.failed_indexes_str = failed_str;
      needs_flush = true;
    }
  }
  if (ctx.finished && ctx.finished->type == "FailureTarget") {
    // Record the interim condition before the finalizers go; Failed follows once they are gone.
    ctx.conditions.push_back(*ctx.finished);
    needs_flush = true;
    ctx.finished = new_condition("Failed", "True", ctx.finished->reason, ctx.finished->message, now());
  }
  if (is_success_criteria_met(ctx.finished)) {
    if (!condition_true(ctx.conditions, "SuccessCriteriaMet")) {
      ctx.conditions.push_back(*ctx.finished);
      needs_flush = true;
    }
    ctx.finished = new_condition("Complete", "True", ctx.finished->reason, ctx.finished->message, now());
  }

  // flushUncountedAndRemoveFinalizers
  if (needs_flush) {
    if (!write_status(ctx, error)) return false;
    backoff_.update(ctx.key, ctx.new_backoff);
    needs_flush = false;
  }
  std::string rm_error;
  if (!to_remove.empty()) {
    auto removed = remove_tracking_finalizers(ctx.key, to_remove, rm_error);
    for (size_t i = 0; i < to_remove.size(); ++i)
      if (removed[i]) with_finalizer.erase(to_remove[i]->uid);
  }
  if (clean_uncounted(ctx.uncounted_succeeded, ctx.status_succeeded, with_finalizer)) needs_flush = true;
  if (clean_uncounted(ctx.uncounted_failed, ctx.status_failed, with_finalizer)) needs_flush = true;
  if (!rm_error.empty()) {
    if (needs_flush) write_status(ctx, error);
    error = rm_error;
    return false;
  }

  // enactJobFinished: the terminal condition once nothing is uncounted or terminating.
  bool finished_now = false;
  if (!reached_max && ctx.finished && ctx.uncounted_succeeded.empty() && ctx.uncounted_failed.empty() &&
      ctx.terminating == 0) {
    ensure_condition(ctx.conditions, ctx.finished->type, ctx.finished->status, ctx.finished->reason,
                     ctx.finished->message, now());
    if (ctx.finished->type == "Complete") ctx.completion_ms = find_condition(ctx.conditions, "Complete")->last_transition_ms;
    finished_now = true;
    needs_flush = true;
  }
  if (needs_flush) {
    if (!write_status(ctx, error)) return false;
    if (finished_now) {
      if (ctx.finished->type == "Complete") {
        if (ctx.completions && ctx.status_succeeded > *ctx.completions)
          recorder_.record(ctx.job_obj, sdk::kEventTypeWarning, "TooManySucceededPods",
                           "Too many succeeded pods running after completion count reached");
        recorder_.record(ctx.job_obj, sdk::kEventTypeNormal, "Completed", "Job completed");
      } else {
        recorder_.record(ctx.job_obj, sdk::kEventTypeWarning, ctx.finished->reason, ctx.finished->message);
      }
    }
  }
  return true;
}

// ---- the sync

sdk::ReconcileResult JobController::sync(const std::string& key) {
  // Named so that the sync work can be told apart in /proc (tests/perf/job_bench.py).
  static thread_local const bool named = [] { return pthread_setname_np(pthread_self(), "job-sync") == 0; }();
  (void)named;
  auto [ns, name] = sdk::split_key(key);
  auto obj = jobs_.get(ns, name);
  if (!obj) {
    expectations_.forget(key);
    finalizer_expectations_.forget(key);
    backoff_.remove(key);
    return sdk::ReconcileResult::ok();
  }
  auto job = obj->as<Job>();
  auto spec = job.getSpec();
  // Jobs managed by another controller are skipped.
  if (spec.getManagedBy().isValue() && spec.getManagedBy().getValue() != kJobControllerName)
    return sdk::ReconcileResult::ok();
  if (job_finished(job)) {
    backoff_.remove(key);
    return sdk::ReconcileResult::ok();
  }
  if (spec.getCompletionMode().isValue() && spec.getCompletionMode().getValue() != "NonIndexed" &&
      spec.getCompletionMode().getValue() != "Indexed") {
    recorder_.record(obj, sdk::kEventTypeWarning, "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown");
    return sdk::ReconcileResult::ok();
  }

  SyncContext ctx;
  ctx.key = key;
  ctx.ns = ns;
  ctx.name = name;
  ctx.uid = obj->uid();
  ctx.job_obj = obj;
  ctx.indexed = spec.getCompletionMode().isValue() && spec.getCompletionMode().getValue() == "Indexed";
  if (spec.getCompletions().isValue()) ctx.completions = spec.getCompletions().getValue();
  ctx.parallelism = spec.getParallelism().isValue() ? spec.getParallelism().getValue() : 1;
  ctx.backoff_limit = spec.getBackoffLimit().isValue() ? spec.getBackoffLimit().getValue() : 6;
  if (spec.getBackoffLimitPerIndex().isValue()) ctx.per_index = spec.getBackoffLimitPerIndex().getValue();
  if (spec.getMaxFailedIndexes().isValue()) ctx.max_failed_indexes = spec.getMaxFailedIndexes().getValue();
  ctx.suspended = spec.getSuspend().isValue() && spec.getSuspend().getValue();
  if (spec.getActiveDeadlineSeconds().isValue()) ctx.active_deadline = spec.getActiveDeadlineSeconds().getValue();
  ctx.restart_policy = spec.getTemplate().getSpec().getRestartPolicy();
  ctx.job_deleting = has_text(job.getMetadata().getDeletionTimestamp());
  if (spec.hasPodFailurePolicy()) {
    std::vector<PodFailurePolicyRule> rules;
    for (auto r : spec.getPodFailurePolicy().getRules()) {
      PodFailurePolicyRule rule;
      rule.action = r.getAction();
      if (r.hasOnExitCodes()) {
        OnExitCodes e;
        if (r.getOnExitCodes().getContainerName().isValue()) e.container_name = r.getOnExitCodes().getContainerName().getValue();
        e.op = r.getOnExitCodes().getOperator();
        for (auto v : r.getOnExitCodes().getValues()) e.values.push_back(v);
        rule.on_exit_codes = e;
      }
      for (auto p : r.getOnPodConditions()) rule.on_pod_conditions.push_back({p.getType(), p.getStatus()});
      rules.push_back(std::move(rule));
    }
    ctx.failure_policy = std::move(rules);
  }
  if (spec.hasSuccessPolicy()) {
    std::vector<SuccessPolicyRule> rules;
    for (auto r : spec.getSuccessPolicy().getRules()) {
      SuccessPolicyRule rule;
      if (r.getSucceededIndexes().isValue()) rule.succeeded_indexes = r.getSucceededIndexes().getValue();
      if (r.getSucceededCount().isValue()) rule.succeeded_count = r.getSucceededCount().getValue();
      rules.push_back(rule);
    }
    ctx.success_policy = std::move(rules);
  }
  // onlyReplaceFailedPods: podReplacementPolicy Failed, or any pod failure policy.
  ctx.only_replace_failed = ctx.failure_policy.has_value() ||
                            (spec.getPodReplacementPolicy().isValue() && spec.getPodReplacementPolicy().getValue() == "Failed");

  // The status as stored.
  auto st = job.getStatus();
  for (auto c : st.getConditions())
    ctx.conditions.push_back({c.getType(), c.getStatus(), ms_of(c.getLastProbeTime()), ms_of(c.getLastTransitionTime()),
                              c.getReason(), c.getMessage()});
  if (has_text(st.getStartTime())) ctx.start_ms = ms_of(st.getStartTime());
  if (has_text(st.getCompletionTime())) ctx.completion_ms = ms_of(st.getCompletionTime());
  ctx.status_active = st.getActive();
  ctx.status_succeeded = st.getSucceeded();
  ctx.status_failed = st.getFailed();
  if (st.getTerminating().isValue()) ctx.status_terminating = st.getTerminating().getValue();
  if (st.getReady().isValue()) ctx.status_ready = st.getReady().getValue();
  ctx.completed_indexes = st.getCompletedIndexes();
  if (st.getFailedIndexes().isValue()) ctx.failed_indexes_str = std::string(st.getFailedIndexes().getValue().cStr());
  for (auto u : st.getUncountedTerminatedPods().getSucceeded()) ctx.uncounted_succeeded.emplace_back(u.cStr());
  for (auto u : st.getUncountedTerminatedPods().getFailed()) ctx.uncounted_failed.emplace_back(u.cStr());
  ctx.uncounted_succeeded_set.insert(ctx.uncounted_succeeded.begin(), ctx.uncounted_succeeded.end());
  ctx.uncounted_failed_set.insert(ctx.uncounted_failed.begin(), ctx.uncounted_failed.end());

  // Expectations before reading pods: a pod that appears after this check waits for the next sync.
  ctx.satisfied = expectations_.satisfied(key);
  bool claim_conflict = false;
  ctx.pod_objs = claim_pods(obj, claim_conflict);
  if (claim_conflict) return sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}};
  ctx.pods.reserve(ctx.pod_objs.size());
  for (const auto& p : ctx.pod_objs) {
    ctx.pods.push_back(pod_view(p));  // adopted pods carry the finalizer from the adoption write
  }
  for (const auto& p : ctx.pods) {
    if (is_active(p)) {
      ctx.active.push_back(&p);
      if (p.ready()) ++ctx.ready;
    }
    if (is_terminating(p)) ++ctx.terminating;
  }
  ctx.expected_rm = finalizer_expectations_.expected(key);
  int32_t active = static_cast<int32_t>(ctx.active.size());

  // getNewFinishedPods: finished pods still carrying the finalizer, not yet in the uncounted lists.
  std::vector<const PodView*> new_succeeded, new_failed;
  const int completions = ctx.completions.value_or(0);
  for (const auto& p : ctx.pods) {
    if (!p.has_finalizer || ctx.expected_rm.count(p.uid)) continue;
    if (ctx.indexed && (p.completion_index == kUnknownIndex || p.completion_index >= completions)) continue;
    if (p.phase == "Succeeded" && !ctx.uncounted_succeeded_set.count(p.uid)) new_succeeded.push_back(&p);
    if (is_pod_failed(p, ctx.only_replace_failed) && !ctx.uncounted_failed_set.count(p.uid)) new_failed.push_back(&p);
  }
  const auto* policy = ctx.failure_policy ? &*ctx.failure_policy : nullptr;
  int32_t new_failed_counted = 0;
  for (const auto* p : new_failed)
    if (!policy || match_pod_failure_policy(policy, *p, ns).count_failed) ++new_failed_counted;
  ctx.succeeded = ctx.status_succeeded + static_cast<int32_t>(new_succeeded.size()) +
                  static_cast<int32_t>(ctx.uncounted_succeeded.size());
  ctx.failed = ctx.status_failed + new_failed_counted + static_cast<int32_t>(ctx.uncounted_failed.size());

  // First start; a Job created suspended starts when resumed.
  if (!ctx.start_ms && !ctx.suspended) ctx.start_ms = now();
  ctx.new_backoff = next_backoff_record(backoff_.get(key), new_succeeded, new_failed);

  sdk::ReconcileResult result = sdk::ReconcileResult::ok();
  // The terminal conditions. SuccessCriteriaMet, once recorded, decides; then FailureTarget.
  if (auto* c = find_condition(ctx.conditions, "SuccessCriteriaMet"); c && c->status == "True") ctx.finished = *c;
  if (!ctx.finished) {
    if (auto* c = find_condition(ctx.conditions, "FailureTarget"); c && c->status == "True") {
      ctx.finished = new_condition("Failed", "True", c->reason, c->message, now());
    } else if (policy) {
      for (const auto& p : ctx.pods) {
        if (!is_pod_failed(p, ctx.only_replace_failed)) continue;
        auto m = match_pod_failure_policy(policy, p, ns);
        if (m.fail_job_message) {
          ctx.finished = new_condition("FailureTarget", "True", "PodFailurePolicy", *m.fail_job_message, now());
          break;
        }
      }
    }
  }
  if (!ctx.finished) {
    std::vector<const PodView*> all;
    for (const auto& p : ctx.pods) all.push_back(&p);
    const bool past_deadline = ctx.active_deadline && ctx.start_ms && !ctx.suspended &&
                               now() - *ctx.start_ms >= *ctx.active_deadline * 1000;
    if (ctx.failed > ctx.backoff_limit || past_backoff_limit_on_failure(all, ctx.restart_policy, ctx.backoff_limit)) {
      ctx.finished = new_condition("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now());
    } else if (past_deadline) {
      ctx.finished = new_condition("FailureTarget", "True", "DeadlineExceeded", "Job was active longer than specified deadline", now());
    } else if (ctx.active_deadline && !ctx.suspended && ctx.start_ms) {
      const int64_t remaining = *ctx.start_ms + *ctx.active_deadline * 1000 - now();
      controller_->enqueue_after(key, std::chrono::milliseconds(std::max<int64_t>(remaining, 0)));
    }
  }
  if (ctx.indexed) {
    ctx.prev_succeeded = OrderedIntervals::parse(ctx.completed_indexes, completions);
    std::vector<int> fresh;
    for (const auto& p : ctx.pods)
      if (p.phase == "Succeeded" && p.completion_index != kUnknownIndex && p.completion_index < completions && p.has_finalizer)
        fresh.push_back(p.completion_index);
    std::sort(fresh.begin(), fresh.end());
    fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
    ctx.succeeded_indexes = ctx.prev_succeeded.with_ordered_indexes(fresh);
    ctx.succeeded = ctx.succeeded_indexes.total();
    if (ctx.per_index) {
      // calculateFailedIndexes: indexes whose failures reached backoffLimitPerIndex (or FailIndex).
      OrderedIntervals prev;
      if (ctx.failed_indexes_str) prev = OrderedIntervals::parse(*ctx.failed_indexes_str, completions);
      std::vector<int> newly;
      for (const auto& p : ctx.pods) {
        const int ix = p.completion_index;
        if (ix == kUnknownIndex || ix >= completions || !p.has_finalizer) continue;
        if (!is_pod_failed(p, ctx.only_replace_failed)) continue;
        bool index_failed;
        if (policy) {
          auto m = match_pod_failure_policy(policy, p, ns);
          index_failed = (m.action && *m.action == "FailIndex") || (m.count_failed && p.index_failure_count >= *ctx.per_index);
        } else {
          index_failed = p.index_failure_count >= *ctx.per_index;
        }
        if (index_failed) newly.push_back(ix);
      }
      std::sort(newly.begin(), newly.end());
      newly.erase(std::unique(newly.begin(), newly.end()), newly.end());
      ctx.failed_indexes = prev.with_ordered_indexes(newly);
      if (!ctx.finished) {
        if (ctx.max_failed_indexes && ctx.failed_indexes->total() > *ctx.max_failed_indexes)
          ctx.finished = new_condition("FailureTarget", "True", "MaxFailedIndexesExceeded",
                                       "Job has exceeded the specified maximal number of failed indexes", now());
        else if (ctx.failed_indexes->total() > 0 && ctx.failed_indexes->total() + ctx.succeeded_indexes.total() >= completions)
          ctx.finished = new_condition("FailureTarget", "True", "FailedIndexes", "Job has failed indexes", now());
      }
      // getPodsWithDelayedDeletionPerIndex: per index, the last failed pod, kept until its
      // replacement carries its failure count.
      std::set<int> active_indexes;
      for (const auto* p : ctx.active)
        if (p->completion_index != kUnknownIndex) active_indexes.insert(p->completion_index);
      for (const auto& p : ctx.pods) {
        const int ix = p.completion_index;
        if (!p.has_finalizer || ctx.expected_rm.count(p.uid)) continue;
        if (ix == kUnknownIndex || ix >= completions || !is_pod_failed(p, ctx.only_replace_failed)) continue;
        if (ctx.succeeded_indexes.has(ix) || ctx.failed_indexes->has(ix) || active_indexes.count(ix)) continue;
        auto it = ctx.delayed_deletion.find(ix);
        if (it == ctx.delayed_deletion.end()) {
          ctx.delayed_deletion[ix] = &p;
        } else {
          const PodView& last = *it->second;
          if (last.index_failure_count + last.index_ignored_failure_count <= p.index_failure_count + p.index_ignored_failure_count &&
              !(finished_time_ms(p) < finished_time_ms(last)))
            it->second = &p;
        }
      }
    }
    if (!ctx.finished && ctx.success_policy) {
      if (auto msg = match_success_policy(*ctx.success_policy, completions, ctx.succeeded_indexes))
        ctx.finished = new_condition("SuccessCriteriaMet", "True", "SuccessPolicy", *msg, now());
    }
  }

  std::string manage_error;
  bool suspend_changed = false;
  if (ctx.finished) {
    // Terminate what still runs (keeping finalizers: the pods are counted as they go).
    auto [ready, deleted] = delete_pods(ctx, ctx.active, false, manage_error);
    if (deleted != active || !ctx.satisfied) ctx.finished.reset();  // pods may still be unseen
    active -= deleted;
    ctx.terminating += deleted;
    ctx.ready -= ready;
  } else {
    bool managed = false;
    if (ctx.satisfied && !ctx.job_deleting) {
      active = manage_job(ctx, manage_error);
      managed = true;
    }
    const bool complete = !ctx.completions ? (ctx.succeeded > 0 && active == 0)
                                           : (ctx.succeeded >= *ctx.completions && active == 0);
    if (complete) {
      ctx.finished = new_condition("SuccessCriteriaMet", "True", "CompletionsReached",
                                   "Reached expected number of succeeded pods", now());
    } else if (managed) {
      if (ctx.suspended) {
        if (ensure_condition(ctx.conditions, "Suspended", "True", "JobSuspended", "Job suspended", now())) {
          suspend_changed = true;
          recorder_.record(ctx.job_obj, sdk::kEventTypeNormal, "Suspended", "Job suspended");
          // The activeDeadlineSeconds timer restarts when the Job is resumed.
          ctx.start_ms.reset();
        }
      } else if (ensure_condition(ctx.conditions, "Suspended", "False", "JobResumed", "Job resumed", now())) {
        suspend_changed = true;
        recorder_.record(ctx.job_obj, sdk::kEventTypeNormal, "Resumed", "Job resumed");
        ctx.start_ms = now();
      }
    }
  }

  bool needs_update = suspend_changed || active != ctx.status_active || ctx.status_ready != ctx.ready ||
                      ctx.status_terminating != ctx.terminating;
  // A stored startTime that this sync set (first start) must be written.
  if (!has_text(job.getStatus().getStartTime()) != !ctx.start_ms) needs_update = true;
  ctx.status_active = active;
  ctx.status_ready = ctx.ready;
  ctx.status_terminating = ctx.terminating;
  if (!st.hasUncountedTerminatedPods()) needs_update = true;
  std::string error;
  if (!track_status_and_remove_finalizers(ctx, needs_update, error)) {
    if (error == "conflict") return sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}};
    return sdk::ReconcileResult::fail("tracking status of job " + key + ": " + error);
  }
  if (!manage_error.empty()) return sdk::ReconcileResult::fail("syncing job " + key + ": " + manage_error);
  return result;
}

}  // namespace capstan::job
