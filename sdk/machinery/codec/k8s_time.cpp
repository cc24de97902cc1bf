#include "capstan/machinery/codec/k8s_time.hpp"

#include <limits>

#include "capstan/machinery/time.hpp"

namespace capstan::schema {

// The RFC 3339 forms are machinery/time.hpp's; this file adds the codec's contract (false when
// there is no form) and Go's durations.

bool parse_rfc3339(std::string_view text, int64_t& seconds, int32_t& nanos) {
  auto t = machinery::parse_rfc3339_time(text);
  if (!t) return false;
  seconds = t->seconds;
  nanos = t->nanos;
  return true;
}

bool format_rfc3339(int64_t seconds, std::string& out) {
  if (!machinery::has_rfc3339_form(seconds)) return false;
  out = machinery::format_rfc3339(seconds);
  return true;
}

bool format_rfc3339_micro(int64_t seconds, int32_t nanos, std::string& out) {
  // A Timestamp's nanos belong in [0, 1e9); Go's time.Unix normalises others into the seconds.
  int64_t extra = nanos / 1000000000;
  int32_t n = nanos % 1000000000;
  if (n < 0) {
    n += 1000000000;
    --extra;
  }
  if ((extra > 0 && seconds > std::numeric_limits<int64_t>::max() - extra) ||
      (extra < 0 && seconds < std::numeric_limits<int64_t>::min() - extra))
    return false;
  if (!machinery::has_rfc3339_form(seconds + extra)) return false;
  out = machinery::format_rfc3339_micro(machinery::UnixTime{seconds + extra, n});
  return true;
}

// ---- durations --------------------------------------------------------------------------------

bool parse_go_duration(std::string_view s, int64_t& out) {
  // As Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ with a special case for "0".
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    out = 0;
    return true;
  }
  if (s.empty()) return false;
  uint64_t total = 0;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;  // |min int64|
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) return false;
    // Integer part (Go's leadingInt).
    uint64_t v = 0;
    size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (v > kMax / 10) return false;
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kMax) return false;
      ++i;
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    // Fraction (Go's leadingFraction: digits past what fits are ignored).
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && s[j] >= '0' && s[j] <= '9'; ++j) {
        if (overflow) continue;
        if (f > (kMax - 1) / 10) {
          overflow = true;
          continue;
        }
        const uint64_t y = f * 10 + static_cast<uint64_t>(s[j] - '0');
        if (y > kMax) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return false;
    // Unit.
    size_t k = 0;
    while (k < s.size() && s[k] != '.' && !(s[k] >= '0' && s[k] <= '9')) ++k;
    if (k == 0) return false;
    const std::string_view u = s.substr(0, k);
    s.remove_prefix(k);
    uint64_t unit;
    if (u == "ns") unit = 1;
    else if (u == "us" || u == "\xc2\xb5s" || u == "\xce\xbcs") unit = 1000;
    else if (u == "ms") unit = 1000000;
    else if (u == "s") unit = 1000000000;
    else if (u == "m") unit = 60ull * 1000000000;
    else if (u == "h") unit = 3600ull * 1000000000;
    else return false;
    if (v > kMax / unit) return false;
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMax) return false;
    }
    if (v > kMax - total) return false;
    total += v;
  }
  if (neg) {
    out = total == kMax ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(total);
  } else {
    if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    out = static_cast<int64_t>(total);
  }
  return true;
}

namespace {

// Writes the fraction of v/10^prec (".123", trailing zeros and the point dropped when zero)
// right to left ending at w; returns the new start and v/10^prec.
size_t fmt_frac(char* buf, size_t w, uint64_t& v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    const auto digit = static_cast<char>(v % 10);
    print = print || digit != 0;
    if (print) buf[--w] = static_cast<char>('0' + digit);
    v /= 10;
  }
  if (print) buf[--w] = '.';
  return w;
}

size_t fmt_int(char* buf, size_t w, uint64_t v) {
  if (v == 0) {
    buf[--w] = '0';
    return w;
  }
  while (v > 0) {
    buf[--w] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return w;
}

}  // namespace

std::string format_go_duration(int64_t d) {
  char buf[40];
  size_t w = sizeof buf;
  uint64_t u = static_cast<uint64_t>(d);
  const bool neg = d < 0;
  if (neg) u = ~u + 1;
  if (u < 1000000000ull) {
    int prec = 0;
    buf[--w] = 's';
    if (u == 0) {
      buf[--w] = '0';
      return std::string(buf + w, sizeof buf - w);
    }
    if (u < 1000ull) {
      prec = 0;
      buf[--w] = 'n';
    } else if (u < 1000000ull) {
      prec = 3;
      buf[--w] = '\xb5';  // U+00B5 MICRO SIGN, as Go writes it
      buf[--w] = '\xc2';
    } else {
      prec = 6;
      buf[--w] = 'm';
    }
    w = fmt_frac(buf, w, u, prec);
    w = fmt_int(buf, w, u);
  } else {
    buf[--w] = 's';
    w = fmt_frac(buf, w, u, 9);
    w = fmt_int(buf, w, u % 60);
    u /= 60;
    if (u > 0) {
      buf[--w] = 'm';
      w = fmt_int(buf, w, u % 60);
      u /= 60;
      if (u > 0) {
        buf[--w] = 'h';
        w = fmt_int(buf, w, u);
      }
    }
  }
  if (neg) buf[--w] = '-';
  return std::string(buf + w, sizeof buf - w);
}

}  // namespace capstan::schema
