#include "store/event_bus.hpp"

#include <algorithm>

namespace capstan::store {

bool Subscription::push(const Event& e) {
  if (e.revision <= after_revision_) return false;  // already covered by the subscriber's snapshot
  std::lock_guard lock(mutex_);
  if (cut_off_.load()) return false;
  if (queue_.size() >= capacity_) {
    // A lagging subscriber is cut off rather than skipped: it re-lists and re-watches.
    cut_off_.store(true);
    queue_.clear();
    return true;
  }
  queue_.push_back(e);
  return queue_.size() == 1;
}

size_t Subscription::drain(std::vector<Event>& out, size_t max) {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  while (n < max && !queue_.empty()) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
    ++n;
  }
  return n;
}

EventBus::SubscribeResult EventBus::subscribe(const std::string& prefix, uint64_t after_revision,
                                              std::function<void()> on_ready, std::shared_ptr<Subscription>& out,
                                              size_t capacity) {
  auto sub = std::make_shared<Subscription>();
  sub->prefix_ = prefix;
  sub->after_revision_ = after_revision;
  sub->capacity_ = capacity ? capacity : queue_capacity_;
  sub->on_ready_ = std::move(on_ready);
  bool signal = false;
  {
    std::lock_guard lock(mutex_);
    if (after_revision < oldest_resumable_locked()) return SubscribeResult::kExpired;
    sub->id_ = next_id_++;
    for (const auto& e : recent_) {
      if (e.revision > after_revision && e.object->key.compare(0, prefix.size(), prefix) == 0) {
        signal |= sub->push(e);
      }
    }
    by_prefix_[prefix].push_back(sub);
  }
  if (signal && sub->on_ready_) sub->on_ready_();
  out = std::move(sub);
  return SubscribeResult::kOk;
}

void EventBus::unsubscribe(const std::shared_ptr<Subscription>& sub) {
  if (!sub) return;
  std::lock_guard lock(mutex_);
  auto it = by_prefix_.find(sub->prefix_);
  if (it == by_prefix_.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), sub), v.end());
  if (v.empty()) by_prefix_.erase(it);
}

void EventBus::publish(const std::vector<Event>& events) {
  std::vector<std::shared_ptr<Subscription>> ready;
  {
    std::lock_guard lock(mutex_);
    for (const auto& e : events) {
      recent_.push_back(e);
      last_revision_ = e.revision;
      const std::string& key = e.object->key;
      // Every '/'-terminated prefix of the key, from "/" to "/group/resource/namespace/".
      for (size_t pos = 0; pos != std::string::npos && pos < key.size(); pos = key.find('/', pos + 1)) {
        auto it = by_prefix_.find(key.substr(0, pos + 1));
        if (it == by_prefix_.end()) continue;
        for (auto& sub : it->second) {
          if (sub->push(e)) ready.push_back(sub);
        }
      }
    }
    while (recent_.size() > window_) recent_.pop_front();
  }
  for (auto& sub : ready) {
    if (sub->on_ready_) sub->on_ready_();
  }
}

uint64_t EventBus::oldest_resumable_locked() const {
  if (recent_.empty()) return last_revision_ > start_revision_ ? last_revision_ : start_revision_;
  if (recent_.size() < window_) return std::min(start_revision_, recent_.front().revision - 1);
  return recent_.front().revision - 1;
}

uint64_t EventBus::oldest_resumable() const {
  std::lock_guard lock(mutex_);
  return oldest_resumable_locked();
}

void EventBus::set_start_revision(uint64_t revision) {
  std::lock_guard lock(mutex_);
  start_revision_ = revision;
  last_revision_ = revision;
}

size_t EventBus::subscriber_count() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [_, v] : by_prefix_) n += v.size();
  return n;
}

}  // namespace capstan::store
