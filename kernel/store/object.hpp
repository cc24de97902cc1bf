#pragma once
// One stored revision of one API object, immutable once built and shared by the cache, the
// event bus and every watcher. It carries the object twice: the Cap'n Proto bytes (the canonical,
// persisted form plugins read in place) and the JSON text (the wire form, encoded once per
// revision and shared by all readers).

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace capstan::store {

struct Object {
  std::string key;          // /<group|core>/<resource>/[<namespace>/]<name>
  uint64_t revision = 0;    // the global revision of the write that produced this state
  std::string bytes;        // serialized Cap'n Proto message (flat array)
  std::string json;         // JSON text with metadata.resourceVersion == revision
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
