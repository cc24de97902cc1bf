#pragma once
// For unit tests of plugins: an API object made in place, as an informer would hand it over.
//   auto svc = sdk::testing::build<core::v1::Service>([](core::v1::Service::Builder s) {
//     s.getMetadata().setName("web");
//   });

#include <capnp/message.h>

#include <functional>

#include "capstan/object.hpp"

namespace capstan::sdk::testing {

template <typename T>
ObjectPtr build(const std::function<void(typename T::Builder)>& fill) {
  capnp::MallocMessageBuilder message;
  fill(message.initRoot<T>());
  const std::string bytes = serialize(message);
  return Object::from_bytes(bytes.data(), bytes.size());
}

}  // namespace capstan::sdk::testing
