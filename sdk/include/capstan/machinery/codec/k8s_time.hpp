#pragma once
// The text forms of Kubernetes' time types, converted to and from the numbers protobuf carries:
// metav1.Time and metav1.MicroTime as RFC 3339 (Go's time.RFC3339 and RFC3339Micro layouts) and
// metav1.Duration as Go's time.Duration writes it ("1h2m3.5s"). Strict: what Go refuses is
// refused here, so a stored object never carries a time protobuf cannot represent.

#include <cstdint>
#include <string>
#include <string_view>

namespace capstan::schema {

// Go's zero time.Time (January 1, year 1, UTC) in Unix seconds: metav1.Time writes nothing for it.
inline constexpr int64_t kGoZeroTimeSeconds = -62135596800;

// Parses RFC 3339 ("2026-01-02T03:04:05Z", "...05.123456+02:00"): seconds since the Unix epoch
// and the nanoseconds of the fraction (digits past nine are dropped, as Go does).
bool parse_rfc3339(std::string_view text, int64_t& seconds, int32_t& nanos);

// "2026-01-02T03:04:05Z" (UTC, whole seconds), as metav1.Time writes JSON. Years outside
// 0000..9999 have no RFC 3339 form: false.
bool format_rfc3339(int64_t seconds, std::string& out);
// "2026-01-02T03:04:05.123456Z", as metav1.MicroTime writes JSON (nanoseconds truncated).
bool format_rfc3339_micro(int64_t seconds, int32_t nanos, std::string& out);

// Go's time.ParseDuration: "300ms", "-1.5h", "2h45m"; units ns, us (µs, μs), ms, s, m, h.
bool parse_go_duration(std::string_view text, int64_t& nanoseconds);
// Go's time.Duration.String(): "0s", "1.5s", "2m0s", "1h0m0s", "500ms", "1µs".
std::string format_go_duration(int64_t nanoseconds);

}  // namespace capstan::schema
