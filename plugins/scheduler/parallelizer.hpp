#pragma once
// A tiny fixed pool that runs the pieces of one job on the caller plus helper threads (as the
// scheduler's parallelize.Until): the filter step fans out over chunks of nodes.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace capstan::scheduler {

class Parallelizer {
 public:
  explicit Parallelizer(int helpers);
  ~Parallelizer();
  Parallelizer(const Parallelizer&) = delete;
  Parallelizer& operator=(const Parallelizer&) = delete;

  // Calls fn(i) for every i < pieces, on this thread and the helpers; returns when all are done.
  // One job at a time (the scheduling loop is single-threaded).
  void run(size_t pieces, const std::function<void(size_t)>& fn);
  int helpers() const { return static_cast<int>(threads_.size()); }

 private:
  void helper();
  void drain();

  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  const std::function<void(size_t)>* job_ = nullptr;
  size_t pieces_ = 0;
  std::atomic<size_t> next_{0};
  int busy_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace capstan::scheduler
