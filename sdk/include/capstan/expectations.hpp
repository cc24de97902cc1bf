#pragma once
// client-go's ControllerExpectations (pkg/controller/controller_utils.go): per controller key, the
// creations and deletions a controller issued that its informer has not observed yet. While they
// are outstanding the controller does not create or delete again, because its cache is behind
// its own writes; an entry expires after a TTL so a lost event cannot wedge a key forever.
// Thread-safe: informer handlers lower expectations while workers read them.

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace capstan::sdk {

class Expectations {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Expectations(std::chrono::seconds ttl = std::chrono::minutes(5)) : ttl_(ttl) {}

  // Replaces the key's expectations.
  void expect(const std::string& key, int adds, int dels, Clock::time_point now = Clock::now());
  void expect_creations(const std::string& key, int adds, Clock::time_point now = Clock::now()) {
    expect(key, adds, 0, now);
  }
  void expect_deletions(const std::string& key, int dels, Clock::time_point now = Clock::now()) {
    expect(key, 0, dels, now);
  }
  void creation_observed(const std::string& key) { lower(key, 1, 0); }
  void deletion_observed(const std::string& key) { lower(key, 0, 1); }
  void lower(const std::string& key, int adds, int dels);
  // True when nothing is outstanding, the key was never seen, or its entry expired.
  bool satisfied(const std::string& key, Clock::time_point now = Clock::now()) const;
  void forget(const std::string& key);
  std::pair<int, int> pending(const std::string& key) const;

 private:
  struct Entry {
    int adds = 0, dels = 0;
    Clock::time_point at;
  };
  const std::chrono::seconds ttl_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace capstan::sdk
