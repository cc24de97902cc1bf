#pragma once
// The CronJob controller, as kube-controller-manager 1.33's (pkg/controller/cronjob,
// cronjob_controllerv2.go): creates a Job `<cronjob>-<minutes since the epoch>` for the most
// recent unmet schedule time (in spec.timeZone, or UTC), honouring startingDeadlineSeconds,
// suspend and the concurrency policy (Allow, Forbid, Replace); keeps status.active,
// lastScheduleTime and lastSuccessfulTime; deletes finished Jobs beyond the history limits; and
// records upstream's Events (SuccessfulCreate, SawCompletedJob, JobAlreadyActive, MissSchedule,
// TooManyMissedTimes, UnexpectedJob, MissingJob, SuccessfulDelete, ...). Each CronJob is
// requeued for its next schedule time, so no timer scans all of them.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "capstan/batch_v1.capnp.h"
#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/events.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "capstan/machinery/time/time_zone.hpp"
#include "cronjob_logic.hpp"

namespace capstan::cronjob {

inline constexpr const char* kComponent = "cronjob-controller";

struct CronJobControllerOptions {
  std::function<int64_t()> now_ms;  // the clock; tests move it
  int workers = 5;
  bool synchronous_events = false;
};

class CronJobController final : public sdk::Plugin {
 public:
  explicit CronJobController(const sdk::Host& host, CronJobControllerOptions options = {});
  ~CronJobController() override;
  void start() override;
  void stop() override;
  void enqueue(const std::string& key) { controller_->enqueue(key); }

 private:
  struct Status;
  int64_t now() const { return options_.now_ms(); }
  void on_cronjob(const sdk::ObjectPtr& obj, sdk::EventKind kind);
  void on_job(const sdk::ObjectPtr& obj, sdk::EventKind kind);
  sdk::ObjectPtr resolve_owner(const sdk::ObjectPtr& job) const;
  std::optional<machinery::CronSchedule> schedule_of(batch::v1::CronJob::Reader cj, std::string* error,
                                               const sdk::ObjectPtr* record_on) ;
  sdk::ReconcileResult sync(const std::string& key);
  bool cleanup_finished_jobs(const sdk::ObjectPtr& cj, Status& st, const std::vector<sdk::ObjectPtr>& jobs);
  bool delete_job(const sdk::ObjectPtr& cj, Status& st, const std::string& ns, const std::string& name,
                  const std::string& uid);
  std::optional<int64_t> sync_cronjob(sdk::ObjectPtr& cj, Status& st, const std::vector<sdk::ObjectPtr>& jobs,
                                      bool& update, std::string& error);

  const sdk::Host& host_;
  CronJobControllerOptions options_;
  sdk::Client client_;
  sdk::EventRecorder recorder_;
  machinery::TimeZoneDatabase zones_;
  sdk::Informer cronjobs_;
  sdk::Informer jobs_;
  std::unique_ptr<sdk::Controller> controller_;

  std::mutex seen_mu_;
  std::unordered_map<std::string, std::string> schedules_;   // cronjob key -> "schedule\ntimeZone"
  std::unordered_map<std::string, std::string> job_owner_;   // job uid -> cronjob key
};

}  // namespace capstan::cronjob
