#pragma once
// IPv4 addresses and CIDR blocks as plain integers: enough for the service CIDR, pod CIDRs and
// node addresses. IPv6 is not supported by the network plugins yet (see docs/services.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace capstan::net {

// "10.96.0.1" -> host-order integer; nullopt when not a dotted quad.
inline std::optional<uint32_t> parse_ipv4(std::string_view s) {
  uint32_t out = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
    uint32_t v = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<uint32_t>(s[i] - '0');
      ++i;
      if (++digits > 3 || v > 255) return std::nullopt;
    }
    if (digits > 1 && s[i - digits] == '0') return std::nullopt;  // no leading zeros (Go's ParseIP)
    out = (out << 8) | v;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

inline std::string format_ipv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." + std::to_string((ip >> 8) & 255) +
         "." + std::to_string(ip & 255);
}

struct Cidr {
  uint32_t base = 0;  // network address
  int prefix = 32;
  uint64_t size() const { return uint64_t{1} << (32 - prefix); }
  bool contains(uint32_t ip) const { return prefix == 0 || (ip >> (32 - prefix)) == (base >> (32 - prefix)); }
  std::string str() const { return format_ipv4(base) + "/" + std::to_string(prefix); }
};

// "10.96.0.0/16"; the host bits are cleared. nullopt when malformed.
inline std::optional<Cidr> parse_cidr(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = parse_ipv4(s.substr(0, slash));
  auto p = s.substr(slash + 1);
  if (!ip || p.empty() || p.size() > 2) return std::nullopt;
  int prefix = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > 32) return std::nullopt;
  Cidr c;
  c.prefix = prefix;
  c.base = prefix == 0 ? 0 : (*ip & ~((prefix == 32 ? 0u : (0xffffffffu >> prefix))));
  return c;
}

}  // namespace capstan::net
