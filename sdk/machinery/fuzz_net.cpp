// libFuzzer target: IPv4 addresses and CIDR blocks from outside input (Service clusterIPs and
// externalIPs, Endpoints addresses, pod CIDRs, plugin configuration). Invariants: nothing crashes;
// what parses formats back to the same text (the parsers accept one spelling per value, except a
// prefix with a leading zero); a gateway lies inside its pod CIDR.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "capstan/machinery/net.hpp"

using namespace capstan::machinery;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto ip = parse_ipv4(text)) {
    if (format_ipv4(*ip) != text) abort();
  }
  if (auto strict = parse_cidr(text)) {
    auto again = parse_cidr(strict->str());
    if (!again || *again != *strict) abort();
    if (auto gw = gateway_of(text); !gw || !(strict->prefix == 32 || strict->contains(*parse_ipv4(*gw)))) abort();
  }
  if (auto loose = parse_cidr(text, true)) {
    if (!loose->contains(*parse_ipv4(text.substr(0, text.find('/'))))) abort();
  }
  return 0;
}
