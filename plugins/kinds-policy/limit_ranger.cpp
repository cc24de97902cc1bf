#include "limit_ranger.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <set>

namespace capstan::policy {

namespace {

constexpr int64_t kMaxMilliValue = std::numeric_limits<int64_t>::max() / 1000;

// requestLimitEnforcedValues: milli-units when none of the three would overflow, else units.
struct Observed {
  int64_t request, limit, enforced;
};
Observed observed(const Quantity& request, const Quantity& limit, const Quantity& enforced) {
  Observed o{request.value(), limit.value(), enforced.value()};
  if (o.request <= kMaxMilliValue && o.limit <= kMaxMilliValue && o.enforced <= kMaxMilliValue)
    o = {request.milli_value(), limit.milli_value(), enforced.milli_value()};
  return o;
}

const Quantity* find(const ResourceList& list, const std::string& name) {
  auto it = list.find(name);
  return it == list.end() ? nullptr : &it->second;
}

void min_constraint(const std::string& type, const std::string& resource, const Quantity& enforced,
                    const ResourceList& requests, const ResourceList& limits, std::vector<std::string>& errs) {
  const Quantity* req = find(requests, resource);
  const Quantity* lim = find(limits, resource);
  const Observed o = observed(req ? *req : Quantity(), lim ? *lim : Quantity(), enforced);
  const std::string head = "minimum " + resource + " usage per " + type + " is " + enforced.to_string();
  if (!req) errs.push_back(head + ".  No request is specified");
  else if (o.request < o.enforced) errs.push_back(head + ", but request is " + req->to_string());
  else if (lim && o.limit < o.enforced) errs.push_back(head + ", but limit is " + lim->to_string());
}

void max_constraint(const std::string& type, const std::string& resource, const Quantity& enforced,
                    const ResourceList& requests, const ResourceList& limits, std::vector<std::string>& errs) {
  const Quantity* req = find(requests, resource);
  const Quantity* lim = find(limits, resource);
  const Observed o = observed(req ? *req : Quantity(), lim ? *lim : Quantity(), enforced);
  const std::string head = "maximum " + resource + " usage per " + type + " is " + enforced.to_string();
  if (!lim) errs.push_back(head + ".  No limit is specified");
  else if (o.limit > o.enforced) errs.push_back(head + ", but limit is " + lim->to_string());
  else if (req && o.request > o.enforced) errs.push_back(head + ", but request is " + req->to_string());
}

void max_request_constraint(const std::string& type, const std::string& resource, const Quantity& enforced,
                            const ResourceList& requests, std::vector<std::string>& errs) {
  const Quantity* req = find(requests, resource);
  const Observed o = observed(req ? *req : Quantity(), Quantity(), enforced);
  const std::string head = "maximum " + resource + " usage per " + type + " is " + enforced.to_string();
  if (!req) errs.push_back(head + ".  No request is specified");
  else if (o.request > o.enforced) errs.push_back(head + ", but request is " + req->to_string());
}

void ratio_constraint(const std::string& type, const std::string& resource, const Quantity& enforced,
                      const ResourceList& requests, const ResourceList& limits, std::vector<std::string>& errs) {
  const Quantity* req = find(requests, resource);
  const Quantity* lim = find(limits, resource);
  const Observed o = observed(req ? *req : Quantity(), lim ? *lim : Quantity(), enforced);
  const std::string head = resource + " max limit to request ratio per " + type + " is " + enforced.to_string();
  if (!req || o.request == 0) return errs.push_back(head + ", but no request is specified or request is 0");
  if (!lim || o.limit == 0) return errs.push_back(head + ", but no limit is specified or limit is 0");
  double ratio = static_cast<double>(o.limit) / static_cast<double>(o.request);
  const double display = ratio;
  double max_ratio = static_cast<double>(enforced.value());
  if (enforced.value() <= kMaxMilliValue) {
    ratio *= 1000;
    max_ratio = static_cast<double>(enforced.milli_value());
  }
  if (ratio > max_ratio) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%f", display);  // Go's %f: six decimals
    errs.push_back(head + ", but provided ratio is " + buf);
  }
}

void check_container(const std::string& type, const LimitItem& item, const ContainerResources& c,
                     std::vector<std::string>& errs) {
  for (const auto& [r, q] : item.min) min_constraint(type, r, q, c.requests, c.limits, errs);
  for (const auto& [r, q] : item.max) max_constraint(type, r, q, c.requests, c.limits, errs);
  for (const auto& [r, q] : item.max_limit_request_ratio) ratio_constraint(type, r, q, c.requests, c.limits, errs);
}

// mergeContainerResources: what is missing is set, and named in the annotation's parts.
void merge(ContainerResources& c, const ResourceList& limits, const ResourceList& requests, const std::string& prefix,
           std::vector<std::string>& annotations) {
  std::vector<std::string> set_requests, set_limits;
  for (const auto& [r, q] : limits)
    if (c.limits.emplace(r, q).second) set_limits.push_back(r);
  for (const auto& [r, q] : requests)
    if (c.requests.emplace(r, q).second) set_requests.push_back(r);
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (!set_requests.empty()) annotations.push_back(join(set_requests) + " request for " + prefix + " " + c.name);
  if (!set_limits.empty()) annotations.push_back(join(set_limits) + " limit for " + prefix + " " + c.name);
}

}  // namespace

void default_limit_range_item(LimitItem& item) {
  if (item.type != "Container") return;
  for (const auto& [r, q] : item.max) item.default_limit.emplace(r, q);
  for (const auto& [r, q] : item.default_limit) item.default_request.emplace(r, q);
  for (const auto& [r, q] : item.min) item.default_request.emplace(r, q);
}

std::string apply_defaults(PodResources& pod, const std::vector<LimitItem>& items) {
  ResourceList limits, requests;  // defaultContainerResourceRequirements: later items win
  for (const auto& item : items) {
    if (item.type != "Container") continue;
    for (const auto& [r, q] : item.default_limit) limits[r] = q;
    for (const auto& [r, q] : item.default_request) requests[r] = q;
  }
  std::vector<std::string> annotations;
  auto run = [&](std::vector<ContainerResources>& list, const std::string& prefix) {
    for (auto& c : list) {
      for (const auto& [r, q] : c.limits) c.requests.emplace(r, q);  // API defaulting: request <- limit
      merge(c, limits, requests, prefix, annotations);
    }
  };
  run(pod.containers, "container");
  run(pod.init_containers, "init container");
  if (annotations.empty()) return {};
  std::string value = "LimitRanger plugin set: ";
  for (size_t i = 0; i < annotations.size(); ++i) value += (i ? "; " : "") + annotations[i];
  return value;
}

ResourceList pod_total(const PodResources& pod, bool limits) {
  ResourceList total;
  for (const auto& c : pod.containers)
    for (const auto& [r, q] : limits ? c.limits : c.requests) total[r].add(q);
  for (const auto& c : pod.init_containers)
    for (const auto& [r, q] : limits ? c.limits : c.requests) {
      auto& t = total[r];
      if (t < q) t = q;
    }
  return total;
}

std::vector<std::string> validate_pod(const PodResources& pod, const std::vector<LimitItem>& items) {
  std::vector<std::string> errs;
  for (const auto& item : items) {
    if (item.type == "Container") {
      for (const auto& c : pod.containers) check_container("Container", item, c, errs);
      for (const auto& c : pod.init_containers) check_container("Container", item, c, errs);
    } else if (item.type == "Pod") {
      ContainerResources total{"", pod_total(pod, false), pod_total(pod, true)};
      check_container("Pod", item, total, errs);
    }
  }
  return errs;
}

std::vector<std::string> validate_pvc(const ResourceList& requests, const std::vector<LimitItem>& items) {
  std::vector<std::string> errs;
  for (const auto& item : items) {
    if (item.type != "PersistentVolumeClaim") continue;
    for (const auto& [r, q] : item.min) min_constraint(item.type, r, q, requests, {}, errs);
    for (const auto& [r, q] : item.max) max_request_constraint(item.type, r, q, requests, errs);
  }
  return errs;
}

std::string aggregate(const std::vector<std::string>& errors) {
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (const auto& e : errors)
    if (seen.insert(e).second) unique.push_back(e);
  if (unique.size() == 1) return unique[0];
  std::string s = "[";
  for (size_t i = 0; i < unique.size(); ++i) s += (i ? ", " : "") + unique[i];
  return s + "]";
}

}  // namespace capstan::policy
