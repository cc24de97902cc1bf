// libFuzzer target: the cron schedule parser (a CronJob's spec.schedule and timeZone come from
// users) and the TZif reader. Invariants: nothing crashes or hangs; a parsed schedule's next
// activation is strictly later than the time asked about (or the zero time when none is found
// within five years); the zone's civil fields round-trip through time.Date for ordinary instants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "capstan/machinery/time/cron_schedule.hpp"
#include "capstan/machinery/time/time_zone.hpp"

using namespace capstan::machinery;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const TimeZoneDatabase zones;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (text.rfind("TZif", 0) == 0) {
    std::string error;
    auto zone = TimeZone::from_tzif("fuzz", text, &error);
    if (!zone) return 0;
    for (int64_t t : {int64_t{-2000000000}, int64_t{0}, int64_t{1700000000}, int64_t{4102444800}}) {
      auto p = zone->lookup(t);
      if (p.start > t || (p.end <= t && p.end != INT64_MAX)) abort();
      (void)civil_time(t, *zone);
    }
    return 0;
  }
  std::string error;
  auto schedule = CronSchedule::parse(text, zones, &error);
  if (!schedule) {
    if (error.empty()) abort();
    return 0;
  }
  for (int64_t t : {int64_t{0}, int64_t{1700000000}, int64_t{1710054000}, int64_t{1730599200}}) {
    const int64_t n = schedule->next(t);
    if (n != kZeroTime && n <= t) abort();
    if (n != kZeroTime && !schedule->is_every()) {
      // The activation is a whole minute in the schedule's zone (seconds field is always 0).
      if (civil_time(n, schedule->zone()).second != 0) abort();
    }
  }
  return 0;
}
