#pragma once
// The object store: a global revision (= metadata.resourceVersion), optimistic concurrency,
// an in-memory cache that serves every read, and group commit to the durable log.
//
// A write is checked against the latest state (including writes not yet durable) and either
// refused at once (NotFound, AlreadyExists, Conflict) or queued. One committer thread writes each
// queued batch in a single transaction (one fsync), then makes it visible to readers, publishes
// the events and completes the writers. Nothing is visible or acknowledged before it is durable.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/event_bus.hpp"
#include "store/object.hpp"

#include "store/value_transformer.hpp"

namespace capstan::store {

class SqliteLog;

// kStorageFull: the data directory's filesystem had no room for the write; nothing of it was
// stored (the API answers 500, as kube-apiserver does for etcd's "database space exceeded").
enum class WriteCode { kOk, kNotFound, kAlreadyExists, kConflict, kFailed, kStorageFull };

struct WriteResult {
  WriteCode code = WriteCode::kOk;
  ObjectPtr object;       // the new state (for deletes: the last state at the deletion's revision)
  ObjectPtr previous;     // the state it replaced, if any
  std::string message;
};

struct WriteOp {
  enum Kind { kCreate, kUpdate, kDelete };
  Kind kind = kCreate;
  std::string key;
  uint64_t expected_revision = 0;  // update/delete: the latest revision must equal this (0 = any)
  std::string expected_uid;        // update/delete: the latest object's uid must equal this (empty = any)
  // Builds the object as stored at `revision` (runs under the store's write lock: keep it short).
  std::function<ObjectPtr(uint64_t revision, const ObjectPtr& current)> build;
};

using WriteCallback = std::function<void(WriteResult)>;

class Store {
 public:
  using Rehydrate = std::function<ObjectPtr(const std::string& key, uint64_t revision, std::string&& bytes)>;

  // path: the SQLite file; empty = in memory only (tests, dry runs of the whole store).
  Store(const std::string& path, EventBus& bus);
  ~Store();

  // Values pass through `t` on their way to disk and back (encryption at rest); call before open().
  void set_transformer(std::shared_ptr<const ValueTransformer> t);

  // Loads every stored object through rehydrate (which may return nullptr to skip one).
  void open(const Rehydrate& rehydrate);
  void close();

  // Queues a write. Returns the immediate refusal, or nullopt when queued; then `done` is called
  // (from the committer thread) once the write is durable and visible.
  std::optional<WriteResult> submit(WriteOp op, WriteCallback done);
  // Blocking convenience for callers on their own threads (plugins, tests).
  WriteResult write(WriteOp op);

  ObjectPtr get(const std::string& key) const;          // committed state
  ObjectPtr get_latest(const std::string& key) const;   // including queued writes: base for read-modify-write
  // Every committed object whose key starts with prefix, in key order; *revision = the snapshot's revision.
  std::vector<ObjectPtr> list(const std::string& prefix, uint64_t* revision = nullptr) const;
  size_t count(const std::string& prefix) const;
  uint64_t revision() const;
  EventBus& bus() { return bus_; }
  // Tests: makes the durable log refuse to grow past `pages` pages, as a full disk would.
  void limit_pages_for_testing(uint64_t pages);

 private:
  struct Pending {
    ObjectPtr object;  // nullptr: deleted
    uint64_t revision;
  };
  struct Queued {
    std::string key;
    uint64_t revision;
    ObjectPtr object;   // new state; for deletes the tombstone (last state at the new revision)
    ObjectPtr previous;
    bool is_delete;
    WriteCallback done;
  };

  void committer_loop();

  EventBus& bus_;
  std::unique_ptr<SqliteLog> log_;
  std::shared_ptr<const ValueTransformer> transformer_;

  mutable std::shared_mutex cache_mutex_;
  std::map<std::string, ObjectPtr> cache_;
  uint64_t committed_revision_ = 0;

  mutable std::mutex write_mutex_;
  std::condition_variable write_cv_;
  uint64_t last_revision_ = 0;
  std::unordered_map<std::string, Pending> pending_;
  std::vector<Queued> queue_;
  bool stopping_ = false;
  std::thread committer_;
};

// Key helpers: /<group|core>/<resource>/[<namespace>/]<name>
std::string resource_prefix(const std::string& group, const std::string& resource);
std::string object_key(const std::string& group, const std::string& resource, const std::string& ns,
                       const std::string& name);

}  // namespace capstan::store
