// The explicit list of the scheduler's in-tree plugins (as Kubernetes' plugins/registry.go).
#include "framework.hpp"
#include "policies.hpp"

namespace capstan::scheduler {

Registry default_registry() {
  Registry r;
  r.add_filter("NodeUnschedulable", [](const SchedulerConfig&) { return std::make_unique<NodeUnschedulable>(); });
  r.add_filter("NodeName", [](const SchedulerConfig&) { return std::make_unique<NodeName>(); });
  r.add_filter("TaintToleration", [](const SchedulerConfig&) { return std::make_unique<TaintToleration>(); });
  r.add_filter("NodeAffinity", [](const SchedulerConfig&) { return std::make_unique<NodeAffinity>(); });
  r.add_filter("VolumeBinding", [](const SchedulerConfig&) { return std::make_unique<VolumeBinding>(); });
  r.add_filter("NodeResourcesFit",
               [](const SchedulerConfig& c) { return std::make_unique<NodeResourcesFit>(c.scoring); });
  r.add_score("NodeResourcesFit", [](const SchedulerConfig& c) { return std::make_unique<NodeResourcesFit>(c.scoring); });
  r.add_score("NodeAffinity", [](const SchedulerConfig&) { return std::make_unique<NodeAffinity>(); });
  return r;
}

}  // namespace capstan::scheduler
