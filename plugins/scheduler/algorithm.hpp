#pragma once
// One scheduling cycle's decision (Kubernetes' schedulePod): filter the nodes, in parallel chunks
// when there are many, stopping once enough feasible nodes were found; score the feasible ones;
// pick the best, ties broken at random. Pure: no I/O, so tests drive it with fake nodes.

#include <map>
#include <random>
#include <string>
#include <vector>

#include "framework.hpp"
#include "parallelizer.hpp"

namespace capstan::scheduler {

struct ScheduleResult {
  std::string node;                        // empty: no node fits
  size_t num_nodes = 0;                    // nodes considered
  size_t feasible = 0;
  std::map<std::string, int> reason_counts;  // per failure reason, how many nodes
  std::string error;                       // a plugin answered Error
  bool ok() const { return !node.empty(); }
  std::string failure_message() const { return fit_error_message(num_nodes, reason_counts); }
};

class GenericScheduler {
 public:
  explicit GenericScheduler(const Framework& framework, Parallelizer* parallelizer = nullptr,
                            uint32_t seed = std::random_device{}());

  ScheduleResult schedule(const PodInfo& pod, const std::vector<NodeInfo*>& nodes);

  // Kubernetes' adaptive percentageOfNodesToScore: all of a small cluster, down to 5% (min 100).
  static size_t num_feasible_nodes_to_find(size_t num_nodes);
  // Below this many nodes the filter runs on the calling thread only.
  static constexpr size_t kParallelThreshold = 512;
  static constexpr size_t kChunk = 128;

 private:
  const Framework& framework_;
  Parallelizer* parallelizer_;
  std::mt19937 rng_;
  size_t next_start_ = 0;  // rotates so every node gets its turn when we stop early
};

}  // namespace capstan::scheduler
