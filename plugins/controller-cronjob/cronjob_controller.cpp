#include "cronjob_controller.hpp"

#include <capnp/message.h>

#include <algorithm>
#include <set>

#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::cronjob {

namespace {

using batch::v1::CronJob;
using batch::v1::Job;
using machinery::kJobs;
using machinery::kCronJobs;

int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int64_t> ms_of(capnp::Text::Reader t) {
  if (t.size() == 0) return std::nullopt;
  return machinery::parse_rfc3339_seconds(t.cStr()).value_or(0) * 1000;
}

std::optional<meta::OwnerReference::Reader> controller_ref(meta::ObjectMeta::Reader md) {
  for (auto o : md.getOwnerReferences())
    if (o.getController().isValue() && o.getController().getValue()) return o;
  return std::nullopt;
}

// The finished condition of a Job: "Complete", "Failed" or "".
std::string finished_type(Job::Reader job) {
  for (auto c : job.getStatus().getConditions())
    if ((c.getType() == "Complete" || c.getType() == "Failed") && c.getStatus() == "True") return c.getType();
  return "";
}

}  // namespace

struct CronJobController::Status {
  struct Ref {
    std::string kind, ns, name, uid, api_version, resource_version;
  };
  std::vector<Ref> active;
  std::optional<int64_t> last_schedule_ms, last_successful_ms;

  bool in_active(const std::string& uid) const {
    return std::any_of(active.begin(), active.end(), [&](const Ref& r) { return r.uid == uid; });
  }
  bool in_active_by_name(const std::string& ns, const std::string& name) const {
    return std::any_of(active.begin(), active.end(), [&](const Ref& r) { return r.name == name && r.ns == ns; });
  }
  void remove_active(const std::string& uid) {
    active.erase(std::remove_if(active.begin(), active.end(), [&](const Ref& r) { return r.uid == uid; }), active.end());
  }
  static Status of(CronJob::Reader cj) {
    Status s;
    for (auto r : cj.getStatus().getActive())
      s.active.push_back({r.getKind(), r.getNamespace(), r.getName(), r.getUid(), r.getApiVersion(), r.getResourceVersion()});
    s.last_schedule_ms = ms_of(cj.getStatus().getLastScheduleTime());
    s.last_successful_ms = ms_of(cj.getStatus().getLastSuccessfulTime());
    return s;
  }
};

CronJobController::CronJobController(const sdk::Host& host, CronJobControllerOptions options)
    : host_(host),
      options_(std::move(options)),
      client_(host, kComponent),
      recorder_(host, kComponent),
      cronjobs_(client_, kCronJobs),
      jobs_(client_, kJobs) {
  if (!options_.now_ms) options_.now_ms = wall_now_ms;
  recorder_.set_synchronous(options_.synchronous_events);
  controller_ = std::make_unique<sdk::Controller>("cronjob", host_, [this](const std::string& k) { return sync(k); },
                                                  options_.workers);
  auto none = [](const sdk::ObjectPtr&) { return std::optional<std::string>{}; };
  controller_->watch_owned(cronjobs_, none);
  controller_->watch_owned(jobs_, none);
  cronjobs_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) { on_cronjob(obj, kind); });
  jobs_.add_handler([this](const sdk::ObjectPtr& obj, sdk::EventKind kind) { on_job(obj, kind); });
}

CronJobController::~CronJobController() { stop(); }

void CronJobController::start() {
  cronjobs_.start();
  jobs_.start();
  controller_->start();
}

void CronJobController::stop() {
  controller_->stop();
  jobs_.stop();
  cronjobs_.stop();
  recorder_.shutdown();
}

std::optional<machinery::CronSchedule> CronJobController::schedule_of(CronJob::Reader cj, std::string* error,
                                                                const sdk::ObjectPtr* record_on) {
  const std::string schedule = cj.getSpec().getSchedule();
  std::optional<std::string> tz;
  bool zone_loads = false;
  if (cj.getSpec().getTimeZone().isValue()) {
    tz = cj.getSpec().getTimeZone().getValue();
    std::string ignored;
    zone_loads = zones_.load(*tz, &ignored) != nullptr;
  }
  if (record_on && schedule.find("TZ") != std::string::npos)
    recorder_.record(*record_on, sdk::kEventTypeWarning, "UnsupportedSchedule",
                     "CRON_TZ or TZ used in schedule \"" + schedule +
                         "\" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details");
  return machinery::CronSchedule::parse(format_schedule(schedule, tz, zone_loads), zones_, error);
}

sdk::ObjectPtr CronJobController::resolve_owner(const sdk::ObjectPtr& job) const {
  auto ref = controller_ref(job->metadata());
  if (!ref || ref->getKind() != "CronJob") return nullptr;
  auto cj = cronjobs_.get(job->ns(), ref->getName());
  if (!cj || cj->uid() != std::string(ref->getUid().cStr())) return nullptr;
  return cj;
}

void CronJobController::on_cronjob(const sdk::ObjectPtr& obj, sdk::EventKind kind) {
  const std::string key = obj->key();
  auto cj = obj->as<CronJob>();
  const std::string schedule = std::string(cj.getSpec().getSchedule().cStr()) + "\n" +
                               (cj.getSpec().getTimeZone().isValue() ? cj.getSpec().getTimeZone().getValue().cStr() : "-");
  std::string previous;
  {
    std::lock_guard lock(seen_mu_);
    if (kind == sdk::EventKind::kDeleted) {
      schedules_.erase(key);
    } else {
      previous = schedules_[key];
      schedules_[key] = schedule;
    }
  }
  if (kind != sdk::EventKind::kModified || previous.empty() || previous == schedule) {
    controller_->enqueue(key);
    return;
  }
  // The schedule changed: requeue for its next time (the sync loop handles a sooner one).
  std::string error;
  auto sched = schedule_of(cj, &error, nullptr);
  if (!sched) {
    recorder_.record(obj, sdk::kEventTypeWarning, "UnParseableCronJobSchedule",
                     "unparseable schedule for cronjob: " + std::string(cj.getSpec().getSchedule().cStr()));
    return;
  }
  ScheduleInput in;
  in.created_ms = ms_of(cj.getMetadata().getCreationTimestamp()).value_or(0);
  in.last_schedule_ms = ms_of(cj.getStatus().getLastScheduleTime());
  controller_->enqueue_after(key, std::chrono::milliseconds(std::max<int64_t>(next_schedule_delay_ms(in, now(), *sched), 0)));
}

void CronJobController::on_job(const sdk::ObjectPtr& obj, sdk::EventKind kind) {
  auto owner = resolve_owner(obj);
  std::string previous;
  {
    std::lock_guard lock(seen_mu_);
    if (kind == sdk::EventKind::kDeleted) {
      auto it = job_owner_.find(obj->uid());
      if (it != job_owner_.end()) previous = it->second;
      job_owner_.erase(obj->uid());
    } else {
      auto& o = job_owner_[obj->uid()];
      previous = o;
      o = owner ? owner->key() : "";
    }
  }
  // A Job whose owner changed: the former owner re-counts.
  if (!previous.empty() && (!owner || previous != owner->key())) controller_->enqueue(previous);
  if (owner) controller_->enqueue(owner->key());
}

bool CronJobController::delete_job(const sdk::ObjectPtr& cj, Status& st, const std::string& ns, const std::string& name,
                                   const std::string& uid) {
  auto s = client_.remove(kJobs, ns, name, "Background");
  if (!s.ok() && !s.not_found()) {
    recorder_.record(cj, sdk::kEventTypeWarning, "FailedDelete", "Deleted job: " + s.message);
    host_.warn("cronjob " + cj->key() + ": deleting job " + name + ": " + s.message);
    return false;
  }
  st.remove_active(uid);
  recorder_.record(cj, sdk::kEventTypeNormal, "SuccessfulDelete", "Deleted job " + name);
  return true;
}

bool CronJobController::cleanup_finished_jobs(const sdk::ObjectPtr& cj_obj, Status& st,
                                              const std::vector<sdk::ObjectPtr>& jobs) {
  auto spec = cj_obj->as<CronJob>().getSpec();
  if (spec.getSuccessfulJobsHistoryLimit().isUnset() && spec.getFailedJobsHistoryLimit().isUnset()) return false;
  std::vector<FinishedJob> successful, failed;
  for (const auto& j : jobs) {
    auto job = j->as<Job>();
    const std::string type = finished_type(job);
    FinishedJob f{j->name(), j->uid(), ms_of(job.getStatus().getStartTime())};
    if (type == "Complete") successful.push_back(f);
    else if (type == "Failed") failed.push_back(f);
  }
  bool update = false;
  auto prune = [&](std::vector<FinishedJob> list, int32_t limit) {
    for (const auto& f : oldest_beyond_limit(std::move(list), limit))
      if (delete_job(cj_obj, st, cj_obj->ns(), f.name, f.uid)) update = true;
  };
  if (spec.getSuccessfulJobsHistoryLimit().isValue()) prune(successful, spec.getSuccessfulJobsHistoryLimit().getValue());
  if (spec.getFailedJobsHistoryLimit().isValue()) prune(failed, spec.getFailedJobsHistoryLimit().getValue());
  return update;
}

std::optional<int64_t> CronJobController::sync_cronjob(sdk::ObjectPtr& cj_obj, Status& st,
                                                       const std::vector<sdk::ObjectPtr>& jobs, bool& update,
                                                       std::string& error) {
  const int64_t now_ms = now();
  std::set<std::string> children;
  for (const auto& j : jobs) {
    children.insert(j->uid());
    auto job = j->as<Job>();
    const bool found = st.in_active(j->uid());
    const std::string type = finished_type(job);
    if (!found && type.empty()) {
      // Perhaps our status write after creating it was lost: check the stored CronJob.
      auto fresh = client_.get(kCronJobs, cj_obj->ns(), cj_obj->name());
      if (!fresh.status.ok()) {
        error = fresh.status.message;
        return std::nullopt;
      }
      Status fresh_status = Status::of(fresh.object->as<CronJob>());
      if (fresh_status.in_active(j->uid())) {
        cj_obj = fresh.object;
        st = fresh_status;
        continue;
      }
      recorder_.record(cj_obj, sdk::kEventTypeWarning, "UnexpectedJob",
                       "Saw a job that the controller did not create or forgot: " + j->name());
    } else if (found && !type.empty()) {
      st.remove_active(j->uid());
      recorder_.record(cj_obj, sdk::kEventTypeNormal, "SawCompletedJob", "Saw completed job: " + j->name() + ", status: " + type);
      update = true;
    } else if (type == "Complete") {
      auto completed = ms_of(job.getStatus().getCompletionTime());
      if (!st.last_successful_ms) {
        st.last_successful_ms = completed;
        update = true;
      }
      if (completed && (!st.last_successful_ms || *completed > *st.last_successful_ms)) {
        st.last_successful_ms = completed;
        update = true;
      }
    }
  }
  // Active Jobs that are gone (read uncached: the informer may just be slow).
  for (const auto& ref : std::vector<Status::Ref>(st.active)) {
    if (children.count(ref.uid)) continue;
    auto got = client_.get(kJobs, ref.ns, ref.name);
    if (got.status.not_found()) {
      recorder_.record(cj_obj, sdk::kEventTypeNormal, "MissingJob", "Active job went missing: " + ref.name);
      st.remove_active(ref.uid);
      update = true;
    } else if (!got.status.ok()) {
      error = got.status.message;
      return std::nullopt;
    }
  }
  auto cj = cj_obj->as<CronJob>();
  auto spec = cj.getSpec();
  if (cj.getMetadata().getDeletionTimestamp().size() > 0) return std::nullopt;
  machinery::TimeZonePtr zone = machinery::TimeZone::utc();
  if (spec.getTimeZone().isValue()) {
    std::string zone_error;
    zone = zones_.load(spec.getTimeZone().getValue().cStr(), &zone_error);
    if (!zone) {
      recorder_.record(cj_obj, sdk::kEventTypeWarning, "UnknownTimeZone",
                       "invalid timeZone: \"" + std::string(spec.getTimeZone().getValue().cStr()) + "\": " + zone_error);
      return std::nullopt;
    }
  }
  if (spec.getSuspend().isValue() && spec.getSuspend().getValue()) return std::nullopt;
  std::string parse_error;
  auto sched = schedule_of(cj, &parse_error, &cj_obj);
  if (!sched) {
    recorder_.record(cj_obj, sdk::kEventTypeWarning, "UnparseableSchedule",
                     "unparseable schedule: \"" + std::string(spec.getSchedule().cStr()) + "\" : " + parse_error);
    return std::nullopt;
  }
  ScheduleInput in;
  in.created_ms = ms_of(cj.getMetadata().getCreationTimestamp()).value_or(0);
  in.last_schedule_ms = st.last_schedule_ms;
  if (spec.getStartingDeadlineSeconds().isValue()) in.starting_deadline_s = spec.getStartingDeadlineSeconds().getValue();
  bool many_missed = false;
  std::string schedule_error;
  auto scheduled = next_schedule_time(in, now_ms, *sched, many_missed, schedule_error);
  if (many_missed)
    recorder_.record(cj_obj, sdk::kEventTypeWarning, "TooManyMissedTimes",
                     "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
  if (!schedule_error.empty()) {
    recorder_.record(cj_obj, sdk::kEventTypeWarning, "InvalidSchedule",
                     "invalid schedule: " + std::string(spec.getSchedule().cStr()) + " : " + schedule_error);
    return std::nullopt;
  }
  auto next = [&] {
    ScheduleInput later = in;
    later.last_schedule_ms = st.last_schedule_ms;
    return next_schedule_delay_ms(later, now_ms, *sched);
  };
  if (!scheduled) return next();  // nothing due (e.g. the queue was filled after a restart)
  if (in.starting_deadline_s && *scheduled + *in.starting_deadline_s * 1000 < now_ms) {
    recorder_.record(cj_obj, sdk::kEventTypeWarning, "MissSchedule", "Missed scheduled time to start a job: " + rfc1123z(*scheduled));
    return next();
  }
  const std::string name = job_name(cj_obj->name(), *scheduled);
  if (st.in_active_by_name(cj_obj->ns(), name) || (st.last_schedule_ms && *st.last_schedule_ms == *scheduled)) return next();
  const std::string policy = spec.getConcurrencyPolicy();
  if (policy == "Forbid" && !st.active.empty()) {
    // There is some risk of not seeing an active Job here (status not yet written); far enough
    // apart invocations make that unlikely, as upstream notes.
    recorder_.record(cj_obj, sdk::kEventTypeNormal, "JobAlreadyActive",
                     "Not starting job because prior execution is running and concurrency policy is Forbid");
    return next();
  }
  if (policy == "Replace") {
    for (const auto& ref : std::vector<Status::Ref>(st.active)) {
      auto got = client_.get(kJobs, ref.ns, ref.name);
      if (!got.status.ok()) {
        recorder_.record(cj_obj, sdk::kEventTypeWarning, "FailedGet", "Get job: " + got.status.message);
        error = got.status.message;
        return std::nullopt;
      }
      if (!delete_job(cj_obj, st, ref.ns, ref.name, got.object->uid())) {
        error = "could not replace job " + ref.ns + "/" + ref.name;
        return std::nullopt;
      }
      update = true;
    }
  }

  // getJobFromTemplate2
  capnp::MallocMessageBuilder m;
  auto job = m.initRoot<Job>();
  job.setApiVersion("batch/v1");
  job.setKind("Job");
  auto md = job.initMetadata();
  md.setName(name);
  md.setNamespace(cj_obj->ns());
  auto tmd = spec.getJobTemplate().getMetadata();
  if (tmd.getLabels().size()) md.setLabels(tmd.getLabels());
  std::vector<std::pair<std::string, std::string>> annotations;
  for (auto e : tmd.getAnnotations()) annotations.emplace_back(e.getKey(), e.getValue());
  annotations.emplace_back(kScheduledTimestampAnnotation, machinery::format_rfc3339_in(*scheduled / 1000, *zone));
  auto ann = md.initAnnotations(static_cast<unsigned>(annotations.size()));
  for (unsigned i = 0; i < annotations.size(); ++i) {
    ann[i].setKey(annotations[i].first);
    ann[i].setValue(annotations[i].second);
  }
  auto refs = md.initOwnerReferences(1);
  refs[0].setApiVersion("batch/v1");
  refs[0].setKind("CronJob");
  refs[0].setName(cj_obj->name());
  refs[0].setUid(cj_obj->uid());
  refs[0].getController().setValue(true);
  refs[0].getBlockOwnerDeletion().setValue(true);
  job.setSpec(spec.getJobTemplate().getSpec());
  auto created = client_.create(kJobs, cj_obj->ns(), m);
  sdk::ObjectPtr job_obj;
  if (created.status.already_exists()) {
    // Created earlier, but our status write was lost: adopt it into the active list if ours.
    auto got = client_.get(kJobs, cj_obj->ns(), name);
    if (!got.status.ok()) {
      error = got.status.message;
      return std::nullopt;
    }
    auto ref = controller_ref(got.object->metadata());
    if (!ref || std::string(ref->getUid().cStr()) != cj_obj->uid()) return std::nullopt;
    if (st.in_active(got.object->uid())) return std::nullopt;
    job_obj = got.object;
  } else if (!created.status.ok()) {
    if (created.status.message.find("because it is being terminated") == std::string::npos)
      recorder_.record(cj_obj, sdk::kEventTypeWarning, "FailedCreate", "Error creating job: " + created.status.message);
    error = created.status.message;
    return std::nullopt;
  } else {
    job_obj = created.object;
    recorder_.record(cj_obj, sdk::kEventTypeNormal, "SuccessfulCreate", "Created job " + job_obj->name());
  }
  st.active.push_back({"Job", job_obj->ns(), job_obj->name(), job_obj->uid(), "batch/v1",
                       std::string(job_obj->metadata().getResourceVersion().cStr())});
  st.last_schedule_ms = *scheduled;
  update = true;
  return next();
}

sdk::ReconcileResult CronJobController::sync(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto cj_obj = cronjobs_.get(ns, name);
  if (!cj_obj) return sdk::ReconcileResult::ok();
  // Jobs controlled by a CronJob of this name (upstream matches the name only).
  std::vector<sdk::ObjectPtr> jobs;
  for (const auto& j : jobs_.list(ns)) {
    auto ref = controller_ref(j->metadata());
    if (ref && std::string(ref->getName().cStr()) == name) jobs.push_back(j);
  }
  Status st = Status::of(cj_obj->as<CronJob>());
  bool update = cleanup_finished_jobs(cj_obj, st, jobs);
  std::string error;
  bool sync_update = false;
  auto requeue = sync_cronjob(cj_obj, st, jobs, sync_update, error);
  if (update || sync_update) {
    capnp::MallocMessageBuilder m;
    m.setRoot(cj_obj->as<CronJob>());
    auto out = m.getRoot<CronJob>().getStatus();
    if (st.active.empty()) {
      out.disownActive();
    } else {
      auto list = out.initActive(static_cast<unsigned>(st.active.size()));
      for (unsigned i = 0; i < st.active.size(); ++i) {
        const auto& r = st.active[i];
        list[i].setKind(r.kind);
        list[i].setNamespace(r.ns);
        list[i].setName(r.name);
        list[i].setUid(r.uid);
        list[i].setApiVersion(r.api_version);
        if (!r.resource_version.empty()) list[i].setResourceVersion(r.resource_version);
      }
    }
    if (st.last_schedule_ms) out.setLastScheduleTime(machinery::format_rfc3339(*st.last_schedule_ms / 1000));
    else out.disownLastScheduleTime();
    if (st.last_successful_ms) out.setLastSuccessfulTime(machinery::format_rfc3339(*st.last_successful_ms / 1000));
    else out.disownLastSuccessfulTime();
    auto r = client_.update(kCronJobs, ns, name, m, "status");
    if (r.status.not_found()) return sdk::ReconcileResult::ok();
    if (!r.status.ok())
      return sdk::ReconcileResult::fail("updating status of cronjob " + key + ": " + r.status.message);
  }
  if (requeue) return sdk::ReconcileResult::after(std::chrono::milliseconds(std::max<int64_t>(*requeue, 1)));
  if (!error.empty()) return sdk::ReconcileResult::fail("syncing cronjob " + key + ": " + error);
  return sdk::ReconcileResult::ok();
}

}  // namespace capstan::cronjob
