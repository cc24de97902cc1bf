// Cases from apimachinery's quantity_test.go (TestQuantityParse, TestQuantityString,
// TestQuantityParseEmit, the invalid list) and the values the scheduler and node agent rely on.
#include "capstan/machinery/quantity.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace capstan::machinery {
namespace {

using F = Quantity::Format;

Quantity q(std::string_view text) {
  auto parsed = Quantity::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(Quantity());
}

std::string canonical(std::string_view text) { return q(text).to_string(); }

TEST(Quantity, ParsesUpstreamsGrammar) {
  struct Case {
    const char* in;
    const char* canonical;
    F format;
  } cases[] = {
      {"0", "0", F::kDecimalSI},           {"0n", "0", F::kDecimalSI},          {"0Ki", "0", F::kBinarySI},
      {"1", "1", F::kDecimalSI},           {"1Ki", "1Ki", F::kBinarySI},        {"8Ki", "8Ki", F::kBinarySI},
      {"7Mi", "7Mi", F::kBinarySI},        {"3Ei", "3Ei", F::kBinarySI},        {"100Ti", "100Ti", F::kBinarySI},
      {"5n", "5n", F::kDecimalSI},         {"4u", "4u", F::kDecimalSI},         {"3m", "3m", F::kDecimalSI},
      {"50k", "50k", F::kDecimalSI},       {"40T", "40T", F::kDecimalSI},       {"1E", "1E", F::kDecimalSI},
      {"1E-3", "1e-3", F::kDecimalExponent}, {"1e3", "1e3", F::kDecimalExponent}, {"1e14", "100e12", F::kDecimalExponent},
      {"100.035k", "100035", F::kDecimalSI}, {"0.001", "1m", F::kDecimalSI},     {"0.0005k", "500m", F::kDecimalSI},
      {"0.5e-2", "5e-3", F::kDecimalExponent}, {"10.035M", "10035k", F::kDecimalSI}, {"1.2e3", "1200", F::kDecimalExponent},
      {"1.3E+6", "1300e3", F::kDecimalExponent}, {"9.01", "9010m", F::kDecimalSI}, {"6.987654321G", "6987654321", F::kDecimalSI},
      {"12E", "12E", F::kDecimalSI},       {"100.035Ki", "102435840m", F::kBinarySI}, {"0.5Mi", "512Ki", F::kBinarySI},
      {".001", "1m", F::kDecimalSI},       {".0001k", "100m", F::kDecimalSI},   {"1.", "1", F::kDecimalSI},
      {"1.G", "1G", F::kDecimalSI},        {"+1", "1", F::kDecimalSI},          {"-1.5", "-1500m", F::kDecimalSI},
  };
  for (const auto& c : cases) {
    auto parsed = Quantity::parse(c.in);
    ASSERT_TRUE(parsed) << c.in;
    EXPECT_EQ(parsed->to_string(), c.canonical) << c.in;
    EXPECT_EQ(parsed->format(), c.format) << c.in;
  }
}

TEST(Quantity, RoundsUpToNanoAndCapsBinary) {
  EXPECT_EQ(canonical("3.001n"), "4n");
  EXPECT_EQ(canonical("1.1E-9"), "2e-9");
  EXPECT_EQ(canonical("0.0000000001"), "1n");
  EXPECT_EQ(canonical("0.00000012345"), "124n");
  EXPECT_EQ(canonical("0.9n"), "1n");
  EXPECT_EQ(canonical("-0.9n"), "-1n");  // away from zero
  // Trolls: a tiny binary value rounds up and becomes DecimalSI.
  auto tiny = q("0.000000000001Ki");
  EXPECT_EQ(tiny.to_string(), "2n");
  EXPECT_EQ(tiny.format(), F::kDecimalSI);
  // BinarySI stops at 2^63-1; DecimalSI does not.
  EXPECT_EQ(q("9Ei"), q("9223372036854775807"));
  EXPECT_EQ(q("9223372036854775807Ki"), q("9223372036854775807"));
  EXPECT_EQ(canonical("20E"), "20E");
}

TEST(Quantity, OnlyZerosOrASignReadAsZero) {
  for (const char* z : {"0", "000", "-", "+", ".", "-.", "-0", "+0.000"}) {
    auto parsed = Quantity::parse(z);
    ASSERT_TRUE(parsed) << z;
    EXPECT_TRUE(parsed->is_zero()) << z;
    EXPECT_EQ(parsed->to_string(), "0") << z;
  }
}

TEST(Quantity, RefusesWhatUpstreamRefuses) {
  for (const char* bad : {"", "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-",
                          "1e4294967297", "1E2147483648", "1e-2147483648", " 1", "1 ", "1Qi", "1KiB", "1e"}) {
    EXPECT_FALSE(Quantity::parse(bad)) << bad;
  }
  EXPECT_FALSE(Quantity::parse(std::string_view("1\0k", 3)));
  std::string why;
  EXPECT_FALSE(Quantity::parse("1.1.M", &why));
  EXPECT_EQ(why, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  EXPECT_FALSE(Quantity::parse("1i", &why));
  EXPECT_EQ(why, "unable to parse quantity's suffix");
  EXPECT_TRUE(Quantity::parse("1E2147483647"));
  EXPECT_FALSE(Quantity::parse("19999999999999999000E2147483647", &why));  // could not be written back
  EXPECT_EQ(why, "unable to parse numeric part of quantity");
  // As upstream's scanner: a suffix with no number before it is zero.
  EXPECT_TRUE(Quantity::parse("e3") && Quantity::parse("e3")->is_zero());
  EXPECT_TRUE(Quantity::parse("1e-00000000000000003"));
}

TEST(Quantity, CanonicalFormAsUpstreamEmitsIt) {
  EXPECT_EQ(canonical("1024Mi"), "1Gi");
  EXPECT_EQ(canonical("1000M"), "1G");
  EXPECT_EQ(canonical(".001Ki"), "1024m");
  EXPECT_EQ(canonical(".000001Ki"), "1024u");
  EXPECT_EQ(canonical(".000000001Ki"), "1024n");
  EXPECT_EQ(canonical("1.5Gi"), "1536Mi");
  EXPECT_EQ(canonical("1.5"), "1500m");
  EXPECT_EQ(canonical("300Mi"), "300Mi");
  EXPECT_EQ(canonical("1025"), "1025");
  EXPECT_EQ(canonical("0.001T"), "1G");
  EXPECT_EQ(canonical("1080000000n"), "1080m");
  EXPECT_EQ(canonical("-1.08"), "-1080m");
  // Binary values below 1024 and non-whole ones are written as DecimalSI.
  EXPECT_EQ(Quantity::from_int64(5, F::kBinarySI).to_string(), "5");
  EXPECT_EQ(Quantity::from_int64(1000, F::kBinarySI).to_string(), "1k");
  EXPECT_EQ(Quantity::from_milli(500, F::kBinarySI).to_string(), "500m");
  EXPECT_EQ(Quantity::from_milli(1024500, F::kBinarySI).to_string(), "1024500m");
  EXPECT_EQ(Quantity::from_int64(2000, F::kBinarySI).to_string(), "2000");
  EXPECT_EQ(Quantity::from_int64(-2048, F::kBinarySI).to_string(), "-2Ki");
  // No suffix beyond E, below n, or beyond Ei: the exponent form keeps the value.
  EXPECT_EQ(Quantity::from_scaled(1, 21).to_string(), "1e21");
  EXPECT_EQ(Quantity::from_scaled(5, 21).to_string(), "5e21");
  EXPECT_EQ(Quantity::from_scaled(1, -12).to_string(), "1e-12");
  EXPECT_EQ(Quantity::from_scaled(1, -10).to_string(), "100e-12");
  EXPECT_EQ(canonical("1000E"), "1e21");
  Quantity big = q("1Ei");
  Quantity one_ei = big;
  for (int i = 1; i < 1024; ++i) big.add(one_ei);  // 2^70
  EXPECT_EQ(big.to_string(), "1180591620717411303424");
  EXPECT_EQ(q(big.to_string()), big);
}

TEST(Quantity, ValuesRoundUpAwayFromZero) {
  EXPECT_EQ(q("500m").milli_value(), 500);
  EXPECT_EQ(q("500m").value(), 1);
  EXPECT_EQ(q("1.5").milli_value(), 1500);
  EXPECT_EQ(q("2.0001").value(), 3);
  EXPECT_EQ(q("0.1m").milli_value(), 1);  // 100u
  EXPECT_EQ(q("1n").milli_value(), 1);
  EXPECT_EQ(q("64Mi").value(), 64 << 20);
  EXPECT_EQ(q("1G").value(), 1'000'000'000);
  EXPECT_EQ(q("2e3").value(), 2000);
  EXPECT_EQ(q("-1.5").value(), -2);
  EXPECT_EQ(q("1").scaled_value(3), 1);  // ceil(1/1000)
  EXPECT_EQ(q("1k").scaled_value(3), 1);
  EXPECT_EQ(q("0").milli_value(), 0);
  // Saturating at the int64 limits.
  EXPECT_EQ(q("10E").value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(q("9223372036854775807").value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(q("9223372036854775807").milli_value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(q("-9223372036854775808").value(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(q("-20E").value(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(q("1e2147483647").value(), std::numeric_limits<int64_t>::max());
}

TEST(Quantity, ComparesValuesNotSpellings) {
  EXPECT_EQ(q("1Ki"), q("1024"));
  EXPECT_EQ(q("1000m"), q("1"));
  EXPECT_EQ(q("1e3"), q("1k"));
  EXPECT_LT(q("50m"), q("100m"));
  EXPECT_LT(q("100Gi"), q("10000T"));
  EXPECT_LT(q("-1"), q("0"));
  EXPECT_LT(q("-2"), q("-1"));
  EXPECT_EQ(q("0"), q("0Ki"));
  EXPECT_EQ(q("1.10"), q("1.1"));
  EXPECT_LT(q("1.1"), q("1.11"));
}

TEST(Quantity, AddsAndSubtractsExactly) {
  Quantity sum;  // zero: takes the format of what is added
  sum.add(q("1Gi"));
  sum.add(q("512Mi"));
  EXPECT_EQ(sum.to_string(), "1536Mi");
  EXPECT_EQ(sum.format(), F::kBinarySI);
  Quantity cpu = q("100m");
  cpu.add(q("1.5"));
  EXPECT_EQ(cpu.to_string(), "1600m");
  cpu.sub(q("2"));
  EXPECT_EQ(cpu.to_string(), "-400m");
  cpu.negate();
  EXPECT_EQ(cpu.to_string(), "400m");
  cpu.sub(q("400m"));
  EXPECT_TRUE(cpu.is_zero());
  EXPECT_EQ(cpu.to_string(), "0");
  Quantity zero;
  zero.sub(q("100m"));
  EXPECT_EQ(zero.to_string(), "-100m");
  Quantity huge = q("1e100000");
  EXPECT_THROW(huge.add(q("1")), std::length_error);
}

}  // namespace
}  // namespace capstan::machinery
