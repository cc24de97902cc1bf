#pragma once
// The two forms an object takes inside the API: an ObjectDraft is an object on its way to the
// store — its Cap'n Proto message, mutable, decoded once at the edge (or taken as a plugin's
// bytes) and then checked, defaulted, admitted and stored in that form; a StoredView reads a
// stored revision's bytes in place. Neither goes through JSON.

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "capstan/meta.capnp.h"
#include "schema/kind_registry.hpp"
#include "store/object.hpp"

namespace capstan::api {

class ObjectDraft {
 public:
  explicit ObjectDraft(const schema::Kind& kind);
  // A copy of serialized bytes (a stored revision, a plugin's object). Throws kj::Exception on
  // bytes that are not a message.
  static ObjectDraft copy_of(const schema::Kind& kind, std::string_view bytes);
  ObjectDraft(ObjectDraft&&) = default;
  ObjectDraft& operator=(ObjectDraft&&) = default;

  const schema::Kind& kind() const { return *kind_; }
  capnp::DynamicStruct::Builder root() { return root_; }
  capnp::DynamicStruct::Reader reader() const { return root_.asReader(); }
  meta::ObjectMeta::Builder meta();
  meta::ObjectMeta::Reader meta() const;
  std::string name() const;

  // The serialized message (as a plugin receives it).
  std::string bytes() const;
  // Replaces the object (admission's mutated version); the draft remembers it was replaced, so
  // the object service puts it in normal form again (take_replaced()).
  void replace(std::string_view bytes);
  bool take_replaced() { return std::exchange(replaced_, false); }
  // A compact copy: edits leave orphaned space behind in the message; the stored form has none.
  ObjectDraft compacted() const;
  ObjectDraft clone() const { return compacted(); }

 private:
  const schema::Kind* kind_;
  std::unique_ptr<capnp::MallocMessageBuilder> message_;
  capnp::DynamicStruct::Builder root_;
  bool replaced_ = false;
};

// A stored revision read in place (its bytes are word-aligned heap storage; a copy is made only
// when they are not).
class StoredView {
 public:
  StoredView(const store::Object& object, capnp::StructSchema schema);
  capnp::DynamicStruct::Reader root() const { return root_; }
  meta::ObjectMeta::Reader meta() const;

 private:
  kj::Array<capnp::word> copy_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
  capnp::DynamicStruct::Reader root_;
};

}  // namespace capstan::api
