// The rate-limited work queue: one mutex guards everything, get() and the timer thread each wait
// on their own condition variable so nothing polls.

#include "capstan/workqueue.hpp"

#include <algorithm>
#include <cmath>

namespace capstan::sdk {

WorkQueue::WorkQueue(RateLimit limit)
    : limit_(limit), tokens_(static_cast<double>(limit.burst)), tokens_at_(Clock::now()) {
  timer_thread_ = std::thread([this] { timer_loop(); });
}

WorkQueue::~WorkQueue() {
  shut_down();
  if (timer_thread_.joinable()) timer_thread_.join();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  add_locked(key);
}

void WorkQueue::add_locked(const std::string& key) {
  if (shutting_down_) return;
  if (!dirty_.insert(key).second) return;  // already waiting: collapse
  // Being processed: done() queues it again, so a key never reaches two workers at once.
  if (processing_.count(key)) return;
  queue_.push_back(key);
  ready_cv_.notify_one();
}

void WorkQueue::add_after(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    add(key);
    return;
  }
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  const auto deadline = Clock::now() + delay;
  auto it = timer_deadline_.find(key);
  if (it != timer_deadline_.end()) {
    if (it->second <= deadline) return;  // the earlier deadline wins
    timer_.erase({it->second, key});
    it->second = deadline;
  } else {
    timer_deadline_.emplace(key, deadline);
  }
  const bool earliest = timer_.empty() || deadline < timer_.begin()->first;
  timer_.emplace(deadline, key);
  if (earliest) timer_cv_.notify_one();
}

std::chrono::milliseconds WorkQueue::backoff(int failures) const {
  // base * 2^failures, computed in floating point so large counts saturate instead of overflowing.
  const double ms = static_cast<double>(limit_.base_delay.count()) * std::pow(2.0, failures);
  const double max_ms = static_cast<double>(limit_.max_delay.count());
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(ms, max_ms)));
}

void WorkQueue::add_rate_limited(const std::string& key) {
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(mu_);
    if (shutting_down_) return;
    int& failures = failures_[key];
    const auto item_delay = backoff(failures);
    ++failures;

    // Token bucket as golang.org/x/time/rate's Reserve: refill, take a token even when that goes
    // negative, and wait for the debt to be repaid.
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - tokens_at_).count();
    tokens_ = std::min<double>(limit_.burst, tokens_ + elapsed * limit_.qps);
    tokens_at_ = now;
    tokens_ -= 1.0;
    std::chrono::milliseconds bucket_delay{0};
    if (tokens_ < 0 && limit_.qps > 0)
      bucket_delay = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(-tokens_ / limit_.qps * 1000.0)));

    delay = std::max(item_delay, bucket_delay);
  }
  add_after(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int WorkQueue::num_requeues(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

std::chrono::milliseconds WorkQueue::next_backoff(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return backoff(it == failures_.end() ? 0 : it->second);
}

bool WorkQueue::get(std::string& key) {
  std::unique_lock lock(mu_);
  ready_cv_.wait(lock, [this] { return shutting_down_ || !queue_.empty(); });
  if (shutting_down_) return false;
  key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return true;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  // Re-added while it was being processed: now it may go to a worker again.
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back(key);
    ready_cv_.notify_one();
  }
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  ready_cv_.notify_all();
  timer_cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkQueue::timer_loop() {
  std::unique_lock lock(mu_);
  while (!shutting_down_) {
    if (timer_.empty()) {
      timer_cv_.wait(lock);
      continue;
    }
    const auto now = Clock::now();
    while (!timer_.empty() && timer_.begin()->first <= now) {
      std::string key = timer_.begin()->second;
      timer_.erase(timer_.begin());
      timer_deadline_.erase(key);
      add_locked(key);
    }
    if (!timer_.empty()) {
      // Copy: the set may change while we sleep (an earlier deadline notifies us).
      const auto next = timer_.begin()->first;
      timer_cv_.wait_until(lock, next);
    }
  }
}

}  // namespace capstan::sdk
