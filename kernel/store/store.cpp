#include "store/store.hpp"

#include <future>
#include <stdexcept>

#include "store/sqlite_log.hpp"

namespace capstan::store {

std::string resource_prefix(const std::string& group, const std::string& resource) {
  return "/" + (group.empty() ? std::string("core") : group) + "/" + resource + "/";
}

std::string object_key(const std::string& group, const std::string& resource, const std::string& ns,
                       const std::string& name) {
  std::string key = resource_prefix(group, resource);
  if (!ns.empty()) {
    key += ns;
    key += '/';
  }
  key += name;
  return key;
}

Store::Store(const std::string& path, EventBus& bus) : bus_(bus) {
  if (!path.empty()) log_ = std::make_unique<SqliteLog>(path);
}

Store::~Store() { close(); }

void Store::set_transformer(std::shared_ptr<const ValueTransformer> t) {
  transformer_ = std::move(t);
  if (log_) log_->set_transformer(transformer_.get());
}

void Store::open(const Rehydrate& rehydrate) {
  uint64_t revision = 0;
  if (log_) {
    revision = log_->load([&](const std::string& key, uint64_t rev, std::string&& bytes) {
      if (auto obj = rehydrate(key, rev, std::move(bytes))) cache_[key] = std::move(obj);
    });
  }
  committed_revision_ = revision;
  last_revision_ = revision;
  bus_.set_start_revision(revision);
  committer_ = std::thread([this] { committer_loop(); });
}

void Store::close() {
  {
    std::lock_guard lock(write_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  write_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

std::optional<WriteResult> Store::submit(WriteOp op, WriteCallback done) {
  std::unique_lock lock(write_mutex_);
  if (stopping_) return WriteResult{WriteCode::kFailed, nullptr, nullptr, "the store is shutting down"};
  ObjectPtr current;
  if (auto p = pending_.find(op.key); p != pending_.end()) {
    current = p->second.object;
  } else {
    std::shared_lock cache_lock(cache_mutex_);
    if (auto c = cache_.find(op.key); c != cache_.end()) current = c->second;
  }
  if (op.kind == WriteOp::kCreate) {
    if (current) return WriteResult{WriteCode::kAlreadyExists, nullptr, current, {}};
  } else {
    if (!current) return WriteResult{WriteCode::kNotFound, nullptr, nullptr, {}};
    if (op.expected_revision != 0 && op.expected_revision != current->revision)
      return WriteResult{WriteCode::kConflict, nullptr, current, {}};
    if (!op.expected_uid.empty() && op.expected_uid != current->uid)
      return WriteResult{WriteCode::kConflict, nullptr, current, "uid precondition failed"};
  }
  const uint64_t revision = last_revision_ + 1;
  ObjectPtr built;
  try {
    built = op.build(revision, current);
  } catch (const std::exception& e) {
    return WriteResult{WriteCode::kFailed, nullptr, current, e.what()};
  }
  if (!built) return WriteResult{WriteCode::kFailed, nullptr, current, "object could not be built"};
  last_revision_ = revision;
  const bool is_delete = op.kind == WriteOp::kDelete;
  pending_[op.key] = Pending{is_delete ? nullptr : built, revision};
  queue_.push_back(Queued{op.key, revision, std::move(built), std::move(current), is_delete, std::move(done)});
  lock.unlock();
  write_cv_.notify_one();
  return std::nullopt;
}

WriteResult Store::write(WriteOp op) {
  std::promise<WriteResult> promise;
  auto future = promise.get_future();
  auto immediate = submit(std::move(op), [&promise](WriteResult r) { promise.set_value(std::move(r)); });
  if (immediate) return std::move(*immediate);
  return future.get();
}

void Store::committer_loop() {
  std::vector<Queued> batch;
  std::vector<Mutation> mutations;
  std::vector<Event> events;
  for (;;) {
    {
      std::unique_lock lock(write_mutex_);
      write_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    mutations.clear();
    for (const auto& q : batch) mutations.push_back(Mutation{q.key, q.revision, q.is_delete ? nullptr : &q.object->bytes});
    const uint64_t batch_revision = batch.back().revision;
    std::string failure;
    WriteCode code = WriteCode::kFailed;
    try {
      if (log_) log_->commit(mutations, batch_revision);
    } catch (const StorageFull& e) {
      code = WriteCode::kStorageFull;
      failure = std::string("database space exceeded: no space left on the data directory's filesystem (") + e.what() + ")";
    } catch (const std::exception& e) {
      failure = std::string("storage error: ") + e.what();
    }
    if (!failure.empty()) {
      // Nothing of the batch is durable: forget it and fail every writer. Writes queued since on
      // a key of the batch were built on its failed state (a create, an update): they fail too,
      // or a later batch would store an update of an object whose creation was refused.
      std::vector<Queued> dependent;
      {
        std::lock_guard lock(write_mutex_);
        std::unordered_map<std::string, bool> failed_keys;
        for (const auto& q : batch) failed_keys[q.key] = true;
        std::vector<Queued> keep;
        for (auto& q : queue_) (failed_keys.count(q.key) ? dependent : keep).push_back(std::move(q));
        queue_.swap(keep);
        for (const auto* list : {&batch, &dependent})
          for (const auto& q : *list) {
            auto p = pending_.find(q.key);
            if (p != pending_.end() && p->second.revision == q.revision) pending_.erase(p);
          }
      }
      for (auto* list : {&batch, &dependent})
        for (auto& q : *list)
          if (q.done) q.done(WriteResult{code, nullptr, q.previous, failure});
      batch.clear();
      continue;
    }
    events.clear();
    {
      std::unique_lock cache_lock(cache_mutex_);
      for (const auto& q : batch) {
        if (q.is_delete) {
          cache_.erase(q.key);
          events.push_back(Event{EventType::kDeleted, q.revision, q.object, nullptr});
        } else {
          cache_[q.key] = q.object;
          events.push_back(Event{q.previous ? EventType::kModified : EventType::kAdded, q.revision, q.object, q.previous});
        }
      }
      committed_revision_ = batch_revision;
    }
    {
      std::lock_guard lock(write_mutex_);
      for (const auto& q : batch) {
        auto p = pending_.find(q.key);
        if (p != pending_.end() && p->second.revision == q.revision) pending_.erase(p);
      }
    }
    bus_.publish(events);
    for (auto& q : batch) {
      if (q.done) q.done(WriteResult{WriteCode::kOk, q.object, q.previous, {}});
    }
    batch.clear();
  }
}

void Store::limit_pages_for_testing(uint64_t pages) {
  // The log belongs to the committer thread: call this only while no write is in flight.
  if (log_) log_->limit_pages(pages);
}

ObjectPtr Store::get(const std::string& key) const {
  std::shared_lock lock(cache_mutex_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

ObjectPtr Store::get_latest(const std::string& key) const {
  {
    std::lock_guard lock(write_mutex_);
    auto p = pending_.find(key);
    if (p != pending_.end()) return p->second.object;
  }
  return get(key);
}

std::vector<ObjectPtr> Store::list(const std::string& prefix, uint64_t* revision) const {
  std::vector<ObjectPtr> out;
  std::shared_lock lock(cache_mutex_);
  for (auto it = cache_.lower_bound(prefix); it != cache_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    out.push_back(it->second);
  if (revision) *revision = committed_revision_;
  return out;
}

size_t Store::count(const std::string& prefix) const {
  std::shared_lock lock(cache_mutex_);
  size_t n = 0;
  for (auto it = cache_.lower_bound(prefix); it != cache_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) ++n;
  return n;
}

uint64_t Store::revision() const {
  std::shared_lock lock(cache_mutex_);
  return committed_revision_;
}

}  // namespace capstan::store
