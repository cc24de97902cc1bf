#pragma once
// RFC 3339 timestamps as Kubernetes objects carry them ("2026-01-02T03:04:05Z", UTC, whole
// seconds): creationTimestamp, lastTransitionTime, deletionTimestamp, event times.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace capstan::sdk {

// Seconds since the epoch of an RFC 3339 UTC time (fractions ignored); 0 when empty or invalid.
inline int64_t parse_time(const std::string& s) {
  std::tm tm{};
  if (s.size() < 19) return 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec) != 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

inline std::string format_time(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

inline int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

inline std::string now_rfc3339() { return format_time(now_seconds()); }

}  // namespace capstan::sdk
