#include "policies.hpp"

namespace capstan::scheduler {

Status NodeResourcesFit::filter(const PodInfo& pod, const NodeInfo& node) const {
  std::vector<std::string> reasons;
  if (node.pod_count + 1 > node.allocatable_pods) reasons.emplace_back("Too many pods");
  if (pod.cpu_milli > 0 && pod.cpu_milli > node.allocatable_cpu_milli - node.requested_cpu_milli)
    reasons.emplace_back("Insufficient cpu");
  if (pod.memory_bytes > 0 && pod.memory_bytes > node.allocatable_memory_bytes - node.requested_memory_bytes)
    reasons.emplace_back("Insufficient memory");
  if (reasons.empty()) return Status::success();
  return Status(Status::Code::kUnschedulable, std::move(reasons));
}

namespace {

int64_t least_allocated(int64_t requested, int64_t capacity) {
  if (capacity <= 0 || requested > capacity) return 0;
  return (capacity - requested) * ScorePlugin::kMaxNodeScore / capacity;
}

int64_t most_allocated(int64_t requested, int64_t capacity) {
  if (capacity <= 0) return 0;
  if (requested > capacity) requested = capacity;
  return requested * ScorePlugin::kMaxNodeScore / capacity;
}

}  // namespace

int64_t NodeResourcesFit::score(const PodInfo& pod, const NodeInfo& node) const {
  // Like Kubernetes, score with the non-zero requests so request-less pods still spread.
  const int64_t cpu = node.nonzero_requested_cpu_milli + pod.nonzero_cpu_milli;
  const int64_t mem = node.nonzero_requested_memory_bytes + pod.nonzero_memory_bytes;
  auto f = scoring_ == SchedulerConfig::Scoring::kMostAllocated ? most_allocated : least_allocated;
  return (f(cpu, node.allocatable_cpu_milli) + f(mem, node.allocatable_memory_bytes)) / 2;  // cpu, memory weight 1
}

}  // namespace capstan::scheduler
