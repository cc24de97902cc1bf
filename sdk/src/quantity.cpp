#include "capstan/quantity.hpp"

#include <cmath>
#include <limits>

namespace capstan::sdk {
namespace {

// The quantity as value = mantissa * 10^dec_exp * 2^bin_exp, or nullopt when malformed.
struct Parsed {
  long double mantissa = 0;
  int dec_exp = 0;
  int bin_exp = 0;
};

std::optional<Parsed> parse(std::string_view s) {
  Parsed p;
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  bool digits = false, point = false;
  int frac_digits = 0;
  long double m = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      m = m * 10 + (c - '0');
      digits = true;
      if (point) ++frac_digits;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!digits) return std::nullopt;
  p.mantissa = negative ? -m : m;
  p.dec_exp = -frac_digits;
  std::string_view suffix = s.substr(i);
  if (suffix.empty()) return p;
  // An exponent ("1e3", "1E-2") rather than the exa suffix "E".
  if ((suffix[0] == 'e' || suffix[0] == 'E') && suffix.size() > 1) {
    size_t j = 1;
    bool neg = false;
    if (suffix[j] == '+' || suffix[j] == '-') neg = suffix[j++] == '-';
    if (j >= suffix.size()) return std::nullopt;
    int e = 0;
    for (; j < suffix.size(); ++j) {
      if (suffix[j] < '0' || suffix[j] > '9' || e > 1000) return std::nullopt;
      e = e * 10 + (suffix[j] - '0');
    }
    p.dec_exp += neg ? -e : e;
    return p;
  }
  struct Suffix { std::string_view s; int dec, bin; };
  static constexpr Suffix kSuffixes[] = {
      {"n", -9, 0}, {"u", -6, 0}, {"m", -3, 0}, {"k", 3, 0}, {"M", 6, 0}, {"G", 9, 0}, {"T", 12, 0},
      {"P", 15, 0}, {"E", 18, 0}, {"Ki", 0, 10}, {"Mi", 0, 20}, {"Gi", 0, 30}, {"Ti", 0, 40},
      {"Pi", 0, 50}, {"Ei", 0, 60}};
  for (const auto& x : kSuffixes) {
    if (suffix == x.s) {
      p.dec_exp += x.dec;
      p.bin_exp = x.bin;
      return p;
    }
  }
  return std::nullopt;
}

std::optional<int64_t> scaled(std::string_view s, int extra_dec_exp) {
  auto p = parse(s);
  if (!p) return std::nullopt;
  long double v = p->mantissa * std::pow(10.0L, p->dec_exp + extra_dec_exp) * std::ldexp(1.0L, p->bin_exp);
  // Round up, as Quantity does, but forgive the binary noise of decimal fractions.
  long double r = std::nearbyint(v);
  long double out = std::fabs(v - r) < 1e-9L * std::max<long double>(1, std::fabs(v)) ? r : std::ceil(v);
  if (out >= static_cast<long double>(std::numeric_limits<int64_t>::max())) return std::numeric_limits<int64_t>::max();
  if (out <= static_cast<long double>(std::numeric_limits<int64_t>::min())) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(out);
}

}  // namespace

std::optional<int64_t> parse_milli(std::string_view quantity) { return scaled(quantity, 3); }
std::optional<int64_t> parse_value(std::string_view quantity) { return scaled(quantity, 0); }

}  // namespace capstan::sdk
