// libFuzzer target: resource quantities from outside input (pod requests and limits, emptyDir size
// limits, node capacity). Invariants: nothing crashes; a parsed quantity's canonical string parses
// back to the same value, and from there the canonical string is stable (not necessarily at once:
// "62.5Ki" is written "64000", a BinarySI number with no binary suffix, which reads back as
// DecimalSI "64k", as upstream); a quantity minus itself is zero.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "capstan/machinery/quantity.hpp"

using capstan::machinery::Quantity;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto q = Quantity::parse(text);
  if (!q) return 0;
  const std::string canonical = q->to_string();
  auto again = Quantity::parse(canonical);
  if (!again || *again != *q) abort();
  const std::string settled = again->to_string();
  auto third = Quantity::parse(settled);
  if (!third || *third != *q || third->to_string() != settled) abort();
  (void)q->value();
  (void)q->milli_value();
  (void)q->scaled_value(-9);
  try {
    Quantity d = *q;
    d.sub(*q);
    if (!d.is_zero()) abort();
    Quantity twice = *q;
    twice.add(*q);
    if (q->sign() > 0 && !(*q < twice)) abort();
  } catch (const std::length_error&) {
    // Exact sums are bounded (Quantity::kMaxDigits).
  }
  return 0;
}
