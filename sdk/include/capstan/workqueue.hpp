#pragma once
// The controller work queue, as client-go's RateLimitingInterface: keys (not events) go in, so a
// burst of changes to one object collapses into one reconcile (level-based control).
//
// Guarantees:
//  * a key is handed to at most one worker at a time: a key added while it is being processed is
//    remembered (dirty) and queued again when done() is called for it;
//  * a key waiting in the queue is queued only once however often it is added;
//  * otherwise keys come out in the order they went in.
// Delayed adds are kept in a timer ordered by deadline and served by one internal thread that
// sleeps on a condition variable until the earliest deadline.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace capstan::sdk {

// Delay policy for add_rate_limited(): the larger of a per-key exponential back-off (so one
// failing key slows down alone) and an overall token bucket (so many failing keys cannot flood
// the store). The defaults are client-go's DefaultControllerRateLimiter.
struct RateLimit {
  std::chrono::milliseconds base_delay{5};
  std::chrono::milliseconds max_delay{1000 * 1000};
  double qps = 10.0;
  int burst = 100;
};

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkQueue(RateLimit limit = {});
  ~WorkQueue();  // shuts down and joins the timer thread
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues key unless it is already waiting; ignored after shut_down().
  void add(const std::string& key);
  // Queues key once delay has passed; a key already waiting in the timer keeps the earlier deadline.
  void add_after(const std::string& key, std::chrono::milliseconds delay);
  // Queues key after the rate limiter's delay and counts the requeue.
  void add_rate_limited(const std::string& key);
  // Resets key's back-off (call after a successful reconcile). Does not remove a queued key.
  void forget(const std::string& key);
  // How often key was rate-limited since the last forget().
  int num_requeues(const std::string& key) const;
  // The per-key back-off the next add_rate_limited(key) would use (without the token bucket).
  std::chrono::milliseconds next_backoff(const std::string& key) const;

  // Blocks until a key is available; returns false once the queue is shut down (keys still
  // queued are then dropped: the controller is stopping and will list again when restarted).
  bool get(std::string& key);
  // Marks key finished; must be called once for every key get() returned.
  void done(const std::string& key);

  // Wakes every get() (which returns false) and ignores later adds.
  void shut_down();
  bool shutting_down() const;
  // Keys ready to be handed out (not counting those being processed or waiting in the timer).
  size_t size() const;

 private:
  void add_locked(const std::string& key);
  void timer_loop();
  std::chrono::milliseconds backoff(int failures) const;

  const RateLimit limit_;
  mutable std::mutex mu_;
  std::condition_variable ready_cv_;  // get() waits here
  std::condition_variable timer_cv_;  // the timer thread waits here
  bool shutting_down_ = false;

  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;       // needs processing (queued, or re-added while processing)
  std::unordered_set<std::string> processing_;  // handed to a worker, done() not yet called

  // Delayed adds: deadline order plus the deadline of each key, so a key waits only once.
  std::set<std::pair<Clock::time_point, std::string>> timer_;
  std::unordered_map<std::string, Clock::time_point> timer_deadline_;

  // Rate limiter state.
  std::unordered_map<std::string, int> failures_;
  double tokens_;
  Clock::time_point tokens_at_;

  std::thread timer_thread_;
};

}  // namespace capstan::sdk
