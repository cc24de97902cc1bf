#include "capstan/machinery/time.hpp"

#include <gtest/gtest.h>

namespace capstan::machinery {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t k2026 = 1767323045;  // 2026-01-02T03:04:05Z

TEST(Time, ParsesWhatGoAccepts) {
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05Z"), k2026 * kSecond);
  EXPECT_EQ(parse_rfc3339_seconds("2026-01-02T03:04:05Z"), k2026);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  // Fractions of any length ('.' or ','), digits past the ninth dropped.
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05.5Z"), k2026 * kSecond + 500'000'000);
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05,000001Z"), k2026 * kSecond + 1000);
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05.1234567899Z"), k2026 * kSecond + 123456789);
  // Offsets are folded into UTC.
  EXPECT_EQ(parse_rfc3339("2026-01-02T05:34:05+02:30"), k2026 * kSecond);
  EXPECT_EQ(parse_rfc3339("2026-01-01T22:04:05-05:00"), k2026 * kSecond);
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05.25-00:00"), k2026 * kSecond + 250'000'000);
  // Before the epoch, and leap days.
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59.5Z"), -500'000'000);
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z"));
  EXPECT_EQ(parse_rfc3339_seconds("0001-01-01T00:00:00Z"), -62135596800);  // Go's zero time
}

TEST(Time, RefusesWhatGoRefuses) {
  for (const char* bad : {"", "2026-01-02", "2026-01-02T03:04:05", "2026-01-02 03:04:05Z", "2026-01-02t03:04:05Z",
                          "2026-01-02T03:04:05z", "2026-1-02T03:04:05Z", "2026-13-02T03:04:05Z", "2026-00-02T03:04:05Z",
                          "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-02T24:00:00Z", "2026-01-02T03:60:05Z",
                          "2026-01-02T03:04:60Z", "2026-01-02T03:04:05.Z", "2026-01-02T03:04:05+0200",
                          "2026-01-02T03:04:05+24:00", "2026-01-02T03:04:05+02:60", "2026-01-02T03:04:05Z ",
                          "+2026-01-02T03:04:05Z", "2026-01-02T03:04:05.1.2Z"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  // Valid text, but beyond int64 nanoseconds (seconds still work).
  EXPECT_FALSE(parse_rfc3339("2300-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339_seconds("2300-01-01T00:00:00Z"));
}

TEST(Time, FormatsMetaTimeMicroTimeAndLogTimes) {
  EXPECT_EQ(format_rfc3339(k2026), "2026-01-02T03:04:05Z");
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339_micro(k2026 * kSecond + 123456789), "2026-01-02T03:04:05.123456Z");
  EXPECT_EQ(format_rfc3339_micro(k2026 * kSecond), "2026-01-02T03:04:05.000000Z");
  EXPECT_EQ(format_rfc3339_nano_fixed(k2026 * kSecond + 1), "2026-01-02T03:04:05.000000001Z");
  EXPECT_EQ(format_rfc3339_nano_fixed(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(parse_rfc3339(format_rfc3339_nano_fixed(-1)), -1);
}

TEST(Time, HumanDurationsAsKubectlShowsThem) {
  EXPECT_EQ(human_duration(0), "0s");
  EXPECT_EQ(human_duration(-1), "0s");  // clock skew
  EXPECT_EQ(human_duration(-5), "<invalid>");
  EXPECT_EQ(human_duration(59), "59s");
  EXPECT_EQ(human_duration(119), "119s");
  EXPECT_EQ(human_duration(120), "2m");
  EXPECT_EQ(human_duration(125), "2m5s");
  EXPECT_EQ(human_duration(600), "10m");
  EXPECT_EQ(human_duration(3 * 3600 - 60), "179m");
  EXPECT_EQ(human_duration(3 * 3600 + 60), "3h1m");
  EXPECT_EQ(human_duration(8 * 3600 + 60), "8h");
  EXPECT_EQ(human_duration(30 * 3600), "30h");
  EXPECT_EQ(human_duration(3 * 86400 + 3600), "3d1h");
  EXPECT_EQ(human_duration(8 * 86400 + 3600), "8d");
  EXPECT_EQ(human_duration(400 * 86400), "400d");
  EXPECT_EQ(human_duration((2 * 365 + 30) * 86400), "2y30d");
  EXPECT_EQ(human_duration(9 * 365 * 86400), "9y");
}

TEST(Time, NowIsNow) {
  const int64_t before = now_seconds();
  const auto parsed = parse_rfc3339_seconds(now_rfc3339());
  ASSERT_TRUE(parsed);
  EXPECT_GE(*parsed, before);
  EXPECT_LE(*parsed, now_seconds());
  const auto micro = parse_rfc3339(now_rfc3339_micro());
  ASSERT_TRUE(micro);
  EXPECT_LE(*micro, now_ns());
  EXPECT_GT(*micro, now_ns() - 60 * kSecond);
}

}  // namespace
}  // namespace capstan::machinery
