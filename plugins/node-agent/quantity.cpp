#include "quantity.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace capstan::agent {

std::optional<long double> parse_quantity(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const std::string s(text);
  const char* begin = s.c_str();
  char* end = nullptr;
  // The number part: sign, digits, one dot; strtold would also take "inf", hex and exponents we
  // check ourselves, so validate the characters first.
  size_t i = 0;
  if (s[i] == '+' || s[i] == '-') ++i;
  size_t digits = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') ++digits;
    else if (s[i] == '.' && !dot) dot = true;
    else break;
  }
  if (digits == 0) return std::nullopt;
  long double value = std::strtold(std::string(s, 0, i).c_str(), &end);
  (void)begin;
  const std::string suffix = s.substr(i);
  static const struct {
    const char* name;
    long double factor;
  } kSuffixes[] = {{"", 1.0L},          {"m", 1e-3L},  {"k", 1e3L},  {"M", 1e6L},  {"G", 1e9L},
                   {"T", 1e12L},        {"P", 1e15L},  {"E", 1e18L}, {"Ki", 1024.0L}, {"Mi", 1048576.0L},
                   {"Gi", 1073741824.0L}, {"Ti", 1099511627776.0L}, {"Pi", 1125899906842624.0L},
                   {"Ei", 1152921504606846976.0L}};
  for (const auto& sf : kSuffixes)
    if (suffix == sf.name) return value * sf.factor;
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    size_t j = 1;
    if (suffix[j] == '+' || suffix[j] == '-') ++j;
    if (j >= suffix.size()) return std::nullopt;
    for (size_t k = j; k < suffix.size(); ++k)
      if (suffix[k] < '0' || suffix[k] > '9') return std::nullopt;
    const long exp = std::strtol(suffix.c_str() + 1, nullptr, 10);
    if (exp > 30 || exp < -30) return std::nullopt;
    return value * std::pow(10.0L, static_cast<long double>(exp));
  }
  return std::nullopt;
}

std::optional<int64_t> quantity_milli(std::string_view text) {
  auto v = parse_quantity(text);
  if (!v || *v * 1000 > 9e18L || *v * 1000 < -9e18L) return std::nullopt;
  return static_cast<int64_t>(std::ceil(*v * 1000 - 1e-9L));
}

std::optional<int64_t> quantity_value(std::string_view text) {
  auto v = parse_quantity(text);
  if (!v || *v > 9e18L || *v < -9e18L) return std::nullopt;
  return static_cast<int64_t>(std::ceil(*v - 1e-9L));
}

}  // namespace capstan::agent
