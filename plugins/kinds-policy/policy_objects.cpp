#include "policy_objects.hpp"

#include "capstan/machinery/time.hpp"

namespace capstan::policy {

ContainerResources container_resources(core::v1::Container::Reader c) {
  ContainerResources out{std::string(c.getName()), read_list(c.getResources().getRequests()),
                         read_list(c.getResources().getLimits())};
  for (const auto& [r, q] : out.limits) out.requests.emplace(r, q);  // API defaulting: request <- limit
  return out;
}

PodResources pod_resources(core::v1::PodSpec::Reader spec) {
  PodResources out;
  for (auto c : spec.getContainers()) out.containers.push_back(container_resources(c));
  for (auto c : spec.getInitContainers()) out.init_containers.push_back(container_resources(c));
  return out;
}

PodFacts pod_facts(core::v1::Pod::Reader pod, int64_t now_seconds) {
  PodFacts f;
  f.resources = pod_resources(pod.getSpec());
  f.phase = pod.getStatus().getPhase();
  auto ads = pod.getSpec().getActiveDeadlineSeconds();
  f.active_deadline = ads.isValue() && ads.getValue() >= 0;
  f.priority_class = pod.getSpec().getPriorityClassName();
  auto meta = pod.getMetadata();
  if (meta.hasDeletionTimestamp() && meta.getDeletionGracePeriodSeconds().isValue()) {
    // QuotaV1Pod: deletionTimestamp + grace period in the past.
    if (auto t = machinery::parse_rfc3339_seconds(std::string(meta.getDeletionTimestamp())))
      f.deleted_past_grace = *t + meta.getDeletionGracePeriodSeconds().getValue() < now_seconds;
  }
  return f;
}

std::vector<LimitItem> limit_items(core::v1::LimitRange::Reader lr) {
  std::vector<LimitItem> out;
  for (auto i : lr.getSpec().getLimits())
    out.push_back({std::string(i.getType()), read_list(i.getMax()), read_list(i.getMin()), read_list(i.getDefault()),
                   read_list(i.getDefaultRequest()), read_list(i.getMaxLimitRequestRatio())});
  return out;
}

QuotaFacts quota_facts(core::v1::ResourceQuota::Reader q) {
  QuotaFacts f;
  f.name = q.getMetadata().getName();
  f.spec_hard = read_list(q.getSpec().getHard());
  f.hard = read_list(q.getStatus().getHard());
  f.used = read_list(q.getStatus().getUsed());
  for (auto s : q.getSpec().getScopes()) f.scopes.push_back({std::string(s), "Exists", {}});
  if (q.getSpec().hasScopeSelector())
    for (auto e : q.getSpec().getScopeSelector().getMatchExpressions()) {
      ScopeRequirement r{std::string(e.getScopeName()), std::string(e.getOperator()), {}};
      for (auto v : e.getValues()) r.values.emplace_back(v);
      f.scopes.push_back(std::move(r));
    }
  return f;
}

void write_pod_resources(core::v1::PodSpec::Builder spec, const PodResources& res) {
  auto write = [](capnp::List<core::v1::Container>::Builder list, const std::vector<ContainerResources>& cs) {
    for (unsigned i = 0; i < list.size() && i < cs.size(); ++i) {
      auto r = list[i].getResources();
      set_list([&](unsigned n) { return r.initRequests(n); }, cs[i].requests);
      set_list([&](unsigned n) { return r.initLimits(n); }, cs[i].limits);
    }
  };
  write(spec.getContainers(), res.containers);
  write(spec.getInitContainers(), res.init_containers);
}

}  // namespace capstan::policy
