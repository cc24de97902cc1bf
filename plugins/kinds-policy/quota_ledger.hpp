#pragma once
// What makes quota charging atomic with the writes it admits (docs/policy.md): one mutex per
// namespace serializes the read-check-charge of every quota admission and every recalculation of
// the quota controller in this process, and the charges admitted but whose object the store may
// not show yet are remembered ("in flight") so a recalculation that lists before the object is
// stored still counts it. The ResourceQuota status write itself carries the resourceVersion it
// was computed from, so a writer outside this process (a user's edit of spec.hard) forces a retry.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "resource_list.hpp"

namespace capstan::policy {

class QuotaLedger {
 public:
  using Clock = std::chrono::steady_clock;
  explicit QuotaLedger(std::chrono::milliseconds in_flight_ttl = std::chrono::seconds(30)) : ttl_(in_flight_ttl) {}

  std::mutex& namespace_mutex(const std::string& ns);
  // A charge to `quota` for the object `object_key` ("<resource>[.<group>]/<name>").
  void record(const std::string& ns, const std::string& quota, const std::string& object_key, const ResourceList& charge);
  // The charges to `quota` whose object is not in `seen` and that have not expired; charges whose
  // object is seen are forgotten (the listing counts them now).
  ResourceList pending(const std::string& ns, const std::string& quota, const std::set<std::string>& seen);
  // The object is stored (an informer saw it added): its charges are no longer in flight. Without
  // this, an object deleted before the next recalculation would keep its charge until it expires.
  void observe(const std::string& ns, const std::string& object_key);

 private:
  struct Charge {
    std::string quota, object_key;
    ResourceList usage;
    Clock::time_point at;
  };
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> namespaces_;
  std::map<std::string, std::vector<Charge>> charges_;  // by namespace
};

}  // namespace capstan::policy
