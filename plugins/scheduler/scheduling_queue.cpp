#include "scheduling_queue.hpp"

namespace capstan::scheduler {

void SchedulingQueue::add_locked(const std::string& key) {
  unschedulable_.erase(key);
  if (in_active_.insert(key).second) {
    active_.push_back(key);
    cv_.notify_one();
  }
}

void SchedulingQueue::add(const std::string& key) {
  std::lock_guard l(mu_);
  if (!shutting_down_) add_locked(key);
}

void SchedulingQueue::add_unschedulable(const std::string& key, int64_t generation) {
  std::lock_guard l(mu_);
  if (shutting_down_ || in_active_.count(key)) return;  // re-added meanwhile: it is tried again anyway
  unschedulable_[key] = {generation, Clock::now()};
}

void SchedulingQueue::update(const std::string& key, int64_t generation) {
  std::lock_guard l(mu_);
  if (shutting_down_) return;
  auto it = unschedulable_.find(key);
  if (it != unschedulable_.end() && it->second.generation == generation) return;
  add_locked(key);
}

void SchedulingQueue::remove(const std::string& key) {
  std::lock_guard l(mu_);
  unschedulable_.erase(key);
  // A key still in active_ is skipped by the loop when the pod is gone from the informer.
}

void SchedulingQueue::move_all_to_active() {
  std::lock_guard l(mu_);
  if (shutting_down_) return;
  for (auto& [key, parked] : unschedulable_)
    if (in_active_.insert(key).second) active_.push_back(key);
  unschedulable_.clear();
  cv_.notify_all();
}

void SchedulingQueue::flush_unschedulable(std::chrono::milliseconds age) {
  std::lock_guard l(mu_);
  if (shutting_down_) return;
  const auto cutoff = Clock::now() - age;
  for (auto it = unschedulable_.begin(); it != unschedulable_.end();) {
    if (it->second.since <= cutoff) {
      if (in_active_.insert(it->first).second) active_.push_back(it->first);
      it = unschedulable_.erase(it);
    } else {
      ++it;
    }
  }
  cv_.notify_all();
}

bool SchedulingQueue::pop(std::string& key, std::chrono::milliseconds timeout) {
  std::unique_lock l(mu_);
  if (!cv_.wait_for(l, timeout, [&] { return shutting_down_ || !active_.empty(); })) return false;
  if (shutting_down_) return false;
  key = std::move(active_.front());
  active_.pop_front();
  in_active_.erase(key);
  return true;
}

void SchedulingQueue::shut_down() {
  std::lock_guard l(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

bool SchedulingQueue::shutting_down() const {
  std::lock_guard l(mu_);
  return shutting_down_;
}

size_t SchedulingQueue::active_size() const {
  std::lock_guard l(mu_);
  return active_.size();
}

size_t SchedulingQueue::unschedulable_size() const {
  std::lock_guard l(mu_);
  return unschedulable_.size();
}

bool SchedulingQueue::is_unschedulable(const std::string& key) const {
  std::lock_guard l(mu_);
  return unschedulable_.count(key) != 0;
}

}  // namespace capstan::scheduler
