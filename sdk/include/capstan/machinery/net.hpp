#pragma once
// IPv4 addresses and CIDR blocks as plain integers (host byte order): the service CIDR, pod CIDRs,
// node addresses, and the rule that places a node bridge's gateway. IPv6 is not supported by
// Capstan's network plugins yet (docs/services.md).

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace capstan::machinery {

// "10.96.0.1" -> 0x0a600001; nullopt unless a dotted quad of decimal octets without leading
// zeros (as Go's net.ParseIP and glibc's inet_pton read IPv4).
std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t address);

struct Ipv4Cidr {
  uint32_t network = 0;  // host bits cleared
  int prefix = 0;        // 0..32

  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  uint64_t size() const { return uint64_t{1} << (32 - prefix); }  // addresses in the block
  bool contains(uint32_t address) const { return (address & mask()) == network; }
  bool contains(const Ipv4Cidr& other) const { return other.prefix >= prefix && contains(other.network); }
  bool overlaps(const Ipv4Cidr& other) const { return contains(other.network) || other.contains(network); }
  uint32_t first_host() const { return network + 1; }
  std::string str() const;  // "10.244.0.0/16"

  bool operator<(const Ipv4Cidr& o) const { return network != o.network ? network < o.network : prefix < o.prefix; }
  bool operator==(const Ipv4Cidr& o) const = default;
};

// "10.244.0.0/16" (prefix 0..32, at most two digits). Host bits must be zero unless
// `allow_host_bits`, then they are cleared (an interface address such as 192.168.1.5/24, or a
// configured service range written loosely).
std::optional<Ipv4Cidr> parse_cidr(std::string_view text, bool allow_host_bits = false);

// The lowest block of size /block_prefix inside `range` that overlaps none of `used`: one sweep
// over `used` in address order (a cluster CIDR of thousands of node blocks is asked once per node).
std::optional<Ipv4Cidr> first_free_subnet(const Ipv4Cidr& range, int block_prefix, const std::set<Ipv4Cidr>& used);

// Capstan's pod network puts a node bridge's gateway at the first host address of the node's pod
// CIDR ("10.244.1.0/24" -> 10.244.1.1): the bridge plugin assigns it, and the cluster DNS and the
// service proxy find the node's resolver there. nullopt when `pod_cidr` is not a CIDR the bridge
// accepts (host bits set, malformed).
uint32_t gateway_address(const Ipv4Cidr& pod_cidr);
std::optional<std::string> gateway_of(std::string_view pod_cidr);

}  // namespace capstan::machinery
