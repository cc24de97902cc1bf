// capstan.kind.v1/batch: Job and CronJob (batch/v1), with kube-apiserver's defaulting, selector
// generation, validation and kubectl's printer columns.
#include "capstan/batch_v1.capnp.h"
#include "capstan/machinery/time.hpp"
#include "capstan/plugin.hpp"
#include "capstan/printer_columns.hpp"
#include "kinds.hpp"

namespace {

using namespace capstan;

class BatchKinds final : public sdk::Plugin {
 public:
  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (req.kind == "Job") return batch_kinds::admit_job(req);
    if (req.kind == "CronJob") return batch_kinds::admit_cronjob(req, zones_);
    return sdk::AdmissionResult::allow();
  }
  std::vector<std::string> print(const std::string& kind, const sdk::ObjectPtr& obj) override {
    if (kind == "Job") return batch_kinds::print_job(obj, machinery::now_seconds());
    if (kind == "CronJob") return batch_kinds::print_cronjob(obj);
    return {};
  }

 private:
  machinery::TimeZoneDatabase zones_;
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "batch";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.core"};
  info.manifest.description("batch/v1: Job, CronJob");

  sdk::KindSpec job;
  job.group = "batch";
  job.kind = "Job";
  job.plural = "jobs";
  job.singular = "job";
  job.categories = {"all"};
  job.schema = capnp::Schema::from<batch::v1::Job>();
  job.subresources = {{"status"}};
  job.status_field = "status";
  job.admission = true;
  job.printer_columns = {
      sdk::computed_column("Status", "string", "Status of the job."),
      sdk::computed_column("Completions", "string", "The completion status of the job."),
      sdk::computed_column("Duration", "string", "Time required to complete the job."),
      sdk::column("Age", "date", "", "CreationTimestamp is a timestamp representing the server time when this object was created."),
      sdk::column("Containers", "string", ".spec.template.spec.containers[*].name", "Names of each container in the template.", 1),
      sdk::column("Images", "string", ".spec.template.spec.containers[*].image", "Images referenced by each container in the template.", 1),
      sdk::computed_column("Selector", "string", "Selector that selects the pods of the job.", 1)};
  info.manifest.kind(job);

  sdk::KindSpec cron;
  cron.group = "batch";
  cron.kind = "CronJob";
  cron.plural = "cronjobs";
  cron.singular = "cronjob";
  cron.short_names = {"cj"};
  cron.categories = {"all"};
  cron.schema = capnp::Schema::from<batch::v1::CronJob>();
  cron.subresources = {{"status"}};
  cron.status_field = "status";
  cron.admission = true;
  cron.printer_columns = {
      sdk::column("Schedule", "string", ".spec.schedule", "The schedule in Cron format."),
      sdk::column("Timezone", "string", ".spec.timeZone", "The time zone of the schedule."),
      sdk::computed_column("Suspend", "boolean", "Whether subsequent executions are suspended."),
      sdk::column("Active", "integer", ".status.active", "Number of currently running jobs."),
      sdk::column("Last Schedule", "date", ".status.lastScheduleTime", "When the last job was successfully scheduled."),
      sdk::column("Age", "date", "", "CreationTimestamp is a timestamp representing the server time when this object was created."),
      sdk::column("Containers", "string", ".spec.jobTemplate.spec.template.spec.containers[*].name", "Names of each container in the template.", 1),
      sdk::column("Images", "string", ".spec.jobTemplate.spec.template.spec.containers[*].image", "Images referenced by each container in the template.", 1),
      sdk::computed_column("Selector", "string", "Selector of the jobs' pods.", 1)};
  info.manifest.kind(cron);

  info.create = [](const sdk::Host&, const std::string&) { return std::make_unique<BatchKinds>(); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
