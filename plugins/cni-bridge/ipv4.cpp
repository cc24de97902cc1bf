#include "ipv4.hpp"

#include <arpa/inet.h>

namespace capstan::cni {

std::optional<uint32_t> parse_ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string format_ipv4(uint32_t addr) {
  return std::to_string(addr >> 24) + "." + std::to_string((addr >> 16) & 255) + "." + std::to_string((addr >> 8) & 255) +
         "." + std::to_string(addr & 255);
}

std::string Cidr::str() const { return format_ipv4(network) + "/" + std::to_string(prefix); }

std::optional<Cidr> parse_cidr(const std::string& text, bool allow_host_bits) {
  auto slash = text.find('/');
  if (slash == std::string::npos || slash + 1 >= text.size() || text.size() - slash > 3) return std::nullopt;
  auto addr = parse_ipv4(text.substr(0, slash));
  if (!addr) return std::nullopt;
  int prefix = 0;
  for (size_t i = slash + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    prefix = prefix * 10 + (text[i] - '0');
  }
  if (prefix > 32) return std::nullopt;
  Cidr c;
  c.prefix = prefix;
  c.network = *addr & c.mask();
  if (!allow_host_bits && c.network != *addr) return std::nullopt;
  return c;
}

std::optional<Cidr> first_free_subnet(const Cidr& cluster, int node_prefix, const std::set<Cidr>& used) {
  if (node_prefix < cluster.prefix || node_prefix > 32) return std::nullopt;
  // One sweep over the used blocks in address order (a cluster of thousands of nodes asks this once
  // per new node): the candidate moves past every block it overlaps, aligned to the block size.
  const uint64_t step = uint64_t{1} << (32 - node_prefix);
  const uint64_t end = uint64_t{cluster.network} + (uint64_t{1} << (32 - cluster.prefix));
  uint64_t at = cluster.network;
  for (const auto& u : used) {
    const uint64_t u_start = u.network;
    const uint64_t u_end = u_start + (uint64_t{1} << (32 - u.prefix));
    if (u_end <= at) continue;              // wholly before the candidate
    if (u_start >= at + step) break;        // this and every later block start after it
    at = (u_end + step - 1) / step * step;  // overlaps: the next aligned block after it
    if (at + step > end) return std::nullopt;
  }
  if (at + step > end) return std::nullopt;
  return Cidr{static_cast<uint32_t>(at), node_prefix};
}

}  // namespace capstan::cni
