#include "capstan/machinery/codec/k8s_time.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace capstan::schema {
namespace {

TEST(K8sTime, ParsesRfc3339) {
  int64_t s;
  int32_t n;
  ASSERT_TRUE(parse_rfc3339("1970-01-01T00:00:00Z", s, n));
  EXPECT_EQ(s, 0);
  ASSERT_TRUE(parse_rfc3339("2024-02-29T12:34:56Z", s, n));
  EXPECT_EQ(s, 1709210096);
  EXPECT_EQ(n, 0);
  ASSERT_TRUE(parse_rfc3339("2024-02-29T14:34:56.123456+02:00", s, n));
  EXPECT_EQ(s, 1709210096);
  EXPECT_EQ(n, 123456000);
  ASSERT_TRUE(parse_rfc3339("0001-01-01T00:00:00Z", s, n));
  EXPECT_EQ(s, kGoZeroTimeSeconds);
  ASSERT_TRUE(parse_rfc3339("1969-12-31T23:59:59Z", s, n));
  EXPECT_EQ(s, -1);
  ASSERT_TRUE(parse_rfc3339("2024-01-01T00:00:00.1234567891Z", s, n));
  EXPECT_EQ(n, 123456789);
}

TEST(K8sTime, RefusesWhatGoRefuses) {
  int64_t s;
  int32_t n;
  for (const char* bad : {"", "2024-01-01", "2024-01-01 00:00:00Z", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                          "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z", "2024-01-01T00:00:00",
                          "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+0200", "2024-01-01T00:00:00Zjunk",
                          "2024-01-01t00:00:00z", "+2024-01-01T00:00:00Z"})
    EXPECT_FALSE(parse_rfc3339(bad, s, n)) << bad;
}

TEST(K8sTime, FormatsAsMetav1) {
  std::string out;
  ASSERT_TRUE(format_rfc3339(1709210096, out));
  EXPECT_EQ(out, "2024-02-29T12:34:56Z");
  ASSERT_TRUE(format_rfc3339(-1, out));
  EXPECT_EQ(out, "1969-12-31T23:59:59Z");
  ASSERT_TRUE(format_rfc3339_micro(1709210096, 123456789, out));
  EXPECT_EQ(out, "2024-02-29T12:34:56.123456Z");
  ASSERT_TRUE(format_rfc3339_micro(0, 0, out));
  EXPECT_EQ(out, "1970-01-01T00:00:00.000000Z");
  // Negative nanos borrow from the seconds, as Go's time.Unix normalises them.
  ASSERT_TRUE(format_rfc3339_micro(10, -1000, out));
  EXPECT_EQ(out, "1970-01-01T00:00:09.999999Z");
  EXPECT_FALSE(format_rfc3339(253402300800, out));  // year 10000
  EXPECT_FALSE(format_rfc3339(std::numeric_limits<int64_t>::min(), out));
  EXPECT_FALSE(format_rfc3339_micro(std::numeric_limits<int64_t>::max(), 999999999, out));
}

TEST(K8sTime, RoundTripsOverCenturies) {
  std::string out;
  for (int64_t s = kGoZeroTimeSeconds; s < 253402300799; s += 86399 * 3659) {
    ASSERT_TRUE(format_rfc3339(s, out));
    int64_t back;
    int32_t n;
    ASSERT_TRUE(parse_rfc3339(out, back, n)) << out;
    EXPECT_EQ(back, s) << out;
  }
}

TEST(K8sTime, DurationsAsGoWritesThem) {
  EXPECT_EQ(format_go_duration(0), "0s");
  EXPECT_EQ(format_go_duration(1), "1ns");
  EXPECT_EQ(format_go_duration(1500), "1.5\xc2\xb5s");
  EXPECT_EQ(format_go_duration(1500000), "1.5ms");
  EXPECT_EQ(format_go_duration(15000000000), "15s");
  EXPECT_EQ(format_go_duration(90000000000), "1m30s");
  EXPECT_EQ(format_go_duration(3600000000000), "1h0m0s");
  EXPECT_EQ(format_go_duration(3723500000000), "1h2m3.5s");
  EXPECT_EQ(format_go_duration(-1500000000), "-1.5s");
  EXPECT_EQ(format_go_duration(std::numeric_limits<int64_t>::min()), "-2562047h47m16.854775808s");
}

TEST(K8sTime, ParsesGoDurations) {
  int64_t ns;
  struct Case {
    const char* text;
    int64_t ns;
  };
  const Case cases[] = {{"0", 0},
                        {"0s", 0},
                        {"15s", 15000000000},
                        {"1m30s", 90000000000},
                        {"1.5h", 5400000000000},
                        {"-1.5s", -1500000000},
                        {"+2ms", 2000000},
                        {"1us", 1000},
                        {"1\xc2\xb5s", 1000},
                        {"1\xce\xbcs", 1000},
                        {".5s", 500000000},
                        {"1h2m3.5s", 3723500000000},
                        {"9223372036854775807ns", std::numeric_limits<int64_t>::max()},
                        {"-9223372036854775808ns", std::numeric_limits<int64_t>::min()}};
  for (const auto& c : cases) {
    ASSERT_TRUE(parse_go_duration(c.text, ns)) << c.text;
    EXPECT_EQ(ns, c.ns) << c.text;
  }
  for (const char* bad : {"", "s", "1", "1x", ".s", "1.", "--1s", "9223372036854775808ns", "3000000h", "1s1"})
    EXPECT_FALSE(parse_go_duration(bad, ns)) << bad;
  // Every formatted duration parses back.
  for (int64_t d : {int64_t{0}, int64_t{7}, int64_t{1234}, int64_t{999999999}, int64_t{61000000001}, int64_t{-86400000000000}})
    ASSERT_TRUE(parse_go_duration(format_go_duration(d), ns) && ns == d) << d;
}

}  // namespace
}  // namespace capstan::schema
