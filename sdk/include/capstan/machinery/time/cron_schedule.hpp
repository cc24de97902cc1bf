#pragma once
// Cron schedules exactly as Kubernetes reads a CronJob's spec.schedule: robfig/cron v3's
// ParseStandard (five fields minute hour day-of-month month day-of-week, names jan-dec and
// sun-sat, ranges, steps, `?`; the descriptors @yearly @annually @monthly @weekly @daily
// @midnight @hourly and `@every <Go duration>`; a leading `TZ=<zone>` or `CRON_TZ=<zone>`), with
// its error messages word for word, and its Next() computed in the schedule's time zone the way
// Go's time package does it, so that DST gaps and overlaps fire when kube-controller-manager would.
//
// Used by the CronJob kind (validation) and the CronJob controller (scheduling).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "capstan/machinery/time/time_zone.hpp"

namespace capstan::machinery {

// Go's zero time.Time (0001-01-01T00:00:00Z) in Unix seconds: what Next() returns when no time
// within five years matches (e.g. "0 0 30 2 *").
inline constexpr int64_t kZeroTime = -62135596800;

class CronSchedule {
 public:
  // Parses `spec`; on failure returns nothing and sets `error` to robfig/cron's message, e.g.
  // "expected exactly 5 fields, found 6: [*/1 * * * * *]" or "end of range (61) above maximum (59): 61".
  // Zones named with TZ=/CRON_TZ= are loaded from `zones`; a schedule without one runs in
  // `default_zone` (the controller's local zone, UTC in Capstan).
  static std::optional<CronSchedule> parse(std::string_view spec, const TimeZoneDatabase& zones, std::string* error,
                                           TimeZonePtr default_zone = nullptr);

  // The first activation strictly after `unix` (whole seconds; pass a time's floor), or kZeroTime
  // when none is found within five years.
  int64_t next(int64_t unix) const;

  bool is_every() const { return every_seconds_ > 0; }
  int64_t every_seconds() const { return every_seconds_; }
  const TimeZone& zone() const { return *zone_; }

 private:
  uint64_t second_ = 0, minute_ = 0, hour_ = 0, dom_ = 0, month_ = 0, dow_ = 0;
  int64_t every_seconds_ = 0;  // @every: the delay, whole seconds >= 1
  TimeZonePtr zone_;
};

// Go's time.ParseDuration, in nanoseconds; errors as Go words them (`time: invalid duration "x"`,
// `time: missing unit in duration "1"`, `time: unknown unit "x" in duration "1x"`).
std::optional<int64_t> parse_go_duration(std::string_view s, std::string* error);

}  // namespace capstan::machinery
