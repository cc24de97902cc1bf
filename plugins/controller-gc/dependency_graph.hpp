#pragma once
// Who owns whom, across every kind: uid -> object, owner uid -> dependents. Fed by informer
// events; read by the garbage collector's reconcile.

#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace capstan::gc {

// "<kind index>|<namespace>|<name>": the work-queue key of any object.
std::string object_key(size_t kind, const std::string& ns, const std::string& name);
bool parse_object_key(const std::string& key, size_t& kind, std::string& ns, std::string& name);

class DependencyGraph {
 public:
  // Records an object (added or modified) and its owners' uids.
  void upsert(const std::string& key, const std::string& uid, const std::vector<std::string>& owner_uids);
  // Forgets an object; returns the keys of its dependents (their owner is gone).
  std::vector<std::string> remove(const std::string& key, const std::string& uid);
  bool exists(const std::string& uid) const;
  std::vector<std::string> dependents(const std::string& owner_uid) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::string> key_by_uid_;
  std::unordered_map<std::string, std::vector<std::string>> owners_by_key_;
  std::unordered_map<std::string, std::set<std::string>> dependents_by_owner_;
};

}  // namespace capstan::gc
