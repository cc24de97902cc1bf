#pragma once
// Pure scheduling logic of the CronJob controller, as kube-controller-manager 1.33 computes it
// (pkg/controller/cronjob/utils.go): the most recent unmet schedule time since the last run (or
// the CronJob's creation), bounded by startingDeadlineSeconds, with upstream's "too many missed
// start times" rule (more than 100 missed schedules: warn, and still run only the latest); when
// to sync next; Job names `<cronjob>-<scheduled time in minutes since the epoch>`; the order in
// which finished Jobs are cleaned up. Times are milliseconds since the Unix epoch.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capstan/machinery/time/cron_schedule.hpp"

namespace capstan::cronjob {

inline constexpr const char* kScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";
// nextScheduleDelta: requeues land this long after the scheduled time, for clock skew.
inline constexpr int64_t kNextScheduleDeltaMs = 100;

enum class Missed { kNone, kFew, kMany };

struct ScheduleInput {
  int64_t created_ms = 0;                       // metadata.creationTimestamp
  std::optional<int64_t> last_schedule_ms;      // status.lastScheduleTime
  std::optional<int64_t> starting_deadline_s;   // spec.startingDeadlineSeconds
};

struct MostRecent {
  int64_t earliest_ms = 0;
  std::optional<int64_t> most_recent_ms;  // the latest schedule time <= now, if any
  Missed missed = Missed::kNone;
  std::string error;  // "time difference between two schedules is less than 1 second"
};

// mostRecentScheduleTime
MostRecent most_recent_schedule_time(const ScheduleInput& in, int64_t now_ms, const machinery::CronSchedule& schedule,
                                     bool include_starting_deadline);
// nextScheduleTime: the time to run now (nullopt: nothing due); `many_missed` tells the caller to
// record TooManyMissedTimes.
std::optional<int64_t> next_schedule_time(const ScheduleInput& in, int64_t now_ms, const machinery::CronSchedule& schedule,
                                          bool& many_missed, std::string& error);
// nextScheduleTimeDuration: how long until the next sync.
int64_t next_schedule_delay_ms(const ScheduleInput& in, int64_t now_ms, const machinery::CronSchedule& schedule);

// getJobName
std::string job_name(const std::string& cronjob, int64_t scheduled_ms);
// formatSchedule: a timeZone becomes a TZ= prefix; a schedule that names one itself is left alone.
std::string format_schedule(const std::string& schedule, const std::optional<std::string>& time_zone, bool zone_loads);

// Go's time.RFC1123Z of a UTC instant: "Mon, 02 Jan 2006 15:04:05 +0000" (the MissSchedule event).
std::string rfc1123z(int64_t ms);

// A finished Job, for history cleanup.
struct FinishedJob {
  std::string name, uid;
  std::optional<int64_t> start_ms;  // status.startTime
};
// byJobStartTime: the oldest first; Jobs that never started last; names break ties.
void sort_by_start_time(std::vector<FinishedJob>& jobs);
// The Jobs to delete so that at most `limit` remain (the oldest ones).
std::vector<FinishedJob> oldest_beyond_limit(std::vector<FinishedJob> jobs, int32_t limit);

}  // namespace capstan::cronjob
