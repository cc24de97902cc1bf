// libFuzzer target: RFC 3339 times from outside input (object timestamps, the sinceTime of a log
// request, CRI log lines). Invariants: nothing crashes; a parsed time formats back to text that
// parses to the same instant; seconds and nanoseconds agree.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "capstan/machinery/time.hpp"

using namespace capstan::machinery;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto seconds = parse_rfc3339_seconds(text);
  if (auto ns = parse_rfc3339(text)) {
    if (!seconds) abort();
    int64_t floor_seconds = *ns / 1'000'000'000 - (*ns % 1'000'000'000 < 0 ? 1 : 0);
    if (floor_seconds != *seconds) abort();
    if (parse_rfc3339(format_rfc3339_nano_fixed(*ns)) != ns) abort();
  }
  if (seconds && *seconds > -62135596800 && *seconds < 253402300800) {  // years 0001..9999
    if (parse_rfc3339_seconds(format_rfc3339(*seconds)) != seconds) abort();
  }
  return 0;
}
