#include "capstan/batch_v1.capnp.h"
#include "capstan/selectors.hpp"
#include "capstan/machinery/time.hpp"
#include "job_rules.hpp"
#include "kinds.hpp"

namespace capstan::batch_kinds {

std::string human_duration(int64_t seconds) {
  // Two seconds of skew between machines still count as "now".
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  const int64_t minutes = seconds / 60;
  if (minutes < 10) {
    const int64_t s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  const int64_t hours = seconds / 3600;
  if (hours < 8) {
    const int64_t m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    const int64_t h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    const int64_t dy = hours / 24 % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y"
                   : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

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
    duration = human_duration(end - start);
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
