#include "algorithm.hpp"

#include <atomic>
#include <mutex>

namespace capstan::scheduler {

GenericScheduler::GenericScheduler(const Framework& framework, Parallelizer* parallelizer, uint32_t seed)
    : framework_(framework), parallelizer_(parallelizer), rng_(seed) {}

size_t GenericScheduler::num_feasible_nodes_to_find(size_t num_nodes) {
  constexpr size_t kMinFeasibleNodesToFind = 100;
  if (num_nodes < kMinFeasibleNodesToFind) return num_nodes;
  long percentage = 50 - static_cast<long>(num_nodes) / 125;
  if (percentage < 5) percentage = 5;
  size_t n = num_nodes * static_cast<size_t>(percentage) / 100;
  return n < kMinFeasibleNodesToFind ? kMinFeasibleNodesToFind : n;
}

ScheduleResult GenericScheduler::schedule(const PodInfo& pod, const std::vector<NodeInfo*>& nodes) {
  ScheduleResult result;
  const size_t n = nodes.size();
  result.num_nodes = n;
  if (n == 0) return result;
  const size_t want = num_feasible_nodes_to_find(n);
  const size_t start = next_start_ % n;

  std::vector<const NodeInfo*> feasible;
  feasible.reserve(want);
  std::mutex mu;  // guards feasible, result (only touched per chunk, not per node)
  std::atomic<size_t> found{0}, processed{0};

  auto filter_range = [&](size_t from, size_t to) {
    std::vector<const NodeInfo*> local;
    std::map<std::string, int> reasons;
    std::string error;
    size_t done = 0;
    for (size_t i = from; i < to; ++i) {
      if (found.load(std::memory_order_relaxed) >= want) break;
      const NodeInfo* node = nodes[(start + i) % n];
      ++done;
      Status s = framework_.run_filters(pod, *node);
      if (s.ok()) {
        local.push_back(node);
        found.fetch_add(1, std::memory_order_relaxed);
      } else if (s.code() == Status::Code::kError) {
        error = s.message();
      } else {
        for (const auto& r : s.reasons()) ++reasons[r];
      }
    }
    processed.fetch_add(done, std::memory_order_relaxed);
    std::lock_guard l(mu);
    feasible.insert(feasible.end(), local.begin(), local.end());
    for (const auto& [r, c] : reasons) result.reason_counts[r] += c;
    if (!error.empty()) result.error = error;
  };

  if (parallelizer_ && parallelizer_->helpers() > 0 && n >= kParallelThreshold) {
    const size_t chunks = (n + kChunk - 1) / kChunk;
    parallelizer_->run(chunks, [&](size_t c) { filter_range(c * kChunk, std::min(n, (c + 1) * kChunk)); });
  } else {
    filter_range(0, n);
  }
  next_start_ = (start + processed.load()) % n;
  result.feasible = feasible.size();
  if (!result.error.empty() || feasible.empty()) return result;

  if (feasible.size() == 1) {
    result.node = feasible[0]->name;
    return result;
  }
  std::vector<int64_t> scores = framework_.run_scores(pod, feasible);
  // The best score; ties broken uniformly at random (reservoir sampling, as selectHost).
  int64_t best = -1;
  size_t ties = 0;
  for (size_t i = 0; i < feasible.size(); ++i) {
    if (scores[i] > best) {
      best = scores[i];
      ties = 1;
      result.node = feasible[i]->name;
    } else if (scores[i] == best) {
      ++ties;
      if (std::uniform_int_distribution<size_t>(0, ties - 1)(rng_) == 0) result.node = feasible[i]->name;
    }
  }
  return result;
}

}  // namespace capstan::scheduler
