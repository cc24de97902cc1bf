#pragma once
// One stored revision of one API object, immutable once built and shared by the cache, the
// event bus and every watcher. It carries the object twice: the Cap'n Proto bytes (the canonical,
// persisted form plugins read in place) and the JSON text (the wire form, encoded once per
// revision and shared by all readers); a third form, protobuf, is encoded on first use and then
// shared the same way.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace capstan::store {

// A value derived from an immutable object on first use and kept with it, so every later reader
// (every watcher of the revision) shares it. Thread-safe without a lock: readers that race on the
// first use may each build it, one result is kept and the others dropped. A copy starts empty,
// as copies of an Object are other revisions.
template <typename T>
class Lazy {
 public:
  Lazy() = default;
  Lazy(const Lazy&) {}
  Lazy& operator=(const Lazy&) { return *this; }
  ~Lazy() { delete value_.load(std::memory_order_acquire); }

  template <typename Build>
  const T& get(Build&& build) const {
    if (const T* v = value_.load(std::memory_order_acquire)) return *v;
    auto built = std::make_unique<T>(build());
    const T* expected = nullptr;
    if (value_.compare_exchange_strong(expected, built.get(), std::memory_order_acq_rel)) return *built.release();
    return *expected;  // another reader won
  }
  bool built() const { return value_.load(std::memory_order_acquire) != nullptr; }

 private:
  mutable std::atomic<const T*> value_{nullptr};
};

// The object in Kubernetes' protobuf wire format (application/vnd.kubernetes.protobuf), which the
// API layer encodes from `bytes` for the clients that ask for it.
struct ProtobufForm {
  std::string enveloped;  // magic + runtime.Unknown: a GET's body, a watch event's object
  size_t message_at = 0;  // the bare message inside `enveloped` (a list's item)
  size_t message_size = 0;
  std::string error;  // set: the object has no protobuf form (names the field), answered in JSON
};

struct Object {
  std::string key;          // /<group|core>/<resource>/[<namespace>/]<name>
  uint64_t revision = 0;    // the global revision of the write that produced this state
  std::string bytes;        // serialized Cap'n Proto message (flat array)
  std::string json;         // JSON text with metadata.resourceVersion == revision
  Lazy<ProtobufForm> protobuf;  // encoded on first use
  // Extracted once for filtering without parsing.
  std::string namespace_;
  std::string name;
  std::string uid;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> fields;  // selectable field path -> value
};

using ObjectPtr = std::shared_ptr<const Object>;

enum class EventType { kAdded, kModified, kDeleted };

struct Event {
  EventType type;
  uint64_t revision;
  ObjectPtr object;    // for kDeleted: the last state (its revision is the deletion's)
  ObjectPtr previous;  // for kModified: the state it replaced (watch filters need both)
};

}  // namespace capstan::store
