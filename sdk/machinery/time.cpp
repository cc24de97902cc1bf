#include "capstan/machinery/time.hpp"

#include <chrono>
#include <cstdio>
#include <limits>

namespace capstan::machinery {
namespace {

namespace chr = std::chrono;

constexpr int64_t kNanosPerSecond = 1'000'000'000;

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

using Instant = UnixTime;

std::optional<Instant> parse(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || !digits(s, 5, 2, month) || !digits(s, 8, 2, day) || !digits(s, 11, 2, hour) ||
      !digits(s, 14, 2, minute) || !digits(s, 17, 2, second))
    return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return std::nullopt;
  const chr::year_month_day date{chr::year{year}, chr::month{static_cast<unsigned>(month)},
                                 chr::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  size_t pos = 19;
  Instant t;
  if (pos + 1 < s.size() && (s[pos] == '.' || s[pos] == ',') && s[pos + 1] >= '0' && s[pos + 1] <= '9') {
    ++pos;
    int64_t scale = kNanosPerSecond / 10;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10)
      t.nanos += static_cast<int32_t>((s[pos] - '0') * scale);
  }
  int64_t offset = 0;
  const std::string_view zone = s.substr(pos);
  if (zone != "Z") {
    int zh, zm;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' || !digits(zone, 1, 2, zh) ||
        !digits(zone, 4, 2, zm) || zh > 23 || zm > 59)
      return std::nullopt;
    offset = (zh * 3600 + zm * 60) * (zone[0] == '-' ? -1 : 1);
  }
  const int64_t days = chr::sys_days{date}.time_since_epoch().count();
  t.seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  return t;
}

// "YYYY-MM-DDThh:mm:ss" of a time in seconds.
std::string civil(int64_t seconds) {
  int64_t days = seconds / 86400, rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  const chr::year_month_day date{chr::sys_days{chr::days{days}}};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), static_cast<int>(rest / 3600),
                static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60));
  return buf;
}

Instant split(int64_t ns) {
  Instant t{ns / kNanosPerSecond, static_cast<int32_t>(ns % kNanosPerSecond)};
  if (t.nanos < 0) {
    t.nanos += kNanosPerSecond;
    --t.seconds;
  }
  return t;
}

}  // namespace

std::optional<int64_t> parse_rfc3339(std::string_view text) {
  auto t = parse(text);
  if (!t) return std::nullopt;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / kNanosPerSecond;
  if (t->seconds >= kMax || t->seconds <= -kMax) return std::nullopt;
  return t->seconds * kNanosPerSecond + t->nanos;
}

std::optional<int64_t> parse_rfc3339_seconds(std::string_view text) {
  auto t = parse(text);
  if (!t) return std::nullopt;
  return t->seconds;
}

std::optional<UnixTime> parse_rfc3339_time(std::string_view text) { return parse(text); }

bool has_rfc3339_form(int64_t unix_seconds) {
  constexpr int64_t kYear0 = -62167219200;     // 0000-01-01T00:00:00Z
  constexpr int64_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z
  return unix_seconds >= kYear0 && unix_seconds < kYear10000;
}

std::string format_rfc3339(int64_t unix_seconds) { return civil(unix_seconds) + "Z"; }

std::string format_rfc3339_micro(UnixTime t) {
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06dZ", static_cast<int>(t.nanos / 1000));
  return civil(t.seconds) + frac;
}

std::string format_rfc3339_micro(int64_t unix_ns) { return format_rfc3339_micro(split(unix_ns)); }

std::string format_rfc3339_nano_fixed(int64_t unix_ns) {
  const Instant t = split(unix_ns);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%09lldZ", static_cast<long long>(t.nanos));
  return civil(t.seconds) + frac;
}

std::string human_duration(int64_t seconds) {
  // Two seconds of skew between machines still count as "now".
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  const int64_t minutes = seconds / 60;
  if (minutes < 10) {
    const int64_t s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  const int64_t hours = seconds / 3600;
  if (hours < 8) {
    const int64_t m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    const int64_t h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    const int64_t dy = hours / 24 % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y"
                   : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

int64_t now_ns() {
  return chr::duration_cast<chr::nanoseconds>(chr::system_clock::now().time_since_epoch()).count();
}

int64_t now_seconds() {
  return chr::duration_cast<chr::seconds>(chr::system_clock::now().time_since_epoch()).count();
}

std::string now_rfc3339() { return format_rfc3339(now_seconds()); }
std::string now_rfc3339_micro() { return format_rfc3339_micro(now_ns()); }

}  // namespace capstan::machinery
