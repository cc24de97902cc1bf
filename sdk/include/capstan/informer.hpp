#pragma once
// An informer, as client-go's shared informer: a local, read-only cache of one resource kept
// current by list + watch, plus handlers told about each change.
//
// It is level-based: when the watch falls behind (a `resync` event) or cannot start, the
// informer lists again with back-off and diffs the fresh list against its cache, emitting
// added/modified/deleted so handlers converge on the store's state even though individual
// events were lost. Handlers should therefore only note *which* object changed (enqueue its key)
// and read the current state from the cache when they act.
//
// Threads: list/relist runs on the informer's own thread; watch events arrive on the kernel's
// delivery thread. Handlers are serialized (never two at once, in event order), and the cache
// already reflects an event when its handler runs. Cached objects are immutable and shared.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "capstan/client.hpp"
#include "capstan/object.hpp"

namespace capstan::sdk {

enum class EventKind { kAdded, kModified, kDeleted };

const char* to_string(EventKind kind);

class Informer {
 public:
  using Handler = std::function<void(const ObjectPtr& obj, EventKind kind)>;
  using HandlerId = uint64_t;

  // ns empty = all namespaces. The client (and its host) must outlive the informer.
  Informer(const Client& client, Resource resource, std::string ns = "");
  ~Informer();  // stop()s
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Registers a handler. Added after start(), it first receives kAdded for every cached object.
  // Handlers run on informer/kernel threads and must not call stop() or remove_handler().
  HandlerId add_handler(Handler handler);
  void remove_handler(HandlerId id);

  // Starts the list/watch thread and returns at once; use wait_for_sync() to wait for the cache.
  void start();
  // Ends the watch and the thread; once it returns no handler runs (unless start() is called again).
  void stop();

  // True once the first list has been cached and its kAdded events delivered.
  bool has_synced() const;
  bool wait_for_sync(std::chrono::milliseconds timeout) const;

  // Cache reads.
  ObjectPtr get(const std::string& ns, const std::string& name) const;
  std::vector<ObjectPtr> list(const std::string& ns = "") const;
  std::vector<ObjectPtr> list_matching(const std::function<bool(const ObjectPtr&)>& pred) const;

  const Resource& resource() const { return resource_; }
  const std::string& ns() const { return ns_; }
  // Revision of the last list or watch event applied (the next watch resumes after it).
  uint64_t last_revision() const;
  // How many times the informer listed (the initial list included): for diagnostics and tests.
  uint64_t list_count() const;

  // Restricts the informer to objects matching these selectors (as kubectl's -l and
  // --field-selector; e.g. "spec.nodeName=node-1" for a node agent). Call before start().
  void set_selectors(std::string label_selector, std::string field_selector) {
    label_selector_ = std::move(label_selector);
    field_selector_ = std::move(field_selector);
  }

  // Re-list back-off: initial delay, doubled after each failure up to the maximum.
  void set_relist_backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);

 private:
  void run();
  bool relist();        // list, diff into the cache, emit; false on failure
  bool start_watch();   // watch from last_revision_; false on failure
  void end_watch();
  void on_watch_event(uint64_t generation, const void* data, size_t size);
  void apply(const ObjectPtr& obj, bool deleted);  // updates the cache and emits; dispatch_mu_ held
  void emit(const ObjectPtr& obj, EventKind kind);  // dispatch_mu_ held

  const Client& client_;
  const Resource resource_;
  const std::string ns_;
  std::string label_selector_, field_selector_;

  // Serializes handler runs and cache writes so handlers see events in order. Recursive so that
  // a handler may call add_handler() or remove_handler().
  mutable std::recursive_mutex dispatch_mu_;
  std::map<HandlerId, std::shared_ptr<Handler>> handlers_;
  HandlerId next_handler_id_ = 1;
  bool dispatching_ = false;  // handlers may run (between start() and stop())

  // The cache, keyed by Object::key(); readers take it shared.
  mutable std::shared_mutex cache_mu_;
  std::map<std::string, ObjectPtr> cache_;

  // Control state of the list/watch thread.
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // wakes run() (relist needed, stop) and wait_for_sync()
  bool running_ = false;
  bool stopping_ = false;
  bool relist_needed_ = false;
  bool synced_ = false;
  uint64_t watch_generation_ = 0;  // events of older watches are ignored
  std::optional<uint64_t> watch_id_;
  uint64_t last_revision_ = 0;
  uint64_t list_count_ = 0;
  std::chrono::milliseconds backoff_initial_{200};
  std::chrono::milliseconds backoff_max_{30000};
  std::thread thread_;
};

}  // namespace capstan::sdk
