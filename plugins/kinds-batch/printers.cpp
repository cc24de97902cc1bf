#include "capstan/batch_v1.capnp.h"
#include "capstan/selectors.hpp"
#include "capstan/machinery/time.hpp"
#include "job_rules.hpp"
#include "kinds.hpp"

namespace capstan::batch_kinds {

std::vector<std::string> print_job(const sdk::ObjectPtr& obj, int64_t now) {
  auto job = obj->as<Job>();
  auto spec = job.getSpec();
  auto st = job.getStatus();
  std::string completions;
  const std::string succeeded = std::to_string(st.getSucceeded());
  if (spec.getCompletions().isValue()) {
    completions = succeeded + "/" + std::to_string(spec.getCompletions().getValue());
  } else {
    const int32_t parallelism = spec.getParallelism().isValue() ? spec.getParallelism().getValue() : 0;
    completions = parallelism > 1 ? succeeded + "/1 of " + std::to_string(parallelism) : succeeded + "/1";
  }
  std::string duration;
  if (st.hasStartTime() && st.getStartTime().size() > 0) {
    const int64_t start = machinery::parse_rfc3339_seconds(st.getStartTime().cStr()).value_or(0);
    const int64_t end = st.hasCompletionTime() && st.getCompletionTime().size() > 0 ? machinery::parse_rfc3339_seconds(st.getCompletionTime().cStr()).value_or(0) : now;
    duration = machinery::human_duration(end - start);
  }
  auto conds = st.getConditions();
  std::string status;
  if (condition_true(conds, "Complete")) status = "Complete";
  else if (condition_true(conds, "Failed")) status = "Failed";
  else if (job.getMetadata().hasDeletionTimestamp() && job.getMetadata().getDeletionTimestamp().size() > 0) status = "Terminating";
  else if (condition_true(conds, "Suspended")) status = "Suspended";
  else if (condition_true(conds, "FailureTarget")) status = "FailureTarget";
  else status = "Running";
  const std::string selector = spec.hasSelector() ? sdk::selector_string(spec.getSelector()) : "<none>";
  return {status, completions, duration, selector};
}

std::vector<std::string> print_cronjob(const sdk::ObjectPtr& obj) {
  auto cj = obj->as<batch::v1::CronJob>();
  auto suspend = cj.getSpec().getSuspend();
  std::string s = suspend.isUnset() ? "<unset>" : suspend.getValue() ? "True" : "False";
  auto jt = cj.getSpec().getJobTemplate().getSpec();
  return {s, jt.hasSelector() ? sdk::selector_string(jt.getSelector()) : "<none>"};
}

}  // namespace capstan::batch_kinds
