#include "capstan/machinery/quantity.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace capstan::machinery {
namespace {

// Upstream's error values (resource.ErrFormatWrong, ErrSuffix).
constexpr const char* kFormatWrong =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr const char* kSuffixWrong = "unable to parse quantity's suffix";
constexpr const char* kNumericWrong = "unable to parse numeric part of quantity";

constexpr int64_t kNano = -9;                          // the finest scale a parsed value keeps
constexpr std::string_view kMaxBinary = "9223372036854775807";  // 2^63-1: where BinarySI values are capped
constexpr std::string_view kInt64Max = "9223372036854775807";
constexpr std::string_view kInt64MinMagnitude = "9223372036854775808";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ---- unsigned decimal magnitudes as digit strings, most significant digit first

void strip_leading_zeros(std::string& d) {
  size_t i = 0;
  while (i < d.size() && d[i] == '0') ++i;
  d.erase(0, i);
}

// d *= m (m < 2^32).
void multiply_small(std::string& d, uint32_t m) {
  uint64_t carry = 0;
  for (size_t i = d.size(); i-- > 0;) {
    uint64_t v = static_cast<uint64_t>(d[i] - '0') * m + carry;
    d[i] = static_cast<char>('0' + v % 10);
    carry = v / 10;
  }
  std::string head;
  while (carry) {
    head.push_back(static_cast<char>('0' + carry % 10));
    carry /= 10;
  }
  std::reverse(head.begin(), head.end());
  d.insert(0, head);
}

// q = d / m, returns d % m (m < 2^32).
uint32_t divide_small(const std::string& d, uint32_t m, std::string& q) {
  q.clear();
  uint64_t rem = 0;
  for (char c : d) {
    rem = rem * 10 + static_cast<uint64_t>(c - '0');
    q.push_back(static_cast<char>('0' + rem / m));
    rem %= m;
  }
  strip_leading_zeros(q);
  return static_cast<uint32_t>(rem);
}

void increment(std::string& d) {
  for (size_t i = d.size(); i-- > 0;) {
    if (d[i] != '9') {
      ++d[i];
      return;
    }
    d[i] = '0';
  }
  d.insert(d.begin(), '1');
}

// Compares a*10^ea with b*10^eb, both normalised (no leading or trailing zeros) and non-empty.
int compare_magnitudes(const std::string& a, int64_t ea, const std::string& b, int64_t eb) {
  const int64_t top_a = static_cast<int64_t>(a.size()) + ea, top_b = static_cast<int64_t>(b.size()) + eb;
  if (top_a != top_b) return top_a < top_b ? -1 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const char ca = i < a.size() ? a[i] : '0', cb = i < b.size() ? b[i] : '0';
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  return 0;
}

// Whole numbers as digit strings of equal length: a + b and a - b (a >= b).
std::string add_aligned(const std::string& a, const std::string& b) {
  std::string out(a.size(), '0');
  int carry = 0;
  for (size_t i = a.size(); i-- > 0;) {
    int v = (a[i] - '0') + (b[i] - '0') + carry;
    out[i] = static_cast<char>('0' + v % 10);
    carry = v / 10;
  }
  if (carry) out.insert(out.begin(), '1');
  return out;
}

std::string subtract_aligned(const std::string& a, const std::string& b) {
  std::string out(a.size(), '0');
  int borrow = 0;
  for (size_t i = a.size(); i-- > 0;) {
    int v = (a[i] - '0') - (b[i] - '0') - borrow;
    borrow = v < 0;
    out[i] = static_cast<char>('0' + (v + 10) % 10);
  }
  return out;
}

struct Suffix {
  int base = 10;      // 10 or 2
  int64_t exponent = 0;
  Quantity::Format format = Quantity::Format::kDecimalSI;
};

// quantitySuffixer.interpret.
std::optional<Suffix> interpret(std::string_view s) {
  using F = Quantity::Format;
  static constexpr struct {
    std::string_view text;
    int base;
    int exponent;
  } kTable[] = {{"", 10, 0},   {"n", 10, -9}, {"u", 10, -6}, {"m", 10, -3}, {"k", 10, 3},  {"M", 10, 6},
                {"G", 10, 9},  {"T", 10, 12}, {"P", 10, 15}, {"E", 10, 18}, {"Ki", 2, 10}, {"Mi", 2, 20},
                {"Gi", 2, 30}, {"Ti", 2, 40}, {"Pi", 2, 50}, {"Ei", 2, 60}};
  for (const auto& t : kTable)
    if (s == t.text) return Suffix{t.base, t.exponent, t.base == 2 ? F::kBinarySI : F::kDecimalSI};
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    // strconv.ParseInt(s[1:], 10, 64), then the int32 bound of Scale (a negated MinInt32 overflows).
    std::string_view n = s.substr(1);
    bool negative = false;
    if (n[0] == '+' || n[0] == '-') {
      negative = n[0] == '-';
      n.remove_prefix(1);
    }
    if (n.empty()) return std::nullopt;
    int64_t v = 0;
    for (char c : n) {
      if (!is_digit(c)) return std::nullopt;
      v = v * 10 + (c - '0');
      if (v > std::numeric_limits<int32_t>::max()) return std::nullopt;
    }
    return Suffix{10, negative ? -v : v, F::kDecimalExponent};
  }
  return std::nullopt;
}

std::string_view decimal_suffix(int64_t exponent) {
  switch (exponent) {
    case -9: return "n";
    case -6: return "u";
    case -3: return "m";
    case 0: return "";
    case 3: return "k";
    case 6: return "M";
    case 9: return "G";
    case 12: return "T";
    case 15: return "P";
    case 18: return "E";
    default: return "?";
  }
}

}  // namespace

void Quantity::normalize() {
  strip_leading_zeros(digits_);
  if (digits_.empty()) {
    negative_ = false;
    exponent_ = 0;
    return;
  }
  size_t zeros = 0;
  while (zeros < digits_.size() && digits_[digits_.size() - 1 - zeros] == '0') ++zeros;
  digits_.resize(digits_.size() - zeros);
  exponent_ += static_cast<int64_t>(zeros);
}

std::optional<Quantity> Quantity::parse(std::string_view str, std::string* error) {
  auto fail = [&](const char* message) -> std::optional<Quantity> {
    if (error) *error = message;
    return std::nullopt;
  };
  if (str.empty()) return fail(kFormatWrong);
  // parseQuantityString: sign, leading zeros, numerator, optional denominator, then the suffix
  // (letters of "eEinumkKMGTP", an optional sign, digits) — nothing may follow it.
  const size_t end = str.size();
  size_t pos = 0;
  bool positive = true;
  if (str[0] == '-') {
    positive = false;
    ++pos;
  } else if (str[0] == '+') {
    ++pos;
  }
  while (pos < end && str[pos] == '0') ++pos;
  Quantity q;
  if (pos >= end) return q;  // only zeros (or only a sign): 0, DecimalSI
  const size_t num_start = pos;
  while (pos < end && is_digit(str[pos])) ++pos;
  std::string_view num = str.substr(num_start, pos - num_start), denom, suffix;
  if (pos < end && str[pos] == '.') {
    const size_t denom_start = ++pos;
    while (pos < end && is_digit(str[pos])) ++pos;
    denom = str.substr(denom_start, pos - denom_start);
  }
  if (pos < end) {
    const size_t suffix_start = pos;
    while (pos < end && std::string_view("eEinumkKMGTP").find(str[pos]) != std::string_view::npos) ++pos;
    if (pos < end && (str[pos] == '-' || str[pos] == '+')) ++pos;
    while (pos < end && is_digit(str[pos])) ++pos;
    if (pos < end) return fail(kFormatWrong);
    suffix = str.substr(suffix_start);
  }
  auto sfx = interpret(suffix);
  if (!sfx) return fail(kSuffixWrong);

  q.negative_ = !positive;
  q.format_ = sfx->format;
  q.digits_ = std::string(num) + std::string(denom);
  strip_leading_zeros(q.digits_);
  q.exponent_ = -static_cast<int64_t>(denom.size());
  if (sfx->base == 10) {
    q.exponent_ += sfx->exponent;
  } else {
    for (int64_t bits = sfx->exponent; bits > 0; bits -= 30)
      multiply_small(q.digits_, uint32_t{1} << std::min<int64_t>(bits, 30));
  }
  // Round non-zero values up (away from zero) to nano: "if you want some resources, you should get
  // some resources, even if you asked for way too small of an amount".
  if (!q.digits_.empty() && q.exponent_ < kNano) {
    const int64_t drop = kNano - q.exponent_;
    if (drop >= static_cast<int64_t>(q.digits_.size())) {
      q.digits_ = "1";
    } else {
      const size_t keep = q.digits_.size() - static_cast<size_t>(drop);
      const bool inexact = q.digits_.find_first_not_of('0', keep) != std::string::npos;
      q.digits_.resize(keep);
      if (inexact) increment(q.digits_);
      strip_leading_zeros(q.digits_);
      if (q.digits_.empty()) q.digits_ = "0";
    }
    q.exponent_ = kNano;
  }
  q.normalize();
  // The canonical string's exponent must read back (it is an int32 scale upstream, which
  // overflows beyond this): "19000E2147483647" is refused rather than written as garbage.
  if (q.exponent_ - ((q.exponent_ % 3) + 3) % 3 > std::numeric_limits<int32_t>::max()) return fail(kNumericWrong);
  if (q.format_ == Format::kBinarySI && !q.digits_.empty()) {
    if (compare_magnitudes(q.digits_, q.exponent_, std::string(kMaxBinary), 0) > 0) {
      q.digits_ = std::string(kMaxBinary);
      q.exponent_ = 0;
      q.normalize();
    }
    // A binary quantity below 1 has no binary spelling.
    if (static_cast<int64_t>(q.digits_.size()) + q.exponent_ <= 0) q.format_ = Format::kDecimalSI;
  }
  return q;
}

Quantity Quantity::from_scaled(int64_t value, int32_t scale) {
  Quantity q;
  q.negative_ = value < 0;
  const uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  q.digits_ = std::to_string(magnitude);
  q.exponent_ = scale;
  q.normalize();
  return q;
}

Quantity Quantity::from_int64(int64_t value, Format format) {
  Quantity q = from_scaled(value, 0);
  q.format_ = format;
  return q;
}

Quantity Quantity::from_milli(int64_t milli, Format format) {
  Quantity q = from_scaled(milli, -3);
  q.format_ = format;
  return q;
}

std::string Quantity::to_string() const {
  if (digits_.empty()) return "0";
  const std::string sign = negative_ ? "-" : "";
  if (format_ == Format::kBinarySI) {
    const int64_t top = static_cast<int64_t>(digits_.size()) + exponent_;
    // |q| >= 1024, a whole number, and small enough to spell in binary units.
    const bool at_least_1024 = top > 4 || (top == 4 && compare_magnitudes(digits_, exponent_, "1024", 0) >= 0);
    if (at_least_1024 && exponent_ >= 0 && top <= static_cast<int64_t>(kMaxDigits)) {
      std::string whole = digits_ + std::string(static_cast<size_t>(exponent_), '0'), quotient;
      int power = 0;
      while (power < 7 && divide_small(whole, 1024, quotient) == 0) {
        whole.swap(quotient);
        ++power;
      }
      static constexpr std::string_view kBinary[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
      if (power <= 6) return sign + whole + std::string(kBinary[power]);
      // Beyond Ei there is no binary suffix: the decimal form below keeps the value exact.
    }
  }
  // DecimalSI and DecimalExponent: the exponent lowered to a multiple of 3, the number grown to match.
  std::string number = digits_;
  int64_t exponent = exponent_;
  const int64_t down = ((exponent % 3) + 3) % 3;
  number.append(static_cast<size_t>(down), '0');
  exponent -= down;
  std::string_view suffix = format_ == Format::kDecimalExponent ? (exponent == 0 ? "" : "?") : decimal_suffix(exponent);
  if (suffix == "?") return sign + number + "e" + std::to_string(exponent);
  return sign + number + std::string(suffix);
}

int64_t Quantity::scaled_value(int32_t scale) const {
  if (digits_.empty()) return 0;
  const int64_t exponent = exponent_ - scale;
  std::string whole;
  if (exponent >= 0) {
    if (static_cast<int64_t>(digits_.size()) + exponent > 19) {
      whole = "99999999999999999999";  // beyond int64 either way
    } else {
      whole = digits_ + std::string(static_cast<size_t>(exponent), '0');
    }
  } else {
    // A fraction remains (the last digit is not zero): round away from zero.
    const int64_t drop = -exponent;
    whole = drop >= static_cast<int64_t>(digits_.size()) ? "0" : digits_.substr(0, digits_.size() - static_cast<size_t>(drop));
    increment(whole);
    strip_leading_zeros(whole);
  }
  const std::string_view limit = negative_ ? kInt64MinMagnitude : kInt64Max;
  if (whole.size() > limit.size() || (whole.size() == limit.size() && whole > limit))
    return negative_ ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  const uint64_t magnitude = std::stoull(whole);
  return negative_ ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

int Quantity::compare(const Quantity& other) const {
  if (sign() != other.sign()) return sign() < other.sign() ? -1 : 1;
  if (digits_.empty()) return 0;
  const int m = compare_magnitudes(digits_, exponent_, other.digits_, other.exponent_);
  return negative_ ? -m : m;
}

void Quantity::add(const Quantity& other) { add_signed(other, false); }
void Quantity::sub(const Quantity& other) { add_signed(other, true); }

void Quantity::add_signed(const Quantity& other, bool subtract) {
  if (digits_.empty()) format_ = other.format_;
  if (other.digits_.empty()) return;
  const bool other_negative = other.negative_ != subtract;
  if (digits_.empty()) {
    digits_ = other.digits_;
    exponent_ = other.exponent_;
    negative_ = other_negative;
    return;
  }
  const int64_t low = std::min(exponent_, other.exponent_);
  const int64_t top = std::max(static_cast<int64_t>(digits_.size()) + exponent_,
                               static_cast<int64_t>(other.digits_.size()) + other.exponent_);
  if (top - low + 1 > static_cast<int64_t>(kMaxDigits))
    throw std::length_error("quantity arithmetic: the exact result needs more than " + std::to_string(kMaxDigits) +
                            " digits");
  const size_t width = static_cast<size_t>(top - low);
  auto align = [&](const std::string& d, int64_t e) {
    std::string out = d + std::string(static_cast<size_t>(e - low), '0');
    return std::string(width - out.size(), '0') + out;
  };
  const std::string a = align(digits_, exponent_), b = align(other.digits_, other.exponent_);
  if (negative_ == other_negative) {
    digits_ = add_aligned(a, b);
  } else if (a >= b) {
    digits_ = subtract_aligned(a, b);
  } else {
    digits_ = subtract_aligned(b, a);
    negative_ = other_negative;
  }
  exponent_ = low;
  normalize();
}

std::optional<int64_t> milli_value_of(std::string_view text) {
  auto q = Quantity::parse(text);
  if (!q) return std::nullopt;
  return q->milli_value();
}

std::optional<int64_t> value_of(std::string_view text) {
  auto q = Quantity::parse(text);
  if (!q) return std::nullopt;
  return q->value();
}

}  // namespace capstan::machinery
