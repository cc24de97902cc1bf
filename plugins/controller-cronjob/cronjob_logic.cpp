#include "cronjob_logic.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace capstan::cronjob {

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Schedule.Next on a millisecond time: activations are whole seconds after the time's second.
int64_t next_ms(const machinery::CronSchedule& s, int64_t t_ms) { return s.next(floor_div(t_ms, 1000)) * 1000; }

}  // namespace

MostRecent most_recent_schedule_time(const ScheduleInput& in, int64_t now_ms, const machinery::CronSchedule& schedule,
                                     bool include_starting_deadline) {
  MostRecent out;
  int64_t earliest = in.created_ms;
  if (in.last_schedule_ms) earliest = *in.last_schedule_ms;
  if (include_starting_deadline && in.starting_deadline_s) {
    // The controller schedules nothing before this point.
    const int64_t deadline = now_ms - *in.starting_deadline_s * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  out.earliest_ms = earliest;
  const int64_t t1 = next_ms(schedule, earliest);
  const int64_t t2 = next_ms(schedule, t1);
  if (now_ms < t1) return out;
  if (now_ms < t2) {
    out.most_recent_ms = t1;
    return out;
  }
  // A schedule that parses but never repeats properly ("59 23 31 2 *") has no interval.
  const int64_t between = static_cast<int64_t>(std::llround(static_cast<double>(t2 - t1) / 1000.0));
  if (between < 1) {
    out.error = "time difference between two schedules is less than 1 second";
    return out;
  }
  // A rough count of the schedules missed since t1, to start the exact walk close to now.
  const int64_t elapsed = (now_ms - t1) / 1000;
  const int64_t missed = elapsed / between + 1;
  const int64_t potential_earliest = t1 + (missed - 1 - 1) * between * 1000;
  std::optional<int64_t> most_recent;
  for (int64_t t = next_ms(schedule, potential_earliest); t <= now_ms; t = next_ms(schedule, t)) {
    if (t == machinery::kZeroTime * 1000) break;  // nothing within five years
    most_recent = t;
  }
  // Much more than a weekend of hourly runs is considered a clock problem, not missed work.
  if (missed > 100) out.missed = Missed::kMany;
  else if (missed > 0) out.missed = Missed::kFew;
  out.most_recent_ms = most_recent;
  return out;
}

std::optional<int64_t> next_schedule_time(const ScheduleInput& in, int64_t now_ms, const machinery::CronSchedule& schedule,
                                          bool& many_missed, std::string& error) {
  many_missed = false;
  auto r = most_recent_schedule_time(in, now_ms, schedule, true);
  error = r.error;
  if (!r.most_recent_ms || *r.most_recent_ms > now_ms) return std::nullopt;
  many_missed = r.missed == Missed::kMany;
  return r.most_recent_ms;
}

int64_t next_schedule_delay_ms(const ScheduleInput& in, int64_t now_ms, const machinery::CronSchedule& schedule) {
  auto r = most_recent_schedule_time(in, now_ms, schedule, false);
  int64_t from;
  if (!r.error.empty()) from = now_ms;  // aim for the next slot from now
  else if (!r.most_recent_ms) from = r.missed == Missed::kNone ? r.earliest_ms : now_ms;
  else from = *r.most_recent_ms;
  return next_ms(schedule, from) + kNextScheduleDeltaMs - now_ms;
}

std::string job_name(const std::string& cronjob, int64_t scheduled_ms) {
  return cronjob + "-" + std::to_string(floor_div(scheduled_ms, 1000) / 60);
}

std::string format_schedule(const std::string& schedule, const std::optional<std::string>& time_zone, bool zone_loads) {
  if (schedule.find("TZ") != std::string::npos) return schedule;
  if (time_zone && zone_loads) return "TZ=" + *time_zone + " " + schedule;
  return schedule;
}

std::string rfc1123z(int64_t ms) {
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto c = machinery::civil_time(floor_div(ms, 1000), *machinery::TimeZone::utc());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d +0000", kDays[c.weekday], c.day, kMonths[c.month - 1],
                static_cast<long long>(c.year), c.hour, c.minute, c.second);
  return buf;
}

void sort_by_start_time(std::vector<FinishedJob>& jobs) {
  std::stable_sort(jobs.begin(), jobs.end(), [](const FinishedJob& a, const FinishedJob& b) {
    if (!a.start_ms && b.start_ms) return false;
    if (a.start_ms && !b.start_ms) return true;
    if (a.start_ms == b.start_ms) return a.name < b.name;
    return *a.start_ms < *b.start_ms;
  });
}

std::vector<FinishedJob> oldest_beyond_limit(std::vector<FinishedJob> jobs, int32_t limit) {
  const int64_t excess = static_cast<int64_t>(jobs.size()) - limit;
  if (excess <= 0) return {};
  sort_by_start_time(jobs);
  jobs.resize(static_cast<size_t>(excess));
  return jobs;
}

}  // namespace capstan::cronjob
