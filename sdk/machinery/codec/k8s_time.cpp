#include "capstan/machinery/codec/k8s_time.hpp"

#include <cstdio>
#include <limits>

namespace capstan::schema {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Splits seconds since the epoch into a civil date and time of day, UTC.
bool civil(int64_t seconds, int64_t& y, unsigned& mo, unsigned& d, int& h, int& mi, int& s) {
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  civil_from_days(days, y, mo, d);
  h = static_cast<int>(rem / 3600);
  mi = static_cast<int>(rem % 3600 / 60);
  s = static_cast<int>(rem % 60);
  return y >= 0 && y <= 9999;
}

}  // namespace

bool parse_rfc3339(std::string_view t, int64_t& seconds, int32_t& nanos) {
  int year, month, day, hour, minute, second;
  if (!digits(t, 0, 4, year) || t.size() < 20 || t[4] != '-' || !digits(t, 5, 2, month) || t[7] != '-' ||
      !digits(t, 8, 2, day) || t[10] != 'T' || !digits(t, 11, 2, hour) || t[13] != ':' || !digits(t, 14, 2, minute) ||
      t[16] != ':' || !digits(t, 17, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || static_cast<unsigned>(day) > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59)
    return false;
  size_t pos = 19;
  nanos = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    const size_t start = pos;
    int32_t scale = 100000000;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      nanos += (t[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return false;
  }
  int64_t offset = 0;
  if (pos < t.size() && t[pos] == 'Z') {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    int oh, om;
    if (!digits(t, pos + 1, 2, oh) || pos + 3 >= t.size() || t[pos + 3] != ':' || !digits(t, pos + 4, 2, om) || oh > 23 ||
        om > 59)
      return false;
    offset = (oh * 3600 + om * 60) * (t[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != t.size()) return false;
  seconds = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600 +
            minute * 60 + second - offset;
  return true;
}

bool format_rfc3339(int64_t seconds, std::string& out) {
  int64_t y;
  unsigned mo, d;
  int h, mi, s;
  if (!civil(seconds, y, mo, d, h, mi, s)) return false;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), mo, d, h, mi, s);
  out = buf;
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
  int64_t y;
  unsigned mo, d;
  int h, mi, s;
  if (!civil(seconds + extra, y, mo, d, h, mi, s)) return false;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<long long>(y), mo, d, h, mi, s,
                n / 1000);
  out = buf;
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
