#include "../kinds-workloads/pod_spec.hpp"
#include "capstan/machinery/time/cron_schedule.hpp"
#include "job_rules.hpp"
#include "kinds.hpp"

namespace capstan::batch_kinds {

using batch::v1::CronJob;
using batch::v1::CronJobSpec;
using Op = sdk::AdmissionRequest::Operation;

namespace {

bool valid_zone_part(std::string_view part) {
  // https://data.iana.org/time-zones/theory.html#naming, plus digits and '+' for legacy names.
  if (part.empty() || part.size() > 14) return false;
  for (char c : part) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_' || c == '+';
    if (!ok) return false;
  }
  return true;
}

void validate_time_zone(CronJobSpec::Reader spec, const machinery::TimeZoneDatabase& zones, Causes& causes) {
  if (spec.getTimeZone().isUnset()) return;
  const std::string tz = spec.getTimeZone().getValue();
  const std::string path = "spec.timeZone";
  if (tz.empty()) {
    invalid(causes, path, go_quote(tz), "timeZone must be nil or non-empty string");
    return;
  }
  size_t start = 0;
  while (true) {
    const size_t slash = tz.find('/', start);
    const std::string part = tz.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "." || part == ".." || (!part.empty() && part[0] == '-') || !valid_zone_part(part)) {
      invalid(causes, path, go_quote(tz), "unknown time zone " + tz);
      return;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string lower = tz;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "local")
    invalid(causes, path, go_quote(tz), "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
  std::string err;
  if (!zones.load(tz, &err)) invalid(causes, path, go_quote(tz), err);
}

void validate_cronjob_spec(CronJobSpec::Reader spec, const CronJobSpec::Reader* old, const machinery::TimeZoneDatabase& zones,
                           Causes& causes) {
  const std::string schedule = spec.getSchedule();
  if (schedule.empty()) {
    required(causes, "spec.schedule");
  } else {
    const bool allow_tz = old && std::string_view(old->getSchedule().cStr()).find("TZ") != std::string_view::npos;
    std::string err;
    if (!machinery::CronSchedule::parse(schedule, zones, &err)) invalid(causes, "spec.schedule", go_quote(schedule), err);
    const bool has_tz = schedule.find("TZ") != std::string::npos;
    if (allow_tz && has_tz && spec.getTimeZone().isValue())
      invalid(causes, "spec.schedule", go_quote(schedule), "cannot use both timeZone field and TZ or CRON_TZ in schedule");
    else if (!allow_tz && has_tz)
      invalid(causes, "spec.schedule", go_quote(schedule), "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
  }
  if (spec.getStartingDeadlineSeconds().isValue())
    non_negative(causes, "spec.startingDeadlineSeconds", spec.getStartingDeadlineSeconds().getValue());
  const bool zone_changed =
      !old || old->getTimeZone().isValue() != spec.getTimeZone().isValue() ||
      (spec.getTimeZone().isValue() && old->getTimeZone().getValue() != spec.getTimeZone().getValue());
  if (zone_changed) validate_time_zone(spec, zones, causes);
  const std::string policy = spec.getConcurrencyPolicy();
  if (policy.empty()) required(causes, "spec.concurrencyPolicy");
  else if (policy != "Allow" && policy != "Forbid" && policy != "Replace")
    not_supported(causes, "spec.concurrencyPolicy", go_quote(policy), {"Allow", "Forbid", "Replace"});
  // ValidateJobTemplateSpec
  auto jt = spec.getJobTemplate().getSpec();
  validate_job_spec(jt, "spec.jobTemplate.spec", causes);
  if (jt.hasSelector())
    invalid(causes, "spec.jobTemplate.spec.selector", go_label_selector(jt.getSelector(), true),
            "`selector` will be auto-generated");
  if (jt.getManualSelector().isValue() && jt.getManualSelector().getValue())
    not_supported(causes, "spec.jobTemplate.spec.manualSelector", "true", {"nil", "false"});
  if (spec.getSuccessfulJobsHistoryLimit().isValue())
    non_negative(causes, "spec.successfulJobsHistoryLimit", spec.getSuccessfulJobsHistoryLimit().getValue());
  if (spec.getFailedJobsHistoryLimit().isValue())
    non_negative(causes, "spec.failedJobsHistoryLimit", spec.getFailedJobsHistoryLimit().getValue());
}

}  // namespace

sdk::AdmissionResult admit_cronjob(const sdk::AdmissionRequest& req, const machinery::TimeZoneDatabase& zones) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();
  workloads::Mutable<CronJob> m(req.object->as<CronJob>());
  auto spec = m.root.getSpec();
  // SetDefaults_CronJob, and the nested JobSpec defaults (pod template, pod failure policy).
  if (spec.getConcurrencyPolicy().size() == 0) spec.setConcurrencyPolicy("Allow");
  if (spec.getSuspend().isUnset()) spec.getSuspend().setValue(false);
  if (spec.getSuccessfulJobsHistoryLimit().isUnset()) spec.getSuccessfulJobsHistoryLimit().setValue(3);
  if (spec.getFailedJobsHistoryLimit().isUnset()) spec.getFailedJobsHistoryLimit().setValue(1);
  default_job_spec_nested(spec.getJobTemplate().getSpec());

  Causes causes;
  sdk::AdmissionResult out;
  if (req.operation == Op::kCreate) {
    validate_cronjob_spec(spec.asReader(), nullptr, zones, causes);
    // The controller names Jobs <cronjob>-<11 digits>, and Job names are at most 63 characters.
    const std::string name = m.root.getMetadata().getName().cStr();
    if (name.size() > 52) invalid(causes, "metadata.name", go_quote(name), "must be no more than 52 characters");
    if (auto errors = machinery::is_dns1123_label(name); !errors.empty()) {
      std::string joined;  // %v of a []string
      for (const auto& e : errors) joined += (joined.empty() ? "" : " ") + e;
      out.warnings.push_back(
          "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS "
          "label is recommended: [" + joined + "]");
    }
  } else if (req.old_object) {
    auto old = req.old_object->as<CronJob>().getSpec();
    validate_cronjob_spec(spec.asReader(), &old, zones, causes);
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  out.mutated = m.bytes();
  return out;
}

}  // namespace capstan::batch_kinds
