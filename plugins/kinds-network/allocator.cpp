#include "allocator.hpp"

#include <algorithm>

namespace capstan::network {

const char* to_string(ServiceAllocator::Result r) {
  switch (r) {
    case ServiceAllocator::Result::kOk: return "ok";
    case ServiceAllocator::Result::kOutOfRange: return "out of range";
    case ServiceAllocator::Result::kTaken: return "already allocated";
    case ServiceAllocator::Result::kFull: return "range full";
  }
  return "?";
}

ServiceAllocator::ServiceAllocator(AllocatorConfig config, uint64_t seed) : config_(config), rng_(seed) {}

void ServiceAllocator::expire(Clock::time_point now) {
  for (auto it = pending_ips_.begin(); it != pending_ips_.end();)
    it = now - it->second.at > config_.pending_ttl ? pending_ips_.erase(it) : std::next(it);
  for (auto it = pending_ports_.begin(); it != pending_ports_.end();)
    it = now - it->second.at > config_.pending_ttl ? pending_ports_.erase(it) : std::next(it);
}

bool ServiceAllocator::ip_free(const std::string& owner, uint32_t ip, Clock::time_point now) {
  if (auto c = committed_ips_.find(ip); c != committed_ips_.end() && c->second != owner) return false;
  if (auto p = pending_ips_.find(ip); p != pending_ips_.end() && p->second.owner != owner &&
                                      now - p->second.at <= config_.pending_ttl)
    return false;
  return true;
}

bool ServiceAllocator::port_free(const std::string& owner, int port, Clock::time_point now) {
  if (auto c = committed_ports_.find(port); c != committed_ports_.end() && c->second != owner) return false;
  if (auto p = pending_ports_.find(port); p != pending_ports_.end() && p->second.owner != owner &&
                                         now - p->second.at <= config_.pending_ttl)
    return false;
  return true;
}

ServiceAllocator::Result ServiceAllocator::check_ip(const std::string& owner, uint32_t ip, Clock::time_point now) {
  const auto& cidr = config_.service_cidr;
  // The network and broadcast addresses are never handed out (kube-apiserver's range excludes them).
  if (!cidr.contains(ip) || ip == cidr.network || (cidr.size() > 2 && ip == cidr.network + cidr.size() - 1))
    return Result::kOutOfRange;
  std::lock_guard lock(mu_);
  return ip_free(owner, ip, now) ? Result::kOk : Result::kTaken;
}

ServiceAllocator::Result ServiceAllocator::reserve_ip(const std::string& owner, uint32_t ip, Clock::time_point now) {
  const auto& cidr = config_.service_cidr;
  if (!cidr.contains(ip) || ip == cidr.network || (cidr.size() > 2 && ip == cidr.network + cidr.size() - 1))
    return Result::kOutOfRange;
  std::lock_guard lock(mu_);
  expire(now);
  if (!ip_free(owner, ip, now)) return Result::kTaken;
  pending_ips_[ip] = {owner, now};
  return Result::kOk;
}

std::optional<uint32_t> ServiceAllocator::allocate_ip(const std::string& owner, Clock::time_point now) {
  const auto& cidr = config_.service_cidr;
  if (cidr.size() < 4) return std::nullopt;
  const uint64_t first = 1, last = cidr.size() - 2;  // offsets of usable addresses
  // kube-apiserver's static band: min(max(16, size/16), 256) addresses at the bottom.
  const uint64_t band = std::min<uint64_t>(std::max<uint64_t>(16, cidr.size() / 16), 256);
  std::lock_guard lock(mu_);
  expire(now);
  auto scan = [&](uint64_t lo, uint64_t hi) -> std::optional<uint32_t> {
    if (lo > hi) return std::nullopt;
    const uint64_t n = hi - lo + 1;
    // Start at a random offset and walk: spreads addresses like kube-apiserver's random pick while
    // staying O(used) when the range is nearly full.
    const uint64_t start = std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_);
    for (uint64_t k = 0; k < n; ++k) {
      uint32_t ip = static_cast<uint32_t>(cidr.network + lo + (start + k) % n);
      if (ip_free(owner, ip, now)) return ip;
    }
    return std::nullopt;
  };
  auto ip = scan(std::max(first, band), last);
  if (!ip) ip = scan(first, std::min(last, band - 1));
  if (ip) pending_ips_[*ip] = {owner, now};
  return ip;
}

ServiceAllocator::Result ServiceAllocator::check_port(const std::string& owner, int port, Clock::time_point now) {
  if (port < config_.node_port_min || port > config_.node_port_max) return Result::kOutOfRange;
  std::lock_guard lock(mu_);
  return port_free(owner, port, now) ? Result::kOk : Result::kTaken;
}

ServiceAllocator::Result ServiceAllocator::reserve_port(const std::string& owner, int port, Clock::time_point now) {
  if (port < config_.node_port_min || port > config_.node_port_max) return Result::kOutOfRange;
  std::lock_guard lock(mu_);
  expire(now);
  if (!port_free(owner, port, now)) return Result::kTaken;
  pending_ports_[port] = {owner, now};
  return Result::kOk;
}

std::optional<int> ServiceAllocator::allocate_port(const std::string& owner, Clock::time_point now) {
  std::lock_guard lock(mu_);
  expire(now);
  const int n = config_.node_port_max - config_.node_port_min + 1;
  if (n <= 0) return std::nullopt;
  const int start = std::uniform_int_distribution<int>(0, n - 1)(rng_);
  for (int k = 0; k < n; ++k) {
    int port = config_.node_port_min + (start + k) % n;
    if (port_free(owner, port, now)) {
      pending_ports_[port] = {owner, now};
      return port;
    }
  }
  return std::nullopt;
}

void ServiceAllocator::release_pending(const std::string& owner) {
  std::lock_guard lock(mu_);
  for (auto it = pending_ips_.begin(); it != pending_ips_.end();)
    it = it->second.owner == owner ? pending_ips_.erase(it) : std::next(it);
  for (auto it = pending_ports_.begin(); it != pending_ports_.end();)
    it = it->second.owner == owner ? pending_ports_.erase(it) : std::next(it);
}

void ServiceAllocator::set_committed(const std::string& owner, const Holdings& h) {
  std::lock_guard lock(mu_);
  if (auto old = by_owner_.find(owner); old != by_owner_.end()) {
    for (auto ip : old->second.ips)
      if (auto c = committed_ips_.find(ip); c != committed_ips_.end() && c->second == owner) committed_ips_.erase(c);
    for (auto p : old->second.node_ports)
      if (auto c = committed_ports_.find(p); c != committed_ports_.end() && c->second == owner) committed_ports_.erase(c);
    by_owner_.erase(old);
  }
  if (h.ips.empty() && h.node_ports.empty()) return;
  by_owner_[owner] = h;
  for (auto ip : h.ips) {
    committed_ips_[ip] = owner;
    if (auto p = pending_ips_.find(ip); p != pending_ips_.end() && p->second.owner == owner) pending_ips_.erase(p);
  }
  for (auto port : h.node_ports) {
    committed_ports_[port] = owner;
    if (auto p = pending_ports_.find(port); p != pending_ports_.end() && p->second.owner == owner) pending_ports_.erase(p);
  }
}

size_t ServiceAllocator::used_ips() {
  std::lock_guard lock(mu_);
  std::set<uint32_t> all;
  for (auto& [ip, _] : committed_ips_) all.insert(ip);
  for (auto& [ip, _] : pending_ips_) all.insert(ip);
  return all.size();
}

size_t ServiceAllocator::used_ports() {
  std::lock_guard lock(mu_);
  std::set<int> all;
  for (auto& [p, _] : committed_ports_) all.insert(p);
  for (auto& [p, _] : pending_ports_) all.insert(p);
  return all.size();
}

}  // namespace capstan::network
