#pragma once
// An API object as a plugin holds it: the Cap'n Proto bytes, owned and word-aligned, read in
// place through the generated reader of its kind. Immutable once made, so informer caches can
// share them between threads; to change an object, build a new message.

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>

#include <memory>
#include <string>
#include <string_view>

#include "capstan/machinery/message.hpp"
#include "capstan/meta.capnp.h"

namespace capstan::sdk {

class Object {
 public:
  Object() = default;
  // Copies bytes into aligned storage.
  static std::shared_ptr<const Object> from_bytes(const void* data, size_t size, uint64_t revision = 0);

  template <typename T>
  typename T::Reader as() const {
    return reader_->getRoot<T>();
  }
  // The bytes again, e.g. to send back to the kernel.
  kj::ArrayPtr<const capnp::byte> bytes() const { return words_.asBytes(); }
  // The object's metadata, whatever its kind (every root struct has it as its third field).
  capstan::meta::ObjectMeta::Reader metadata() const;
  uint64_t revision() const { return revision_; }
  const std::string& ns() const { return namespace_; }
  const std::string& name() const { return name_; }
  const std::string& uid() const { return uid_; }
  // namespace/name (or name for cluster-scoped objects): the work-queue key.
  std::string key() const { return namespace_.empty() ? name_ : namespace_ + "/" + name_; }

 private:
  kj::Array<capnp::word> words_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
  uint64_t revision_ = 0;
  std::string namespace_, name_, uid_;
};

using ObjectPtr = std::shared_ptr<const Object>;

// Serializes a message for the kernel (machinery's, under the SDK's name).
using machinery::serialize;

// Splits "ns/name" keys.
std::pair<std::string, std::string> split_key(std::string_view key);

}  // namespace capstan::sdk
