// The CronJob controller's scheduling logic: upstream's utils_test.go cases for
// mostRecentScheduleTime and nextScheduleTimeDuration (including the "too many missed" rule and
// its quirks), schedules in a time zone across DST, job names and the history order.
#include "cronjob_logic.hpp"

#include <gtest/gtest.h>

#include "capstan/machinery/time.hpp"

namespace capstan::cronjob {
namespace {

const machinery::TimeZoneDatabase& zones() {
  static machinery::TimeZoneDatabase z;
  return z;
}

machinery::CronSchedule parse(const std::string& spec) {
  std::string err;
  auto s = machinery::CronSchedule::parse(spec, zones(), &err);
  EXPECT_TRUE(s) << spec << ": " << err;
  return *s;
}

const int64_t kTop = machinery::parse_rfc3339_seconds("2016-05-19T10:00:00Z").value_or(0) * 1000;  // a Thursday
constexpr int64_t kMin = 60'000, kHour = 60 * kMin;

struct Case {
  const char* name;
  const char* schedule;
  int64_t created;
  std::optional<int64_t> last;
  std::optional<int64_t> deadline;
  bool include_deadline;
  int64_t now;
  int64_t earliest;
  std::optional<int64_t> recent;
  Missed missed;
  bool error;
};

TEST(CronJobLogic, MostRecentScheduleTimeAsUpstream) {
  const Case cases[] = {
      {"now before next schedule", "0 * * * *", kTop, {}, {}, false, kTop + 30'000, kTop, {}, Missed::kNone, false},
      {"now just after next schedule", "0 * * * *", kTop, {}, {}, false, kTop + 61 * kMin, kTop, kTop + 60 * kMin,
       Missed::kNone, false},
      {"missed 5 schedules", "0 * * * *", kTop + 10'000, {}, {}, false, kTop + 301 * kMin, kTop + 10'000,
       kTop + 300 * kMin, Missed::kFew, false},
      {"complex schedule", "30 6-16/4 * * 1-5", kTop, kTop + 30 * kMin, {}, false, kTop + 24 * kHour + 31 * kMin,
       kTop + 30 * kMin, kTop + 24 * kHour + 30 * kMin, Missed::kFew, false},
      // Upstream's estimate starts past Friday 12:30 and finds nothing until Monday.
      {"another complex schedule", "30 10,11,12 * * 1-5", kTop, kTop + 30 * kMin, {}, false, kTop + 30 * kHour + 30 * kMin,
       kTop + 30 * kMin, {}, Missed::kFew, false},
      {"complex schedule with longer diff between executions", "30 6-16/4 * * 1-5", kTop, kTop + 30 * kMin, {}, false,
       kTop + 96 * kHour + 31 * kMin, kTop + 30 * kMin, kTop + 96 * kHour + 30 * kMin, Missed::kFew, false},
      {"complex schedule with shorter diff between executions", "30 6-16/4 * * 1-5", kTop, {}, {}, false,
       kTop + 24 * kHour + 31 * kMin, kTop, kTop + 24 * kHour + 30 * kMin, Missed::kFew, false},
      {"@every schedule", "@every 1h", kTop - 59 * kMin, kTop + kMin, 10, false, kTop + 7 * 24 * kHour, kTop + kMin,
       kTop + 6 * 24 * kHour + 23 * kHour + kMin, Missed::kMany, false},
      {"rogue cronjob", "59 23 31 2 *", kTop + 10'000, {}, {}, false, kTop + kHour, 0, {}, Missed::kNone, true},
      {"earliestTime being CreationTimestamp and LastScheduleTime", "0 * * * *", kTop, kTop, {}, false, kTop + 30'000,
       kTop, {}, Missed::kNone, false},
      {"earliestTime being LastScheduleTime", "*/5 * * * *", kTop, kTop + 30 * kMin, {}, false, kTop + 31 * kMin,
       kTop + 30 * kMin, {}, Missed::kNone, false},
      {"earliestTime being LastScheduleTime (within StartingDeadlineSeconds)", "*/5 * * * *", kTop, kTop + 30 * kMin, 60,
       false, kTop + 31 * kMin, kTop + 30 * kMin, {}, Missed::kNone, false},
      {"earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)", "*/5 * * * *", kTop, kTop + 30 * kMin,
       60, true, kTop + 32 * kMin, kTop + 31 * kMin, {}, Missed::kNone, false},
  };
  for (const auto& c : cases) {
    ScheduleInput in{c.created, c.last, c.deadline};
    auto r = most_recent_schedule_time(in, c.now, parse(c.schedule), c.include_deadline);
    if (c.error) {
      EXPECT_EQ(r.error, "time difference between two schedules is less than 1 second") << c.name;
      continue;
    }
    EXPECT_TRUE(r.error.empty()) << c.name;
    EXPECT_EQ(r.earliest_ms, c.earliest) << c.name;
    EXPECT_EQ(r.most_recent_ms, c.recent) << c.name;
    EXPECT_EQ(r.missed, c.missed) << c.name;
  }
}

TEST(CronJobLogic, NextScheduleDelayAsUpstream) {
  auto delay = [](const char* schedule, int64_t created, std::optional<int64_t> last, int64_t now) {
    return next_schedule_delay_ms({created, last, {}}, now, parse(schedule));
  };
  EXPECT_EQ(delay("30 6-16/4 * * 1-5", kTop, kTop + 30 * kMin, kTop + 24 * kHour + 31 * kMin),
            3 * kHour + 59 * kMin + kNextScheduleDeltaMs);
  EXPECT_EQ(delay("30 10,11,12 * * 1-5", kTop, kTop + 30 * kMin, kTop + 30 * kHour + 30 * kMin), 66 * kHour + kNextScheduleDeltaMs);
  EXPECT_EQ(delay("0 12 * * 4", kTop, kTop + 2 * kHour, kTop + 19 * 24 * kHour + kHour + 30 * kMin),
            48 * kHour + 30 * kMin + kNextScheduleDeltaMs);
  EXPECT_EQ(delay("0 12 * * 5", kTop, {}, kTop + 6 * kHour), 20 * kHour + kNextScheduleDeltaMs);
  // Every minute, a few seconds into the minute: the next minute plus the delta.
  EXPECT_EQ(delay("*/1 * * * *", kTop, kTop, kTop + 5'500), kMin - 5'500 + kNextScheduleDeltaMs);
}

TEST(CronJobLogic, NextScheduleTimeAndTooManyMissed) {
  bool many = false;
  std::string err;
  // Created a week ago, hourly, never run: the latest is due and it is "many missed".
  auto t = next_schedule_time({kTop - 7 * 24 * kHour, {}, {}}, kTop + 5 * kMin, parse("0 * * * *"), many, err);
  EXPECT_EQ(t, kTop);
  EXPECT_TRUE(many);
  // With a 10-minute starting deadline only recent schedules count: not many.
  t = next_schedule_time({kTop - 7 * 24 * kHour, {}, 600}, kTop + 5 * kMin, parse("0 * * * *"), many, err);
  EXPECT_EQ(t, kTop);
  EXPECT_FALSE(many);
  // Nothing due yet.
  EXPECT_FALSE(next_schedule_time({kTop, {}, {}}, kTop + 5 * kMin, parse("0 * * * *"), many, err));
}

TEST(CronJobLogic, ScheduleInATimeZoneAcrossDst) {
  // 02:30 on 2024-03-10 does not exist in New York: a daily 02:30 run is skipped that day.
  auto ny = parse("TZ=America/New_York 30 2 * * *");
  const int64_t before = machinery::parse_rfc3339_seconds("2024-03-09T08:00:00Z").value_or(0) * 1000;  // 03:00 EST on the 9th
  bool many;
  std::string err;
  auto at = [&](int64_t now) { return next_schedule_time({before, {}, {}}, now, ny, many, err); };
  // On the 10th at 07:35Z (03:35 EDT) nothing has been due since the 9th's creation.
  EXPECT_FALSE(at(machinery::parse_rfc3339_seconds("2024-03-10T07:35:00Z").value_or(0) * 1000));
  EXPECT_EQ(*at(machinery::parse_rfc3339_seconds("2024-03-11T06:31:00Z").value_or(0) * 1000), machinery::parse_rfc3339_seconds("2024-03-11T06:30:00Z").value_or(0) * 1000);
  EXPECT_EQ(format_schedule("30 2 * * *", std::string("America/New_York"), true), "TZ=America/New_York 30 2 * * *");
  EXPECT_EQ(format_schedule("CRON_TZ=UTC 30 2 * * *", std::string("America/New_York"), true), "CRON_TZ=UTC 30 2 * * *");
  EXPECT_EQ(format_schedule("30 2 * * *", std::string("Nowhere/Nope"), false), "30 2 * * *");
}

TEST(CronJobLogic, NamesAndFormats) {
  // Minutes since the epoch.
  EXPECT_EQ(job_name("hello", machinery::parse_rfc3339_seconds("2024-01-01T00:01:00Z").value_or(0) * 1000), "hello-28401121");
  EXPECT_EQ(rfc1123z(machinery::parse_rfc3339_seconds("2024-03-10T07:30:00Z").value_or(0) * 1000), "Sun, 10 Mar 2024 07:30:00 +0000");
}

TEST(CronJobLogic, HistoryOrder) {
  std::vector<FinishedJob> jobs{{"c", "3", 3000}, {"never", "4", {}}, {"a", "1", 1000}, {"b", "2", 1000}};
  auto oldest = oldest_beyond_limit(jobs, 2);
  ASSERT_EQ(oldest.size(), 2u);
  EXPECT_EQ(oldest[0].name, "a");
  EXPECT_EQ(oldest[1].name, "b");
  EXPECT_TRUE(oldest_beyond_limit(jobs, 4).empty());
  EXPECT_EQ(oldest_beyond_limit(jobs, 0).size(), 4u);
  EXPECT_EQ(oldest_beyond_limit(jobs, 0).back().name, "never");  // never started: last
}

}  // namespace
}  // namespace capstan::cronjob
