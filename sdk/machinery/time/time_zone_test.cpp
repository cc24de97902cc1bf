// Time zones from TZif files: offsets against glibc's own reading of the same files (transitions
// and, past 2037, the POSIX footer rules), Go's time.Date resolution of civil times in DST gaps
// and overlaps, and LoadLocation's errors.

#include "capstan/machinery/time/time_zone.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

namespace capstan::machinery {
namespace {

// glibc's UTC offset at `unix` in `zone` (TZ is process-wide: the test is single-threaded).
long glibc_offset(const std::string& zone, int64_t unix) {
  setenv("TZ", zone.c_str(), 1);
  tzset();
  std::time_t t = static_cast<std::time_t>(unix);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm.tm_gmtoff;
}

TEST(TimeZone, OffsetsMatchGlibcAcrossTransitionsAndFooterRules) {
  TimeZoneDatabase db;
  for (std::string name : {"America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata",
                           "America/Sao_Paulo", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Seoul", "Etc/GMT+5",
                           "Africa/Casablanca", "America/Santiago"}) {
    std::string err;
    auto zone = db.load(name, &err);
    ASSERT_TRUE(zone) << name << ": " << err;
    // Every 7 hours 13 minutes from 1970 to 2080: crosses every transition window, and the
    // years after the file's last transition (footer rules).
    for (int64_t t = 0; t < int64_t{110} * 365 * 86400; t += 7 * 3600 + 13 * 60) {
      ASSERT_EQ(zone->lookup(t).offset, glibc_offset(name, t)) << name << " at " << t;
    }
  }
  unsetenv("TZ");
}

TEST(TimeZone, LookupSpansBracketTheInstant) {
  TimeZoneDatabase db;
  std::string err;
  auto ny = db.load("America/New_York", &err);
  ASSERT_TRUE(ny);
  // 2012-03-11T07:00:00Z is 02:00 EST, the instant DST starts.
  const int64_t dst_start = 1331449200;
  auto before = ny->lookup(dst_start - 1);
  EXPECT_EQ(before.offset, -5 * 3600);
  EXPECT_EQ(before.end, dst_start);
  EXPECT_FALSE(before.dst);
  EXPECT_EQ(before.abbreviation, "EST");
  auto after = ny->lookup(dst_start);
  EXPECT_EQ(after.offset, -4 * 3600);
  EXPECT_EQ(after.start, dst_start);
  EXPECT_TRUE(after.dst);
  EXPECT_EQ(after.abbreviation, "EDT");
  // Far in the future the footer ("EST5EDT,M3.2.0,M11.1.0") decides: 2090-07-01 is EDT.
  EXPECT_EQ(ny->lookup(3802982400).offset, -4 * 3600);
  EXPECT_EQ(ny->lookup(3802982400).abbreviation, "EDT");
}

TEST(TimeZone, GoDateResolvesGapsAndOverlaps) {
  TimeZoneDatabase db;
  std::string err;
  auto ny = db.load("America/New_York", &err);
  ASSERT_TRUE(ny);
  // 02:30 on 2012-03-11 does not exist; Go's time.Date takes EST for the guess, finds the result
  // past the transition, re-reads the offset there (EDT) and so lands on 01:30 EST.
  EXPECT_EQ(format_rfc3339_in(unix_time(2012, 3, 11, 2, 30, 0, *ny), *ny), "2012-03-11T01:30:00-05:00");
  // 01:30 on 2012-11-04 happens twice; Go's time.Date picks the first (EDT).
  EXPECT_EQ(format_rfc3339_in(unix_time(2012, 11, 4, 1, 30, 0, *ny), *ny), "2012-11-04T01:30:00-04:00");
  // Normalization: month 13, day 0, hour 24.
  EXPECT_EQ(format_rfc3339_in(unix_time(2023, 13, 1, 0, 0, 0, *TimeZone::utc()), *TimeZone::utc()),
            "2024-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339_in(unix_time(2024, 3, 0, 24, 0, 0, *TimeZone::utc()), *TimeZone::utc()),
            "2024-03-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339_in(unix_time(2024, 1, 1, 0, 0, 0, *db.load("Asia/Kolkata", &err)),
                              *db.load("Asia/Kolkata", &err)),
            "2024-01-01T00:00:00+05:30");
}

TEST(TimeZone, CivilFields) {
  auto c = civil_time(1720000000, *TimeZone::utc());  // 2024-07-03T09:46:40Z, a Wednesday
  EXPECT_EQ(c.year, 2024);
  EXPECT_EQ(c.month, 7);
  EXPECT_EQ(c.day, 3);
  EXPECT_EQ(c.hour, 9);
  EXPECT_EQ(c.minute, 46);
  EXPECT_EQ(c.second, 40);
  EXPECT_EQ(c.weekday, 3);
  int64_t y;
  int m, d;
  civil_from_days(days_from_civil(2000, 2, 29), y, m, d);
  EXPECT_EQ(y, 2000);
  EXPECT_EQ(m, 2);
  EXPECT_EQ(d, 29);
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
}

TEST(TimeZone, LoadLocationErrorsAsGo) {
  TimeZoneDatabase db;
  std::string err;
  EXPECT_EQ(db.load("", &err)->name(), "UTC");
  EXPECT_EQ(db.load("UTC", &err)->name(), "UTC");
  EXPECT_FALSE(db.load("Mars/Olympus_Mons", &err));
  EXPECT_EQ(err, "unknown time zone Mars/Olympus_Mons");
  EXPECT_FALSE(db.load("../etc/passwd", &err));
  EXPECT_EQ(err, "time: invalid location name");
  EXPECT_FALSE(db.load("/etc/localtime", &err));
  EXPECT_EQ(err, "time: invalid location name");
  EXPECT_FALSE(db.load("America", &err));
  EXPECT_EQ(err, "is a directory");
  // Cached: the same object.
  EXPECT_EQ(db.load("Europe/Berlin", &err), db.load("Europe/Berlin", &err));
}

TEST(TimeZone, MalformedTzifIsRefused) {
  std::string err;
  EXPECT_FALSE(TimeZone::from_tzif("x", "", &err));
  EXPECT_EQ(err, "malformed time zone information");
  EXPECT_FALSE(TimeZone::from_tzif("x", "TZif2\0\0\0", &err));
  // A real file truncated anywhere is refused, never read past its end.
  std::ifstream in("/usr/share/zoneinfo/Europe/Berlin", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  ASSERT_GT(data.size(), 100u);
  ASSERT_TRUE(TimeZone::from_tzif("Europe/Berlin", data, &err));
  for (size_t cut = 0; cut < 60; ++cut) EXPECT_FALSE(TimeZone::from_tzif("x", data.substr(0, cut), &err)) << cut;
}

}  // namespace
}  // namespace capstan::machinery
