#pragma once
// Delivers every committed change, in revision order, to subscribers (API watchers and plugin
// informers). Each subscriber has a bounded queue: one that falls behind is cut off (it learns so
// and must re-list), never silently skipped. A window of recent events lets a watch start from a
// past revision; older revisions answer "expired" (HTTP 410).

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/object.hpp"

namespace capstan::store {

class Subscription {
 public:
  // Pops up to max events; returns false (with `cut_off` true) once the subscriber was cut off.
  size_t drain(std::vector<Event>& out, size_t max);
  bool cut_off() const { return cut_off_.load(); }
  uint64_t id() const { return id_; }

 private:
  friend class EventBus;
  uint64_t id_ = 0;
  std::string prefix_;
  uint64_t after_revision_ = 0;  // events at or below this are already known to the subscriber
  size_t capacity_ = 0;
  std::function<void()> on_ready_;
  std::mutex mutex_;
  std::deque<Event> queue_;
  std::atomic<bool> cut_off_{false};
  bool push(const Event& e);  // returns whether on_ready must be signalled
};

class EventBus {
 public:
  explicit EventBus(size_t window = 100000, size_t queue_capacity = 10000)
      : window_(window), queue_capacity_(queue_capacity) {}

  enum class SubscribeResult { kOk, kExpired };

  // Subscribe to keys starting with `prefix`, receiving every event with revision > after_revision.
  // on_ready runs (on the publisher's thread; it must only schedule work) when the queue goes from
  // empty to non-empty or the subscriber is cut off.
  SubscribeResult subscribe(const std::string& prefix, uint64_t after_revision, std::function<void()> on_ready,
                            std::shared_ptr<Subscription>& out, size_t capacity = 0);
  void unsubscribe(const std::shared_ptr<Subscription>& sub);

  // Called by the store, in revision order, after the events are durable.
  void publish(const std::vector<Event>& events);

  // The oldest revision a watch may still start after (0 when the window reaches the beginning).
  uint64_t oldest_resumable() const;
  // The newest published revision; when the store starts it seeds this with its revision.
  void set_start_revision(uint64_t revision);
  size_t subscriber_count() const;

 private:
  uint64_t oldest_resumable_locked() const;

  const size_t window_;
  const size_t queue_capacity_;
  mutable std::mutex mutex_;
  std::deque<Event> recent_;
  uint64_t last_revision_ = 0;
  uint64_t start_revision_ = 0;
  uint64_t next_id_ = 1;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Subscription>>> by_prefix_;
};

}  // namespace capstan::store
