// Fuzz target: parsing `ip -j addr` / `ip -j route` output and CIDRs never throws or crashes,
// and every address it yields lies in its subnet.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "host_routes.hpp"
#include "ipv4.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto split = text.find('\n');
  std::string addrs = text.substr(0, split), routes = split == std::string::npos ? "" : text.substr(split + 1);
  auto h = capstan::cni::parse_host_network(addrs, routes);
  for (const auto& a : h.addresses)
    if (!a.subnet.contains(a.address)) std::abort();
  std::string why;
  (void)capstan::cni::route_device(h, 0x0a000001, why);
  if (auto c = capstan::cni::parse_cidr(text)) {
    auto again = capstan::cni::parse_cidr(c->str());
    if (!again || !(*again == *c)) std::abort();
  }
  return 0;
}
