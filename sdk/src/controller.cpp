// Controller workers: get a key, reconcile it, then turn the result into the queue's next step
// (forget, back-off, or delay), as client-go's processNextWorkItem does.

#include "capstan/controller.hpp"

#include <capnp/any.h>

#include <exception>

#include "capstan/meta.capnp.h"

namespace capstan::sdk {

Controller::Controller(std::string name, const Host& host, Reconcile reconcile, int workers, RateLimit limit)
    : name_(std::move(name)),
      host_(host),
      reconcile_(std::move(reconcile)),
      workers_(workers < 1 ? 1 : workers),
      queue_(std::make_shared<WorkQueue>(limit)) {}

Controller::~Controller() { stop(); }

void Controller::enqueue(const std::string& key) { queue_->add(key); }

void Controller::enqueue_object(const ObjectPtr& obj) {
  if (obj) queue_->add(obj->key());
}

void Controller::enqueue_after(const std::string& key, std::chrono::milliseconds delay) {
  queue_->add_after(key, delay);
}

void Controller::watch(Informer& informer) {
  informers_.push_back(&informer);
  // Capture the queue, not `this`: an informer that outlives the controller then only adds to a
  // shut-down queue, which ignores it.
  informer.add_handler([queue = queue_](const ObjectPtr& obj, EventKind) {
    if (obj) queue->add(obj->key());
  });
}

void Controller::watch_owned(Informer& informer, OwnerKeyFn owner_key) {
  informers_.push_back(&informer);
  informer.add_handler([queue = queue_, owner_key = std::move(owner_key)](const ObjectPtr& obj, EventKind) {
    if (!obj) return;
    if (auto key = owner_key(obj)) queue->add(*key);
  });
}

void Controller::start() {
  std::lock_guard lock(start_mu_);
  if (!threads_.empty() || stopping_) return;
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { worker(); });
}

void Controller::stop() {
  std::lock_guard lock(start_mu_);
  stopping_ = true;
  queue_->shut_down();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

bool Controller::synced() const { return synced_; }

bool Controller::wait_for_informers() {
  for (Informer* informer : informers_) {
    // Short waits so that stop() is honoured while an informer still lists (or is never started).
    while (!informer->wait_for_sync(std::chrono::milliseconds(50)))
      if (stopping_) return false;
  }
  return !stopping_;
}

void Controller::worker() {
  if (!wait_for_informers()) return;
  synced_ = true;
  std::string key;
  while (queue_->get(key)) {
    process(key);
    queue_->done(key);
  }
}

void Controller::process(const std::string& key) {
  ReconcileResult result;
  try {
    result = reconcile_(key);
  } catch (const std::exception& e) {
    result.error = std::string("exception: ") + e.what();
  } catch (...) {
    result.error = "unknown exception";
  }
  if (!result.error.empty()) {
    host_.warn("controller " + name_ + ": reconcile " + key + " failed (retry " +
               std::to_string(queue_->num_requeues(key) + 1) + "): " + result.error);
    queue_->add_rate_limited(key);
  } else if (result.requeue_after.count() > 0) {
    // A deliberate delay, not a failure: the back-off starts over.
    queue_->forget(key);
    queue_->add_after(key, result.requeue_after);
  } else if (result.requeue) {
    queue_->add_rate_limited(key);
  } else {
    queue_->forget(key);
  }
}

std::optional<std::string> controller_owner_key(const ObjectPtr& obj, std::string_view owner_kind,
                                                std::string_view owner_api_version) {
  if (!obj) return std::nullopt;
  try {
    auto meta = obj->metadata();
    for (auto ref : meta.getOwnerReferences()) {
      if (!ref.getController().isValue() || !ref.getController().getValue()) continue;
      if (std::string_view(ref.getKind().cStr()) != owner_kind) return std::nullopt;
      if (!owner_api_version.empty() && std::string_view(ref.getApiVersion().cStr()) != owner_api_version)
        return std::nullopt;
      const std::string name = ref.getName().cStr();
      return obj->ns().empty() ? name : obj->ns() + "/" + name;
    }
  } catch (...) {
    // A malformed object has no owner we can trust.
  }
  return std::nullopt;
}

}  // namespace capstan::sdk
