#include "capstan/expectations.hpp"

namespace capstan::sdk {

void Expectations::expect(const std::string& key, int adds, int dels, Clock::time_point now) {
  std::lock_guard lock(mu_);
  entries_[key] = {adds, dels, now};
}

void Expectations::lower(const std::string& key, int adds, int dels) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.adds -= adds;
  it->second.dels -= dels;
}

bool Expectations::satisfied(const std::string& key, Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return true;
  if (it->second.adds <= 0 && it->second.dels <= 0) return true;
  return now - it->second.at > ttl_;
}

void Expectations::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

std::pair<int, int> Expectations::pending(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? std::pair{0, 0} : std::pair{it->second.adds, it->second.dels};
}

}  // namespace capstan::sdk
