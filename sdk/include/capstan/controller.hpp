#pragma once
// A controller, as client-go's pattern has it: informer handlers only enqueue object keys; workers
// take keys from a rate-limited work queue and call reconcile(key), which reads the current state
// (from informer caches or the client) and drives the world towards it. Because only keys travel,
// a burst of events for one object costs one reconcile, and a lost event is repaired by the next
// relist: reconcile is level-based, never edge-based.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "capstan/host.hpp"
#include "capstan/informer.hpp"
#include "capstan/object.hpp"
#include "capstan/workqueue.hpp"

namespace capstan::sdk {

struct ReconcileResult {
  bool requeue = false;                     // try again with back-off (no error to report)
  std::chrono::milliseconds requeue_after{0};  // try again after this delay (e.g. to poll a condition)
  std::string error;                        // non-empty: logged, retried with back-off

  static ReconcileResult ok() { return {}; }
  static ReconcileResult after(std::chrono::milliseconds d) { return {false, d, {}}; }
  static ReconcileResult fail(std::string message) { return {false, std::chrono::milliseconds{0}, std::move(message)}; }
};

class Controller {
 public:
  using Reconcile = std::function<ReconcileResult(const std::string& key)>;
  using OwnerKeyFn = std::function<std::optional<std::string>(const ObjectPtr&)>;

  // The host must outlive the controller. reconcile runs on `workers` threads, never concurrently
  // for one key; an exception it throws counts as an error.
  Controller(std::string name, const Host& host, Reconcile reconcile, int workers = 2, RateLimit limit = {});
  ~Controller();  // stop()s
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void enqueue(const std::string& key);
  void enqueue_object(const ObjectPtr& obj);  // enqueues obj->key()
  void enqueue_after(const std::string& key, std::chrono::milliseconds delay);

  // Every change of an object of `informer` enqueues that object's key. Call before start().
  // The handler holds the queue, not the controller, so either may be destroyed first.
  void watch(Informer& informer);
  // Every change of an object of `informer` enqueues owner_key(obj) when it has a value: for
  // dependents (e.g. Pods of a ReplicaSet) whose changes matter to their owner's reconcile.
  void watch_owned(Informer& informer, OwnerKeyFn owner_key);

  // Starts the workers and returns at once; they take keys only once every watched informer has
  // synced, so reconcile never sees a partial cache. Events arriving before that just queue up.
  void start();
  // Shuts the queue down and joins the workers (a running reconcile finishes first). Keys still
  // queued are dropped. A stopped controller cannot be started again; make a new one.
  void stop();

  // True once every watched informer has synced and workers are processing.
  bool synced() const;
  const std::string& name() const { return name_; }
  WorkQueue& queue() { return *queue_; }

 private:
  void worker();
  bool wait_for_informers();
  void process(const std::string& key);

  const std::string name_;
  const Host& host_;
  const Reconcile reconcile_;
  const int workers_;
  std::shared_ptr<WorkQueue> queue_;
  std::vector<Informer*> informers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> synced_{false};
  std::mutex start_mu_;
};

// The key (namespace/name) of obj's controlling owner (ownerReferences entry with controller=true)
// when that owner is of `owner_kind` (and, if non-empty, `owner_api_version`); owners live in the
// object's namespace. Works for any kind whose root struct starts with apiVersion, kind, metadata.
std::optional<std::string> controller_owner_key(const ObjectPtr& obj, std::string_view owner_kind,
                                                std::string_view owner_api_version = "");

}  // namespace capstan::sdk
