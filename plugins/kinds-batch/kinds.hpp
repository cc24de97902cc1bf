#pragma once
// Admission (defaulting and validation) and printer cells of the batch/v1 kinds, one file per kind.

#include <string>
#include <vector>

#include "capstan/plugin.hpp"
#include "capstan/machinery/time/time_zone.hpp"

namespace capstan::batch_kinds {

sdk::AdmissionResult admit_job(const sdk::AdmissionRequest& req);
// Time zones (spec.timeZone and TZ= in schedules) are read through `zones`.
sdk::AdmissionResult admit_cronjob(const sdk::AdmissionRequest& req, const machinery::TimeZoneDatabase& zones);

// Computed printer columns, as kubectl shows them (pkg/printers/internalversion/printers.go).
// Job: STATUS, COMPLETIONS, DURATION, and SELECTOR (-o wide). `now` is Unix seconds.
std::vector<std::string> print_job(const sdk::ObjectPtr& obj, int64_t now);
// CronJob: SUSPEND, and SELECTOR (-o wide).
std::vector<std::string> print_cronjob(const sdk::ObjectPtr& obj);

}  // namespace capstan::batch_kinds
