// Informer: list, then watch from the list's revision; on resync or a failed watch, list again
// with back-off and diff the result against the cache.
//
// Lock order: dispatch_mu_ -> cache_mu_ and dispatch_mu_ -> mu_. Host::unwatch() waits for a
// running callback, and the callback takes dispatch_mu_ and mu_, so unwatch is always called
// with neither held.

#include "capstan/informer.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>

#include <algorithm>
#include <cstring>
#include <exception>

#include "capstan/host.capnp.h"

namespace capstan::sdk {

const char* to_string(EventKind kind) {
  switch (kind) {
    case EventKind::kAdded:
      return "added";
    case EventKind::kModified:
      return "modified";
    case EventKind::kDeleted:
      return "deleted";
  }
  return "?";
}

namespace {

std::string resource_name(const Resource& r) {
  return r.group.empty() ? r.version + "/" + r.resource : r.group + "/" + r.version + "/" + r.resource;
}

// A relisted object replaces the cached one only when it changed, so an unchanged object does not
// produce a kModified. Revisions decide when both are known; otherwise the bytes do.
bool changed(const Object& cached, const Object& fresh) {
  if (cached.revision() != 0 && fresh.revision() != 0) return cached.revision() != fresh.revision();
  auto a = cached.bytes();
  auto b = fresh.bytes();
  return a.size() != b.size() || std::memcmp(a.begin(), b.begin(), a.size()) != 0;
}

}  // namespace

Informer::Informer(const Client& client, Resource resource, std::string ns)
    : client_(client), resource_(std::move(resource)), ns_(std::move(ns)) {}

Informer::~Informer() { stop(); }

Informer::HandlerId Informer::add_handler(Handler handler) {
  std::lock_guard dispatch(dispatch_mu_);
  const HandlerId id = next_handler_id_++;
  auto h = std::make_shared<Handler>(std::move(handler));
  handlers_.emplace(id, h);
  if (dispatching_) {
    // A late handler catches up on what the others have already seen.
    for (const auto& obj : list()) (*h)(obj, EventKind::kAdded);
  }
  return id;
}

void Informer::remove_handler(HandlerId id) {
  std::lock_guard dispatch(dispatch_mu_);
  handlers_.erase(id);
}

void Informer::set_relist_backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
  std::lock_guard lock(mu_);
  backoff_initial_ = initial;
  backoff_max_ = std::max(initial, max);
}

void Informer::start() {
  {
    std::lock_guard lock(mu_);
    if (running_) return;
    running_ = true;
    stopping_ = false;
    synced_ = false;
  }
  {
    std::lock_guard dispatch(dispatch_mu_);
    dispatching_ = true;
  }
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  {
    // Waits for a running handler; afterwards no event reaches a handler.
    std::lock_guard dispatch(dispatch_mu_);
    dispatching_ = false;
  }
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  end_watch();
  std::lock_guard lock(mu_);
  running_ = false;
}

bool Informer::has_synced() const {
  std::lock_guard lock(mu_);
  return synced_;
}

bool Informer::wait_for_sync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return synced_; });
}

uint64_t Informer::last_revision() const {
  std::lock_guard lock(mu_);
  return last_revision_;
}

uint64_t Informer::list_count() const {
  std::lock_guard lock(mu_);
  return list_count_;
}

ObjectPtr Informer::get(const std::string& ns, const std::string& name) const {
  std::shared_lock lock(cache_mu_);
  auto it = cache_.find(ns.empty() ? name : ns + "/" + name);
  return it == cache_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Informer::list(const std::string& ns) const {
  std::shared_lock lock(cache_mu_);
  std::vector<ObjectPtr> out;
  out.reserve(cache_.size());
  for (const auto& [key, obj] : cache_)
    if (ns.empty() || obj->ns() == ns) out.push_back(obj);
  return out;
}

std::vector<ObjectPtr> Informer::list_matching(const std::function<bool(const ObjectPtr&)>& pred) const {
  std::shared_lock lock(cache_mu_);
  std::vector<ObjectPtr> out;
  for (const auto& [key, obj] : cache_)
    if (pred(obj)) out.push_back(obj);
  return out;
}

void Informer::run() {
  std::chrono::milliseconds backoff;
  {
    std::lock_guard lock(mu_);
    backoff = backoff_initial_;
  }
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    if (relist() && start_watch()) {
      std::unique_lock lock(mu_);
      backoff = backoff_initial_;
      cv_.wait(lock, [this] { return stopping_ || relist_needed_; });
      if (stopping_) break;
      lock.unlock();
      end_watch();  // a resync ends the watch on the kernel side; release it here too
      continue;     // list again at once: the first relist after a healthy watch is not backed off
    }
    end_watch();
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, backoff, [this] { return stopping_; });
    backoff = std::min(backoff * 2, backoff_max_);
  }
  end_watch();
}

bool Informer::relist() {
  {
    std::lock_guard lock(mu_);
    relist_needed_ = false;
    ++list_count_;
  }
  ListResult result;
  try {
    result = client_.list(resource_, ns_, label_selector_, field_selector_);
  } catch (const std::exception& e) {
    client_.host().warn("informer " + resource_name(resource_) + ": list failed: " + e.what());
    return false;
  }
  if (!result.status.ok()) {
    client_.host().warn("informer " + resource_name(resource_) + ": list failed: " + std::to_string(result.status.code) +
                        " " + result.status.reason + " " + result.status.message);
    return false;
  }

  std::map<std::string, ObjectPtr> fresh;
  for (auto& obj : result.items)
    if (obj) fresh.emplace(obj->key(), obj);

  std::lock_guard dispatch(dispatch_mu_);
  if (!dispatching_) return false;  // stopping
  // Deletions missed while the watch was down.
  for (const auto& obj : list())
    if (!fresh.count(obj->key())) apply(obj, /*deleted=*/true);
  for (const auto& [key, obj] : fresh) {
    ObjectPtr cached;
    {
      std::shared_lock lock(cache_mu_);
      auto it = cache_.find(key);
      if (it != cache_.end()) cached = it->second;
    }
    if (!cached || changed(*cached, *obj)) apply(obj, /*deleted=*/false);
  }
  std::lock_guard lock(mu_);
  last_revision_ = result.revision;
  synced_ = true;
  cv_.notify_all();
  return true;
}

bool Informer::start_watch() {
  capnp::MallocMessageBuilder message;
  auto req = message.initRoot<capstan::host::WatchRequest>();
  auto res = req.initResource();
  res.setGroup(resource_.group);
  res.setVersion(resource_.version);
  res.setResource(resource_.resource);
  req.setNamespace(ns_);
  req.setLabelSelector(label_selector_);
  req.setFieldSelector(field_selector_);
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    req.setResourceVersion(last_revision_);
    generation = ++watch_generation_;
  }
  try {
    uint64_t id = client_.host().watch(serialize(message), [this, generation](const void* data, size_t size) {
      on_watch_event(generation, data, size);
    });
    std::lock_guard lock(mu_);
    watch_id_ = id;
    return true;
  } catch (const std::exception& e) {
    client_.host().warn("informer " + resource_name(resource_) + ": watch failed: " + e.what());
    return false;
  }
}

void Informer::end_watch() {
  std::optional<uint64_t> id;
  {
    std::lock_guard lock(mu_);
    id.swap(watch_id_);
    ++watch_generation_;  // whatever the old watch still delivers is ignored
  }
  if (id) client_.host().unwatch(*id);
}

void Informer::on_watch_event(uint64_t generation, const void* data, size_t size) {
  // This runs on a kernel thread behind a C callback: nothing may escape.
  try {
    {
      std::lock_guard lock(mu_);
      if (generation != watch_generation_ || stopping_) return;
    }
    // The kernel's buffer need not be word-aligned; the reader needs words.
    auto words = kj::heapArray<capnp::word>((size + sizeof(capnp::word) - 1) / sizeof(capnp::word));
    if (size) std::memcpy(words.begin(), data, size);
    capnp::FlatArrayMessageReader reader(words.asPtr());
    auto event = reader.getRoot<capstan::host::WatchEvent>();
    const uint64_t revision = event.getResourceVersion();

    switch (event.getType()) {
      case capstan::host::WatchEvent::Type::RESYNC: {
        std::lock_guard lock(mu_);
        relist_needed_ = true;
        cv_.notify_all();
        return;
      }
      case capstan::host::WatchEvent::Type::BOOKMARK: {
        std::lock_guard lock(mu_);
        last_revision_ = std::max(last_revision_, revision);
        return;
      }
      default:
        break;
    }
    auto bytes = event.getObject();
    if (bytes.size() == 0) return;
    auto obj = Object::from_bytes(bytes.begin(), bytes.size(), revision);
    const bool deleted = event.getType() == capstan::host::WatchEvent::Type::DELETED;

    std::lock_guard dispatch(dispatch_mu_);
    if (!dispatching_) return;
    {
      std::lock_guard lock(mu_);
      if (generation != watch_generation_) return;  // a relist took over meanwhile
      last_revision_ = std::max(last_revision_, revision);
    }
    apply(obj, deleted);
  } catch (const std::exception& e) {
    client_.host().warn("informer " + resource_name(resource_) + ": bad watch event: " + e.what());
  } catch (...) {
    client_.host().warn("informer " + resource_name(resource_) + ": bad watch event");
  }
}

void Informer::apply(const ObjectPtr& obj, bool deleted) {
  EventKind kind;
  ObjectPtr subject = obj;
  {
    std::unique_lock lock(cache_mu_);
    auto it = cache_.find(obj->key());
    if (deleted) {
      if (it != cache_.end()) cache_.erase(it);
      kind = EventKind::kDeleted;
    } else if (it == cache_.end()) {
      cache_.emplace(obj->key(), obj);
      kind = EventKind::kAdded;
    } else {
      it->second = obj;  // replace the pointer; the old object stays valid for whoever holds it
      kind = EventKind::kModified;
    }
  }
  emit(subject, kind);
}

void Informer::emit(const ObjectPtr& obj, EventKind kind) {
  // A copy, so a handler may add or remove handlers.
  std::vector<std::shared_ptr<Handler>> handlers;
  handlers.reserve(handlers_.size());
  for (const auto& [id, h] : handlers_) handlers.push_back(h);
  for (const auto& h : handlers) {
    try {
      (*h)(obj, kind);
    } catch (const std::exception& e) {
      client_.host().warn("informer " + resource_name(resource_) + ": handler threw: " + e.what());
    }
  }
}

}  // namespace capstan::sdk
