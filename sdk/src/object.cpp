#include "capstan/object.hpp"

#include <capnp/any.h>

#include <cstring>

#include "capstan/meta.capnp.h"

namespace capstan::sdk {

std::shared_ptr<const Object> Object::from_bytes(const void* data, size_t size, uint64_t revision) {
  auto obj = std::make_shared<Object>();
  obj->words_ = machinery::aligned_words(data, size);
  obj->reader_ = std::make_unique<capnp::FlatArrayMessageReader>(obj->words_, machinery::reader_options());
  obj->revision_ = revision;
  // Every kind's root struct starts with apiVersion @0, kind @1, metadata @2 (checked by the
  // kernel when the kind is registered), so metadata is the third pointer.
  auto root = obj->reader_->getRoot<capnp::AnyStruct>();
  auto pointers = root.getPointerSection();
  if (pointers.size() > 2) {
    auto meta = pointers[2].getAs<capstan::meta::ObjectMeta>();
    obj->namespace_ = meta.getNamespace();
    obj->name_ = meta.getName();
    obj->uid_ = meta.getUid();
    if (revision == 0 && meta.hasResourceVersion()) {
      obj->revision_ = strtoull(meta.getResourceVersion().cStr(), nullptr, 10);
    }
  }
  return obj;
}

capstan::meta::ObjectMeta::Reader Object::metadata() const {
  auto pointers = reader_->getRoot<capnp::AnyStruct>().getPointerSection();
  if (pointers.size() < 3) return capstan::meta::ObjectMeta::Reader();
  return pointers[2].getAs<capstan::meta::ObjectMeta>();
}

std::pair<std::string, std::string> split_key(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace capstan::sdk
