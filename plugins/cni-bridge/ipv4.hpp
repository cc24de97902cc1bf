#pragma once
// IPv4 addresses and CIDR blocks: enough arithmetic to split the cluster CIDR into node subnets
// and to tell whether an address lies on a connected subnet.

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace capstan::cni {

struct Cidr {
  uint32_t network = 0;  // host byte order, host bits cleared
  int prefix = 0;

  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  bool contains(uint32_t addr) const { return (addr & mask()) == network; }
  bool contains(const Cidr& other) const { return other.prefix >= prefix && contains(other.network); }
  bool overlaps(const Cidr& other) const { return contains(other.network) || other.contains(network); }
  uint32_t first_host() const { return network + 1; }  // the gateway (.1 of a /24)
  std::string str() const;
  bool operator<(const Cidr& o) const { return network != o.network ? network < o.network : prefix < o.prefix; }
  bool operator==(const Cidr& o) const { return network == o.network && prefix == o.prefix; }
};

std::optional<uint32_t> parse_ipv4(const std::string& text);
std::string format_ipv4(uint32_t addr);
// "10.244.0.0/16"; host bits must be zero unless `allow_host_bits` (then they are cleared, as for
// an interface address such as 192.168.1.5/24).
std::optional<Cidr> parse_cidr(const std::string& text, bool allow_host_bits = false);

// The lowest block of size /node_prefix inside `cluster` that overlaps none of `used`
// (O(size of used)).
std::optional<Cidr> first_free_subnet(const Cidr& cluster, int node_prefix, const std::set<Cidr>& used);

}  // namespace capstan::cni
