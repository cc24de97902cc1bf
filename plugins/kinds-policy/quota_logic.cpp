#include "quota_logic.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace capstan::policy {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// A name outside the kubernetes.io namespace with a domain: an extended resource (example.com/gpu).
bool extended(const std::string& name) {
  const auto slash = name.find('/');
  if (slash == std::string::npos) return false;
  const std::string domain = name.substr(0, slash);
  return domain != "kubernetes.io" && !(domain.size() > 14 && domain.compare(domain.size() - 14, 14, ".kubernetes.io") == 0) &&
         !starts_with(name, "requests.");
}

const std::set<std::string>& pod_names() {
  static const std::set<std::string> names = {"pods", "count/pods", "cpu", "memory", "ephemeral-storage",
                                              "requests.cpu", "requests.memory", "requests.ephemeral-storage",
                                              "limits.cpu", "limits.memory", "limits.ephemeral-storage"};
  return names;
}

bool scope_selects(const ScopeRequirement& s, const PodFacts& pod) {
  bool v = false;
  if (s.scope == "Terminating") v = pod.active_deadline;
  else if (s.scope == "NotTerminating") v = !pod.active_deadline;
  else if (s.scope == "BestEffort") v = pod_best_effort(pod.resources);
  else if (s.scope == "NotBestEffort") v = !pod_best_effort(pod.resources);
  else if (s.scope == "PriorityClass") {
    const bool in = std::find(s.values.begin(), s.values.end(), pod.priority_class) != s.values.end();
    if (s.op == "In") return in;
    if (s.op == "NotIn") return !in;
    if (s.op == "Exists") return !pod.priority_class.empty();
    if (s.op == "DoesNotExist") return pod.priority_class.empty();
    return false;
  } else {
    return false;  // CrossNamespacePodAffinity, VolumeAttributesClass: not evaluated here
  }
  if (s.op == "DoesNotExist") return !v;  // the boolean scopes take Exists / DoesNotExist
  return v;
}

}  // namespace

bool pod_counts_for_compute(const PodFacts& pod) {
  if (pod.phase == "Succeeded" || pod.phase == "Failed") return false;
  return !pod.deleted_past_grace;
}

ResourceList compute_usage(const ResourceList& requests, const ResourceList& limits) {
  ResourceList out;
  out["pods"] = Quantity::from_int64(1, Quantity::Format::kDecimalSI);
  for (const auto& [r, q] : requests) {
    if (r == "cpu" || r == "memory" || r == "ephemeral-storage") {
      out[r] = q;
      out["requests." + r] = q;
    } else if (starts_with(r, "hugepages-")) {
      out["requests." + r] = q;
    } else if (extended(r)) {
      out["requests." + r] = q;
    }
  }
  for (const auto& [r, q] : limits)
    if (r == "cpu" || r == "memory" || r == "ephemeral-storage") out["limits." + r] = q;
  return out;
}

ResourceList pod_usage(const PodFacts& pod) {
  ResourceList out;
  out["count/pods"] = Quantity::from_int64(1, Quantity::Format::kDecimalSI);
  if (!pod_counts_for_compute(pod)) return out;
  return add(out, compute_usage(pod_total(pod.resources, false), pod_total(pod.resources, true)));
}

bool pod_best_effort(const PodResources& pod) {
  auto none = [](const ContainerResources& c) {
    for (const auto* list : {&c.requests, &c.limits})
      for (const auto& [r, q] : *list)
        if ((r == "cpu" || r == "memory") && !q.is_zero()) return false;
    return true;
  };
  return std::all_of(pod.containers.begin(), pod.containers.end(), none) &&
         std::all_of(pod.init_containers.begin(), pod.init_containers.end(), none);
}

bool quota_matches(const QuotaFacts& q, const PodFacts* pod) {
  if (q.scopes.empty()) return true;
  if (!pod) return false;
  return std::all_of(q.scopes.begin(), q.scopes.end(), [&](const ScopeRequirement& s) { return scope_selects(s, *pod); });
}

bool tracks(const std::string& group, const std::string& resource, const std::string& name) {
  const std::string count = "count/" + resource + (group.empty() ? "" : "." + group);
  if (name == count) return true;
  if (!group.empty()) return false;
  if (name == resource &&
      (resource == "services" || resource == "configmaps" || resource == "secrets" || resource == "persistentvolumeclaims" ||
       resource == "replicationcontrollers" || resource == "resourcequotas" || resource == "pods"))
    return true;
  if (resource == "pods")
    return pod_names().count(name) > 0 || starts_with(name, "requests.hugepages-") ||
           (starts_with(name, "requests.") && extended(name.substr(9)));
  if (resource == "persistentvolumeclaims")
    return name == "requests.storage" || name.find(".storageclass.storage.k8s.io/") != std::string::npos;
  if (resource == "services") return name == "services.loadbalancers" || name == "services.nodeports";
  return false;
}

ResourceList object_count_usage(const std::string& group, const std::string& resource) {
  const Quantity one = Quantity::from_int64(1, Quantity::Format::kDecimalSI);
  ResourceList out;
  out["count/" + resource + (group.empty() ? "" : "." + group)] = one;
  if (group.empty() && (resource == "services" || resource == "configmaps" || resource == "secrets" ||
                        resource == "persistentvolumeclaims" || resource == "replicationcontrollers" ||
                        resource == "resourcequotas"))
    out[resource] = one;
  return out;
}

ResourceList claim_usage(const ResourceList& requests, const std::string& storage_class) {
  ResourceList out;
  const Quantity one = Quantity::from_int64(1, Quantity::Format::kDecimalSI);
  if (!storage_class.empty()) out[storage_class + ".storageclass.storage.k8s.io/persistentvolumeclaims"] = one;
  if (auto it = requests.find("storage"); it != requests.end()) {
    out["requests.storage"] = it->second;
    if (!storage_class.empty()) out[storage_class + ".storageclass.storage.k8s.io/requests.storage"] = it->second;
  }
  return out;
}

ResourceList service_usage(const std::string& type, int node_ports) {
  ResourceList out;
  out["services.loadbalancers"] = Quantity::from_int64(type == "LoadBalancer" ? 1 : 0, Quantity::Format::kDecimalSI);
  out["services.nodeports"] =
      Quantity::from_int64(type == "LoadBalancer" || type == "NodePort" ? node_ports : 0, Quantity::Format::kDecimalSI);
  return out;
}

std::string pod_constraints(const std::vector<std::string>& hard_names, const PodResources& pod) {
  static const std::set<std::string> validation = {"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu",
                                                   "limits.memory"};
  std::set<std::string> required;
  for (const auto& n : hard_names)
    if (validation.count(n)) required.insert(n);
  if (required.empty()) return {};
  std::map<std::string, std::set<std::string>> missing;
  auto check = [&](const ContainerResources& c) {
    const ResourceList usage = compute_usage(c.requests, c.limits);
    for (const auto& r : required)
      if (!usage.count(r)) missing[r].insert(c.name);
  };
  for (const auto& c : pod.containers) check(c);
  for (const auto& c : pod.init_containers) check(c);
  if (missing.empty()) return {};
  std::string msg = "must specify ";
  bool first = true;
  for (const auto& [r, containers] : missing) {
    if (!first) msg += "; ";
    first = false;
    msg += r + " for: ";
    bool f = true;
    for (const auto& c : containers) {
      msg += (f ? "" : ",") + c;
      f = false;
    }
  }
  return msg;
}

bool has_usage_stats(const QuotaFacts& q) {
  return std::all_of(q.hard.begin(), q.hard.end(), [&](const auto& e) { return q.used.count(e.first) > 0; });
}

std::optional<ResourceList> charge(const QuotaFacts& q, const ResourceList& delta, std::string& error) {
  const ResourceList requested = mask(delta, names(q.hard));
  const ResourceList new_used = add(q.used, requested);
  const ResourceList masked = mask(new_used, names(requested));
  std::vector<std::string> exceeded;
  if (!less_or_equal(masked, q.hard, &exceeded)) {
    error = "exceeded quota: " + q.name + ", requested: " + pretty(mask(requested, exceeded)) +
            ", used: " + pretty(mask(q.used, exceeded)) + ", limited: " + pretty(mask(q.hard, exceeded));
    return std::nullopt;
  }
  return new_used;
}

}  // namespace capstan::policy
