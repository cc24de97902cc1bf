#include "resource_list.hpp"

#include <algorithm>

namespace capstan::policy {

ResourceList read_list(capnp::List<k8s::QuantityEntry>::Reader entries) {
  ResourceList out;
  for (auto e : entries)
    if (auto q = Quantity::parse(std::string(e.getValue()))) out[std::string(e.getKey())] = *q;
  return out;
}

void write_list(capnp::List<k8s::QuantityEntry>::Builder entries, const ResourceList& list) {
  unsigned i = 0;
  for (const auto& [name, q] : list) {
    entries[i].setKey(name);
    entries[i].setValue(q.to_string());
    ++i;
  }
}

ResourceList add(ResourceList a, const ResourceList& b) {
  for (const auto& [name, q] : b) a[name].add(q);
  return a;
}

ResourceList subtract(ResourceList a, const ResourceList& b) {
  for (const auto& [name, q] : b) a[name].sub(q);
  return a;
}

ResourceList mask(const ResourceList& list, const std::vector<std::string>& names) {
  ResourceList out;
  for (const auto& n : names)
    if (auto it = list.find(n); it != list.end()) out.insert(*it);
  return out;
}

std::vector<std::string> names(const ResourceList& list) {
  std::vector<std::string> out;
  for (const auto& [name, q] : list) out.push_back(name);
  return out;
}

bool less_or_equal(const ResourceList& a, const ResourceList& b, std::vector<std::string>* exceeded) {
  bool ok = true;
  for (const auto& [name, q] : a) {
    auto it = b.find(name);
    if (it == b.end()) continue;
    if (it->second < q) {
      ok = false;
      if (exceeded) exceeded->push_back(name);
    }
  }
  return ok;
}

bool is_zero(const ResourceList& list) {
  return std::all_of(list.begin(), list.end(), [](const auto& e) { return e.second.is_zero(); });
}

std::vector<std::string> negative(const ResourceList& list) {
  std::vector<std::string> out;
  for (const auto& [name, q] : list)
    if (q.sign() < 0) out.push_back(name);
  return out;
}

std::string pretty(const ResourceList& list) {
  std::string out;
  for (const auto& [name, q] : list) {
    if (!out.empty()) out += ',';
    out += name + "=" + q.to_string();
  }
  return out;
}

}  // namespace capstan::policy
