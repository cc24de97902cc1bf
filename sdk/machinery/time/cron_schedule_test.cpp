// Cron schedules: robfig/cron v3's parser (its test cases and messages), descriptors, @every with
// Go durations, and Next() in time zones across DST transitions (robfig's spec_test.go cases,
// written in the five-field form Kubernetes uses).

#include "capstan/machinery/time/cron_schedule.hpp"

#include <gtest/gtest.h>

namespace capstan::machinery {
namespace {

const TimeZoneDatabase& db() {
  static TimeZoneDatabase d;
  return d;
}

std::string parse_error(const std::string& spec) {
  std::string err;
  auto s = CronSchedule::parse(spec, db(), &err);
  if (s) return "<parsed>";
  return err;
}

// "2012-03-11T00:00:00-0500" -> Unix seconds.
int64_t at(const std::string& s) {
  int y, mo, d, h, mi, se, oh, om;
  char sign;
  EXPECT_EQ(std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d%c%2d%2d", &y, &mo, &d, &h, &mi, &se, &sign, &oh, &om), 9) << s;
  int64_t local = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
  int64_t off = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
  return local - off;
}

int64_t next_of(const std::string& spec, int64_t t) {
  std::string err;
  auto s = CronSchedule::parse(spec, db(), &err);
  EXPECT_TRUE(s) << spec << ": " << err;
  return s ? s->next(t) : 0;
}

TEST(CronSchedule, ParseErrorsAsRobfigCron) {
  EXPECT_EQ(parse_error(""), "empty spec string");
  EXPECT_EQ(parse_error("* * * *"), "expected exactly 5 fields, found 4: [* * * *]");
  EXPECT_EQ(parse_error("*/1 * * * * *"), "expected exactly 5 fields, found 6: [*/1 * * * * *]");
  EXPECT_EQ(parse_error("61 * * * *"), "end of range (61) above maximum (59): 61");
  EXPECT_EQ(parse_error("* 24 * * *"), "end of range (24) above maximum (23): 24");
  EXPECT_EQ(parse_error("* * 0 * *"), "beginning of range (0) below minimum (1): 0");
  EXPECT_EQ(parse_error("* * * 13 *"), "end of range (13) above maximum (12): 13");
  EXPECT_EQ(parse_error("* * * * 7"), "end of range (7) above maximum (6): 7");
  EXPECT_EQ(parse_error("5-3 * * * *"), "beginning of range (5) beyond end of range (3): 5-3");
  EXPECT_EQ(parse_error("*/0 * * * *"), "step of range should be a positive number: */0");
  EXPECT_EQ(parse_error("5--5 * * * *"), "too many hyphens: 5--5");
  EXPECT_EQ(parse_error("*//2 * * * *"), "too many slashes: *//2");
  EXPECT_EQ(parse_error("*/-12 * * * *"), "negative number (-12) not allowed: -12");
  EXPECT_EQ(parse_error("x * * * *"), "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax");
  EXPECT_EQ(parse_error("* * * jan-x *"), "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax");
  EXPECT_EQ(parse_error("5/ * * * *"), "failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax");
  EXPECT_EQ(parse_error("99999999999999999999 * * * *"),
            "failed to parse int from 99999999999999999999: strconv.Atoi: parsing \"99999999999999999999\": value out "
            "of range");
  EXPECT_EQ(parse_error("@unrecognized"), "unrecognized descriptor: @unrecognized");
  EXPECT_EQ(parse_error("@daily "), "unrecognized descriptor: @daily ");
  EXPECT_EQ(parse_error("@every Xm"), "failed to parse duration @every Xm: time: invalid duration \"Xm\"");
  EXPECT_EQ(parse_error("@every 5"), "failed to parse duration @every 5: time: missing unit in duration \"5\"");
  EXPECT_EQ(parse_error("@every 5y"), "failed to parse duration @every 5y: time: unknown unit \"y\" in duration \"5y\"");
  EXPECT_EQ(parse_error("TZ=Mars/Base * * * * *"), "provided bad location Mars/Base: unknown time zone Mars/Base");
  // Accepted: names, `?`, steps over ranges, whitespace of any width, and oversized steps
  // (*/61 fires hourly, as Kubernetes users have found).
  for (const char* ok : {"*/1 * * * *", "0 0 * * MON-FRI", "30 08 ? Jul Sun", "  5  4\t* *  *  ", "*/61 * * * *",
                         "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
                         "@every 1h30m", "TZ=UTC * * * * *", "CRON_TZ=Europe/Berlin 0 9 * * *"})
    EXPECT_EQ(parse_error(ok), "<parsed>") << ok;
}

TEST(CronSchedule, NextSimpleAndWrapping) {
  const int64_t t = at("2012-07-09T14:45:00+0000");  // Monday
  EXPECT_EQ(next_of("0/15 * * * *", t), at("2012-07-09T15:00:00+0000"));
  EXPECT_EQ(next_of("0/15 * * * *", at("2012-07-09T14:59:59+0000")), at("2012-07-09T15:00:00+0000"));
  EXPECT_EQ(next_of("20-35/15 * * * *", at("2012-07-09T15:45:00+0000")), at("2012-07-09T16:20:00+0000"));
  EXPECT_EQ(next_of("*/15 * * * *", at("2012-07-09T23:46:00+0000")), at("2012-07-10T00:00:00+0000"));
  EXPECT_EQ(next_of("0 0 9 Apr-Oct ?", at("2012-07-09T23:35:00+0000")), at("2012-08-09T00:00:00+0000"));
  EXPECT_EQ(next_of("0 0 */5 Apr,Aug,Oct Mon", at("2012-07-09T23:35:00+0000")), at("2012-08-01T00:00:00+0000"));
  EXPECT_EQ(next_of("0 0 * Feb Mon", at("2012-07-09T23:35:00+0000")), at("2013-02-04T00:00:00+0000"));
  EXPECT_EQ(next_of("0 0 * Feb Mon/2", at("2012-07-09T23:35:00+0000")), at("2013-02-01T00:00:00+0000"));
  EXPECT_EQ(next_of("* * * * *", at("2012-12-31T23:59:45+0000")), at("2013-01-01T00:00:00+0000"));
  EXPECT_EQ(next_of("0 0 29 Feb ?", at("2012-07-09T23:35:00+0000")), at("2016-02-29T00:00:00+0000"));
  EXPECT_EQ(next_of("0 0 30 Feb ?", at("2012-07-09T23:35:00+0000")), kZeroTime);
  EXPECT_EQ(next_of("0 0 31 Apr ?", at("2012-07-09T23:35:00+0000")), kZeroTime);
  EXPECT_EQ(next_of("*/61 * * * *", at("2024-01-01T10:00:00+0000")), at("2024-01-01T11:00:00+0000"));
  // Descriptors.
  EXPECT_EQ(next_of("@hourly", at("2012-07-09T15:04:00+0000")), at("2012-07-09T16:00:00+0000"));
  EXPECT_EQ(next_of("@daily", at("2012-07-09T15:04:00+0000")), at("2012-07-10T00:00:00+0000"));
  EXPECT_EQ(next_of("@weekly", at("2012-07-09T15:04:00+0000")), at("2012-07-15T00:00:00+0000"));
  EXPECT_EQ(next_of("@monthly", at("2012-07-09T15:04:00+0000")), at("2012-08-01T00:00:00+0000"));
  EXPECT_EQ(next_of("@yearly", at("2012-07-09T15:04:00+0000")), at("2013-01-01T00:00:00+0000"));
  EXPECT_EQ(next_of("@every 90s", 1000), 1090);
  EXPECT_EQ(next_of("@every 1.5s", 1000), 1001);   // whole seconds
  EXPECT_EQ(next_of("@every 100ms", 1000), 1001);  // at least one second
}

TEST(CronSchedule, DayOfMonthAndWeekInteraction) {
  auto fires_at = [](const std::string& spec, const std::string& when) {
    return next_of(spec, at(when) - 1) == at(when);
  };
  EXPECT_TRUE(fires_at("* * 1,15 * Sun", "2012-07-15T00:00:00+0000"));
  EXPECT_TRUE(fires_at("* * 1,15 * Sun", "2012-06-15T00:00:00+0000"));
  EXPECT_TRUE(fires_at("* * 1,15 * Sun", "2012-08-01T00:00:00+0000"));
  EXPECT_TRUE(fires_at("* * */10 * Sun", "2012-07-15T00:00:00+0000"));
  EXPECT_FALSE(fires_at("* * * * Mon", "2012-07-15T00:00:00+0000"));
  EXPECT_FALSE(fires_at("* * 1,15 * *", "2012-07-09T00:00:00+0000"));
  EXPECT_TRUE(fires_at("* * 1,15 * *", "2012-07-15T00:00:00+0000"));
  EXPECT_TRUE(fires_at("* * */2 * Sun", "2012-07-15T00:00:00+0000"));
}

TEST(CronSchedule, NextAcrossDaylightSavingTime) {
  struct Case {
    const char *time, *spec, *expected;
  } cases[] = {
      // 2am EST (-5) -> 3am EDT (-4)
      {"2012-03-11T00:00:00-0500", "TZ=America/New_York 30 2 11 Mar ?", "2013-03-11T02:30:00-0400"},
      {"2012-03-11T00:00:00-0500", "TZ=America/New_York 0 * * * ?", "2012-03-11T01:00:00-0500"},
      {"2012-03-11T01:00:00-0500", "TZ=America/New_York 0 * * * ?", "2012-03-11T03:00:00-0400"},
      {"2012-03-11T03:00:00-0400", "TZ=America/New_York 0 * * * ?", "2012-03-11T04:00:00-0400"},
      {"2012-03-11T01:00:00-0500", "CRON_TZ=America/New_York 0 * * * ?", "2012-03-11T03:00:00-0400"},
      {"2012-03-11T00:00:00-0500", "TZ=America/New_York 0 1 * * ?", "2012-03-11T01:00:00-0500"},
      {"2012-03-11T01:00:00-0500", "TZ=America/New_York 0 1 * * ?", "2012-03-12T01:00:00-0400"},
      // 2am does not exist on 2012-03-11: the nightly 2am run is skipped that day.
      {"2012-03-11T00:00:00-0500", "TZ=America/New_York 0 2 * * ?", "2012-03-12T02:00:00-0400"},
      // 2am EDT (-4) => 1am EST (-5)
      {"2012-11-04T00:00:00-0400", "TZ=America/New_York 30 2 04 Nov ?", "2012-11-04T02:30:00-0500"},
      {"2012-11-04T01:45:00-0400", "TZ=America/New_York 30 1 04 Nov ?", "2012-11-04T01:30:00-0500"},
      {"2012-11-04T00:00:00-0400", "TZ=America/New_York 0 * * * ?", "2012-11-04T01:00:00-0400"},
      {"2012-11-04T01:00:00-0400", "TZ=America/New_York 0 * * * ?", "2012-11-04T01:00:00-0500"},
      {"2012-11-04T01:00:00-0500", "TZ=America/New_York 0 * * * ?", "2012-11-04T02:00:00-0500"},
      // 1am happens twice, and so does the nightly 1am run.
      {"2012-11-04T00:00:00-0400", "TZ=America/New_York 0 1 * * ?", "2012-11-04T01:00:00-0400"},
      {"2012-11-04T01:00:00-0400", "TZ=America/New_York 0 1 * * ?", "2012-11-04T01:00:00-0500"},
      {"2012-11-04T01:00:00-0500", "TZ=America/New_York 0 1 * * ?", "2012-11-05T01:00:00-0500"},
      {"2012-11-04T00:00:00-0400", "TZ=America/New_York 0 2 * * ?", "2012-11-04T02:00:00-0500"},
      {"2012-11-04T02:00:00-0500", "TZ=America/New_York 0 2 * * ?", "2012-11-05T02:00:00-0500"},
      {"2012-11-04T00:00:00-0400", "TZ=America/New_York 0 3 * * ?", "2012-11-04T03:00:00-0500"},
      {"2012-11-04T03:00:00-0500", "TZ=America/New_York 0 3 * * ?", "2012-11-05T03:00:00-0500"},
      {"2012-11-04T00:00:00-0400", "TZ=America/New_York 0 3 3 * ?", "2012-12-03T03:00:00-0500"},
      // Midnight does not exist in Sao Paulo on DST days (robfig/cron#157).
      {"2018-10-17T05:00:00-0400", "TZ=America/Sao_Paulo 0 9 10 * ?", "2018-11-10T06:00:00-0500"},
      {"2018-02-14T05:00:00-0500", "TZ=America/Sao_Paulo 0 9 22 * ?", "2018-02-22T07:00:00-0500"},
  };
  for (const auto& c : cases) EXPECT_EQ(next_of(c.spec, at(c.time)), at(c.expected)) << c.time << " " << c.spec;
}

TEST(CronSchedule, DefaultZoneAppliesWithoutTzPrefix) {
  std::string err;
  auto berlin = db().load("Europe/Berlin", &err);
  auto s = CronSchedule::parse("0 9 * * *", db(), &err, berlin);
  ASSERT_TRUE(s);
  // 09:00 in Berlin in summer is 07:00Z.
  EXPECT_EQ(s->next(at("2024-07-01T00:00:00+0000")), at("2024-07-01T07:00:00+0000"));
  EXPECT_EQ(format_rfc3339_in(s->next(at("2024-01-01T00:00:00+0000")), *berlin), "2024-01-01T09:00:00+01:00");
}

TEST(CronSchedule, GoDurations) {
  std::string err;
  EXPECT_EQ(*parse_go_duration("1h30m", &err), int64_t{5400} * 1000000000);
  EXPECT_EQ(*parse_go_duration("-1.5h", &err), int64_t{-5400} * 1000000000);
  EXPECT_EQ(*parse_go_duration("300ms", &err), 300000000);
  EXPECT_EQ(*parse_go_duration("1\xc2\xb5s", &err), 1000);
  EXPECT_EQ(*parse_go_duration("0", &err), 0);
  EXPECT_FALSE(parse_go_duration("", &err));
  EXPECT_EQ(err, "time: invalid duration \"\"");
  EXPECT_FALSE(parse_go_duration(".s", &err));
  EXPECT_EQ(err, "time: invalid duration \".s\"");
  EXPECT_FALSE(parse_go_duration("9999999999h", &err));
  EXPECT_EQ(err, "time: invalid duration \"9999999999h\"");
  EXPECT_FALSE(parse_go_duration("1\x01s", &err));
  EXPECT_EQ(err, "time: unknown unit \"\\x01s\" in duration \"1\\x01s\"");
}

}  // namespace
}  // namespace capstan::machinery
