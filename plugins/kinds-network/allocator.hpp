#pragma once
// The cluster-IP and node-port allocator of Services, as kube-apiserver's service REST keeps it:
// an address or port belongs to one Service. Admission runs on many server threads at once, so
// every decision happens under one mutex and a value handed out is *reserved* before the create
// that carries it is stored.
//
// Two kinds of holdings:
//  - committed: what stored Services carry, learned from an informer (rebuilt by every relist);
//    a Service's holdings are replaced on each of its events and dropped when it is deleted.
//  - pending: handed out by admission but not yet seen in the store. They expire after a TTL,
//    which repairs reservations whose write failed afterwards (AlreadyExists, a later refusal).
// A value held by the same owner (namespace/name) counts as free for that owner, so deleting and
// at once re-creating a Service with the same explicit address works before the delete event
// arrives.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "capstan/machinery/net.hpp"

namespace capstan::network {

struct AllocatorConfig {
  machinery::Ipv4Cidr service_cidr{0x0a600000, 16};  // 10.96.0.0/16
  int node_port_min = 30000;
  int node_port_max = 32767;
  std::chrono::seconds pending_ttl{60};
};

// What one stored Service holds.
struct Holdings {
  std::vector<uint32_t> ips;
  std::vector<int> node_ports;
};

class ServiceAllocator {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ServiceAllocator(AllocatorConfig config = {}, uint64_t seed = std::random_device{}());

  enum class Result { kOk, kOutOfRange, kTaken, kFull };

  // Reserves `ip` for owner (an explicit clusterIP).
  Result reserve_ip(const std::string& owner, uint32_t ip, Clock::time_point now = Clock::now());
  // Picks and reserves a free address: first from the upper band of the range, then the lower
  // (the lower band is kept for explicit addresses, such as 10.96.0.1 and 10.96.0.10).
  std::optional<uint32_t> allocate_ip(const std::string& owner, Clock::time_point now = Clock::now());
  Result reserve_port(const std::string& owner, int port, Clock::time_point now = Clock::now());
  std::optional<int> allocate_port(const std::string& owner, Clock::time_point now = Clock::now());
  // Whether a value is free for owner (dry runs check without reserving).
  Result check_ip(const std::string& owner, uint32_t ip, Clock::time_point now = Clock::now());
  Result check_port(const std::string& owner, int port, Clock::time_point now = Clock::now());
  // Gives back what admission reserved for owner but the request will not use (a refusal after
  // reservation, or a dry run).
  void release_pending(const std::string& owner);

  // The store's view: owner's stored Service holds exactly `h` (empty = deleted).
  void set_committed(const std::string& owner, const Holdings& h);
  void forget(const std::string& owner) { set_committed(owner, {}); }

  const AllocatorConfig& config() const { return config_; }
  size_t used_ips();    // for tests and diagnostics
  size_t used_ports();

 private:
  struct Pending {
    std::string owner;
    Clock::time_point at;
  };
  bool ip_free(const std::string& owner, uint32_t ip, Clock::time_point now);
  bool port_free(const std::string& owner, int port, Clock::time_point now);
  void expire(Clock::time_point now);

  const AllocatorConfig config_;
  std::mutex mu_;
  std::mt19937_64 rng_;
  std::map<uint32_t, std::string> committed_ips_;  // ip -> owner
  std::map<int, std::string> committed_ports_;
  std::map<std::string, Holdings> by_owner_;
  std::map<uint32_t, Pending> pending_ips_;
  std::map<int, Pending> pending_ports_;
};

const char* to_string(ServiceAllocator::Result r);

}  // namespace capstan::network
