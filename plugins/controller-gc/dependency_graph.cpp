#include "dependency_graph.hpp"

namespace capstan::gc {

std::string object_key(size_t kind, const std::string& ns, const std::string& name) {
  return std::to_string(kind) + "|" + ns + "|" + name;
}

bool parse_object_key(const std::string& key, size_t& kind, std::string& ns, std::string& name) {
  auto a = key.find('|');
  auto b = a == std::string::npos ? a : key.find('|', a + 1);
  if (b == std::string::npos) return false;
  kind = std::stoul(key.substr(0, a));
  ns = key.substr(a + 1, b - a - 1);
  name = key.substr(b + 1);
  return true;
}

void DependencyGraph::upsert(const std::string& key, const std::string& uid, const std::vector<std::string>& owner_uids) {
  std::lock_guard lock(mutex_);
  key_by_uid_[uid] = key;
  auto& owners = owners_by_key_[key];
  for (const auto& o : owners) dependents_by_owner_[o].erase(key);
  owners = owner_uids;
  for (const auto& o : owners) dependents_by_owner_[o].insert(key);
}

std::vector<std::string> DependencyGraph::remove(const std::string& key, const std::string& uid) {
  std::lock_guard lock(mutex_);
  key_by_uid_.erase(uid);
  if (auto it = owners_by_key_.find(key); it != owners_by_key_.end()) {
    for (const auto& o : it->second) {
      auto d = dependents_by_owner_.find(o);
      if (d != dependents_by_owner_.end()) {
        d->second.erase(key);
        if (d->second.empty()) dependents_by_owner_.erase(d);
      }
    }
    owners_by_key_.erase(it);
  }
  std::vector<std::string> out;
  if (auto d = dependents_by_owner_.find(uid); d != dependents_by_owner_.end()) out.assign(d->second.begin(), d->second.end());
  return out;
}

bool DependencyGraph::exists(const std::string& uid) const {
  std::lock_guard lock(mutex_);
  return key_by_uid_.count(uid) > 0;
}

std::vector<std::string> DependencyGraph::dependents(const std::string& owner_uid) const {
  std::lock_guard lock(mutex_);
  auto d = dependents_by_owner_.find(owner_uid);
  if (d == dependents_by_owner_.end()) return {};
  return {d->second.begin(), d->second.end()};
}

}  // namespace capstan::gc
