#include "capstan/machinery/net.hpp"

namespace capstan::machinery {

std::optional<uint32_t> parse_ipv4(std::string_view s) {
  uint32_t out = 0;
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
    const size_t start = i;
    uint32_t octet = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      octet = octet * 10 + static_cast<uint32_t>(s[i] - '0');
      if (++i - start > 3 || octet > 255) return std::nullopt;
    }
    if (i == start) return std::nullopt;
    if (i - start > 1 && s[start] == '0') return std::nullopt;  // no leading zeros
    out = (out << 8) | octet;
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

std::string format_ipv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
         std::to_string(a & 255);
}

std::string Ipv4Cidr::str() const { return format_ipv4(network) + "/" + std::to_string(prefix); }

std::optional<Ipv4Cidr> parse_cidr(std::string_view text, bool allow_host_bits) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = parse_ipv4(text.substr(0, slash));
  const std::string_view digits = text.substr(slash + 1);
  if (!address || digits.empty() || digits.size() > 2) return std::nullopt;
  int prefix = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > 32) return std::nullopt;
  Ipv4Cidr c;
  c.prefix = prefix;
  c.network = *address & c.mask();
  if (!allow_host_bits && c.network != *address) return std::nullopt;
  return c;
}

std::optional<Ipv4Cidr> first_free_subnet(const Ipv4Cidr& range, int block_prefix, const std::set<Ipv4Cidr>& used) {
  if (block_prefix < range.prefix || block_prefix > 32) return std::nullopt;
  // The candidate moves past every used block it overlaps, aligned to the block size.
  const uint64_t step = uint64_t{1} << (32 - block_prefix);
  const uint64_t end = uint64_t{range.network} + range.size();
  uint64_t at = range.network;
  for (const auto& u : used) {
    const uint64_t u_start = u.network;
    const uint64_t u_end = u_start + u.size();
    if (u_end <= at) continue;              // wholly before the candidate
    if (u_start >= at + step) break;        // this and every later block start after it
    at = (u_end + step - 1) / step * step;  // overlaps: the next aligned block after it
    if (at + step > end) return std::nullopt;
  }
  if (at + step > end) return std::nullopt;
  return Ipv4Cidr{static_cast<uint32_t>(at), block_prefix};
}

uint32_t gateway_address(const Ipv4Cidr& pod_cidr) { return pod_cidr.first_host(); }

std::optional<std::string> gateway_of(std::string_view pod_cidr) {
  auto cidr = parse_cidr(pod_cidr);
  if (!cidr) return std::nullopt;
  return format_ipv4(gateway_address(*cidr));
}

}  // namespace capstan::machinery
