#pragma once
// Cap'n Proto messages as the bytes that cross the plugin ABI, the store and the wire: reading a
// message out of bytes that carry no alignment promise, writing one to bytes, and changing a copy
// of a message that was read (admission's "mutate"). One implementation for the kernel, the SDK and
// every plugin.
//
// The traversal limit. Cap'n Proto counts every word a reader visits against a budget, so that a
// message whose pointers point back into itself cannot make a reader loop or amplify work without
// end. Capstan uses one budget everywhere, 2^32 words (32 GiB of reads per reader), for two
// reasons: the bytes Capstan reads come from itself (its store, the kernel, plugins in the same
// process), so the limit is a guard against corruption rather than against an attacker; and some
// readers live long (an informer's cached object is read on every reconcile for as long as it is
// unchanged, and every read counts), so any budget near the size of real messages (capnp's default
// is 2^23 words, 64 MiB) would eventually fail a healthy reader. Finite, so a corrupt self-pointing
// message still fails after seconds of work instead of hanging. (Before this header the copies used
// 2^26, 2^30, 2^32 and 2^40.)

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace capstan::machinery {

inline constexpr uint64_t kTraversalLimitWords = uint64_t{1} << 32;

// ReaderOptions with the traversal limit above (and capnp's default nesting limit).
capnp::ReaderOptions reader_options();

// Copies bytes into new word-aligned storage, the tail of the last word zeroed.
kj::Array<capnp::word> aligned_words(const void* data, size_t size);
inline kj::Array<capnp::word> aligned_words(std::string_view bytes) { return aligned_words(bytes.data(), bytes.size()); }

// A message read from bytes: owns an aligned copy and reads it in place. The constructor throws
// kj::Exception when the bytes are not a message (e.g. a truncated segment table); with no bytes at
// all, root() throws instead. Not movable: readers taken from it point into it (hold it by
// unique_ptr to pass it around).
class MessageReader {
 public:
  MessageReader(const void* data, size_t size);
  explicit MessageReader(std::string_view bytes) : MessageReader(bytes.data(), bytes.size()) {}
  explicit MessageReader(kj::ArrayPtr<const capnp::byte> bytes) : MessageReader(bytes.begin(), bytes.size()) {}
  MessageReader(const MessageReader&) = delete;
  MessageReader& operator=(const MessageReader&) = delete;

  template <typename T>
  typename T::Reader root() {
    return reader_.getRoot<T>();
  }
  capnp::MessageReader& reader() { return reader_; }

 private:
  kj::Array<capnp::word> words_;
  capnp::FlatArrayMessageReader reader_;
};

// The message as one flat byte string (capnp's standard single-array framing).
std::string serialize(capnp::MessageBuilder& message);

// A copy of a message that can be changed, e.g. by admission to return a mutated object:
//   Mutable<Pod> m(req.object->as<Pod>());  m.root.getSpec()...;  result.mutated = m.bytes();
template <typename T>
struct Mutable {
  capnp::MallocMessageBuilder message;
  typename T::Builder root;
  explicit Mutable(typename T::Reader from) : root((message.setRoot(from), message.getRoot<T>())) {}
  std::string bytes() { return serialize(message); }
};

// Whether two readers of the same struct type hold the same value (compared in canonical form,
// so field order in memory and default-valued pointers do not matter).
template <typename Reader>
bool same_value(Reader a, Reader b) {
  auto ca = capnp::canonicalize(a);
  auto cb = capnp::canonicalize(b);
  auto ba = ca.asBytes(), bb = cb.asBytes();
  return ba.size() == bb.size() && std::equal(ba.begin(), ba.end(), bb.begin());
}

}  // namespace capstan::machinery
