#pragma once
// IANA time zones read from the system's TZif files (/usr/share/zoneinfo), and the few calendar
// operations of Go's time package that Kubernetes' cron schedules are defined by: a zone's offset
// at an instant (with the span it holds for, as Go's Location.lookup), civil fields of an instant
// in a zone, and time.Date's conversion of a civil time back to an instant (including its choice
// of offset in a DST gap or overlap). A CronJob's timeZone and the controller's schedule both go
// through here, so validation and scheduling agree. Times are Unix seconds.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace capstan::machinery {

class TimeZone {
 public:
  // One offset and the span of Unix seconds [start, end) for which it holds.
  struct Period {
    int32_t offset = 0;  // seconds east of UTC
    int64_t start = 0, end = 0;
    bool dst = false;
    std::string abbreviation;
  };

  static std::shared_ptr<const TimeZone> utc();
  // Parses TZif data (versions 1 to 4, with the POSIX TZ footer for times after the last
  // transition). An empty pointer and `error` ("malformed time zone information") when invalid.
  static std::shared_ptr<const TimeZone> from_tzif(std::string name, std::string_view data, std::string* error);

  const std::string& name() const { return name_; }
  // Go's Location.lookup: the offset in force at `unix` and the span it holds for.
  Period lookup(int64_t unix) const;

 private:
  struct Transition {
    int64_t when;
    uint8_t type;
  };
  struct Type {
    int32_t offset;
    bool dst;
    std::string abbreviation;
  };
  size_t first_type() const;

  std::string name_;
  std::vector<Type> types_;
  std::vector<Transition> transitions_;
  std::string footer_;  // POSIX TZ string ("EST5EDT,M3.2.0,M11.1.0"), may be empty
};

using TimeZonePtr = std::shared_ptr<const TimeZone>;

// Go's time.LoadLocation over a zoneinfo directory, with a cache (zones are immutable and shared).
// Thread-safe.
class TimeZoneDatabase {
 public:
  // `dir` defaults to $ZONEINFO when set, else /usr/share/zoneinfo.
  explicit TimeZoneDatabase(std::string dir = "");
  // "" and "UTC" are UTC; "Local" is the process's zone, which Capstan takes to be UTC. Errors as
  // Go words them: `unknown time zone Mars/Olympus`, `time: invalid location name`.
  TimeZonePtr load(std::string_view name, std::string* error) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  mutable std::mutex mu_;
  mutable std::map<std::string, TimeZonePtr, std::less<>> cache_;
};

// A civil (wall clock) time; Go's Time fields in a location.
struct CivilTime {
  int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int weekday = 4;  // 0 = Sunday
  int32_t offset = 0;
};

// The civil fields of `unix` in `zone`.
CivilTime civil_time(int64_t unix, const TimeZone& zone);
// Go's time.Date(year, month, day, hour, min, sec, 0, zone): out-of-range fields are normalized
// (month 13 is January of the next year, day 0 the last day of the previous month), and a civil
// time that falls in a DST gap or overlap resolves as Go resolves it.
int64_t unix_time(int64_t year, int64_t month, int64_t day, int64_t hour, int64_t minute, int64_t second,
                  const TimeZone& zone);
// RFC 3339 in the zone's offset, as Go's Format(time.RFC3339): "2024-03-10T01:30:00-05:00", or
// "...Z" when the offset is zero.
std::string format_rfc3339_in(int64_t unix, const TimeZone& zone);

// Days since 1970-01-01 of a proleptic Gregorian date (any month/day, normalized), and back.
int64_t days_from_civil(int64_t year, int64_t month, int64_t day);
void civil_from_days(int64_t days, int64_t& year, int& month, int& day);

}  // namespace capstan::machinery
