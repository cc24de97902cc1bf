#include "quota_ledger.hpp"

#include <algorithm>

namespace capstan::policy {

std::mutex& QuotaLedger::namespace_mutex(const std::string& ns) {
  std::lock_guard lock(mu_);
  auto& m = namespaces_[ns];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

void QuotaLedger::record(const std::string& ns, const std::string& quota, const std::string& object_key,
                         const ResourceList& charge) {
  std::lock_guard lock(mu_);
  charges_[ns].push_back({quota, object_key, charge, Clock::now()});
}

ResourceList QuotaLedger::pending(const std::string& ns, const std::string& quota, const std::set<std::string>& seen) {
  std::lock_guard lock(mu_);
  ResourceList out;
  auto it = charges_.find(ns);
  if (it == charges_.end()) return out;
  const auto now = Clock::now();
  auto& list = it->second;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const Charge& c) {
                              if (now - c.at > ttl_) return true;
                              return c.quota == quota && seen.count(c.object_key) > 0;
                            }),
             list.end());
  for (const auto& c : list)
    if (c.quota == quota) out = add(out, c.usage);
  if (list.empty()) charges_.erase(it);
  return out;
}

void QuotaLedger::observe(const std::string& ns, const std::string& object_key) {
  std::lock_guard lock(mu_);
  auto it = charges_.find(ns);
  if (it == charges_.end()) return;
  auto& list = it->second;
  list.erase(std::remove_if(list.begin(), list.end(), [&](const Charge& c) { return c.object_key == object_key; }),
             list.end());
  if (list.empty()) charges_.erase(it);
}

}  // namespace capstan::policy
