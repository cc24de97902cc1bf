// Fuzz target: parsing `ip -j addr` / `ip -j route` output never throws or crashes, and every
// address it yields lies in its subnet. (CIDR parsing itself: sdk/machinery/fuzz_net.cpp.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "host_routes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto split = text.find('\n');
  std::string addrs = text.substr(0, split), routes = split == std::string::npos ? "" : text.substr(split + 1);
  auto h = capstan::cni::parse_host_network(addrs, routes);
  for (const auto& a : h.addresses)
    if (!a.subnet.contains(a.address)) std::abort();
  std::string why;
  (void)capstan::cni::route_device(h, 0x0a000001, why);
  return 0;
}
