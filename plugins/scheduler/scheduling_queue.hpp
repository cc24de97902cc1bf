#pragma once
// Pending pods, as Kubernetes' PriorityQueue without priorities: an active FIFO the scheduling
// loop pops one key at a time, and an unschedulable set of pods that failed and wait for a change
// of the cluster (node added/updated, pod deleted) or the periodic flush to be tried again.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace capstan::scheduler {

class SchedulingQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // Queues key for scheduling (once), taking it out of the unschedulable set.
  void add(const std::string& key);
  // Parks key until the cluster changes; `generation` is the pod's metadata.generation then.
  void add_unschedulable(const std::string& key, int64_t generation);
  // A pod update: requeues an unschedulable pod only when its spec changed (its generation), so
  // the scheduler's own status writes do not loop it.
  void update(const std::string& key, int64_t generation);
  void remove(const std::string& key);
  // A cluster change: every unschedulable pod goes back to the active queue.
  void move_all_to_active();
  // Moves pods parked for longer than `age` back to active (the periodic flush).
  void flush_unschedulable(std::chrono::milliseconds age);

  // Waits up to `timeout` for a key; false on timeout or shut-down.
  bool pop(std::string& key, std::chrono::milliseconds timeout);
  void shut_down();
  bool shutting_down() const;

  size_t active_size() const;
  size_t unschedulable_size() const;
  bool is_unschedulable(const std::string& key) const;

 private:
  void add_locked(const std::string& key);
  struct Parked {
    int64_t generation;
    Clock::time_point since;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool shutting_down_ = false;
  std::deque<std::string> active_;
  std::unordered_set<std::string> in_active_;
  std::unordered_map<std::string, Parked> unschedulable_;
};

}  // namespace capstan::scheduler
