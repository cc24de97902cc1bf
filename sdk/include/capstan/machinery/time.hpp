#pragma once
// RFC 3339 times as Kubernetes objects and logs carry them. A time is an int64 count since the
// Unix epoch, UTC: nanoseconds where the API keeps fractions (MicroTime, logs, the node agent's
// clock), seconds for metav1.Time.
//
//   metav1.Time       "2026-01-02T03:04:05Z"                 format_rfc3339(seconds)
//   metav1.MicroTime  "2026-01-02T03:04:05.123456Z"          format_rfc3339_micro(ns)
//   CRI log lines     "2026-01-02T03:04:05.123456789Z"       format_rfc3339_nano_fixed(ns)
//                     (kubelet's RFC3339NanoFixed: always nine digits, so lines sort as text)

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace capstan::machinery {

// What Go's time.Parse(time.RFC3339, text) accepts: "YYYY-MM-DDThh:mm:ss", an optional fraction
// of a second ('.' or ',' and one or more digits; digits past the ninth are dropped), then "Z" or
// a "+hh:mm"/"-hh:mm" offset. Fields in range (no second 60), the day valid for its month.
// Returns nanoseconds since the epoch, UTC; nullopt when malformed or outside what int64
// nanoseconds hold (years 1678..2261).
std::optional<int64_t> parse_rfc3339(std::string_view text);
// The same, in whole seconds (rounded down); every year 0000..9999 fits.
std::optional<int64_t> parse_rfc3339_seconds(std::string_view text);

// A time as protobuf's Timestamp holds it: seconds since the epoch and the nanoseconds past them
// (0..999999999). Every year 0000..9999 fits (the codec's metav1.Time and MicroTime use this).
struct UnixTime {
  int64_t seconds = 0;
  int32_t nanos = 0;
};
std::optional<UnixTime> parse_rfc3339_time(std::string_view text);

// Whether a time in seconds has an RFC 3339 form: its year is 0000..9999.
bool has_rfc3339_form(int64_t unix_seconds);

// Formatting a time without an RFC 3339 form (has_rfc3339_form) gives an unspecified string.
std::string format_rfc3339(int64_t unix_seconds);
std::string format_rfc3339_micro(int64_t unix_ns);
std::string format_rfc3339_micro(UnixTime time);  // nanos in 0..999999999
std::string format_rfc3339_nano_fixed(int64_t unix_ns);

// apimachinery's duration.HumanDuration, how kubectl's AGE and a Job's DURATION read: "59s",
// "2m5s", "10m", "3h1m", "30h", "3d1h", "400d", "2y30d", "9y"; a second of clock skew is "0s",
// more is "<invalid>".
std::string human_duration(int64_t seconds);

int64_t now_ns();
int64_t now_seconds();
std::string now_rfc3339();
std::string now_rfc3339_micro();

}  // namespace capstan::machinery
