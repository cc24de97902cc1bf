#pragma once
// Plugin unit tests write API objects as JSON: these decode JSON into an sdk::Object of kind T
// with the codec the API server uses, and encode an object's bytes back to JSON, so a kind's
// admission and printer functions can be called directly without a host.
#include <capnp/dynamic.h>
#include <capnp/message.h>

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/object.hpp"

namespace capstan::sdk::testing {

// One schema model for every test in a binary (it caches what it learns of each struct).
inline schema::SchemaModel& json_model() {
  static schema::SchemaModel model;
  return model;
}

// Decodes `j` as a T; throws on a type error or an unknown field (a typo in the test's JSON).
template <typename T>
ObjectPtr object_from_json(const nlohmann::json& j) {
  capnp::MallocMessageBuilder msg;
  auto root = msg.initRoot<capnp::DynamicStruct>(capnp::Schema::from<T>());
  schema::DecodeReport report;
  schema::JsonCodec(json_model()).decode(j, root, report);
  if (!report.type_errors.empty() || !report.unknown_fields.empty())
    throw std::invalid_argument("test object does not decode cleanly: " + j.dump());
  auto bytes = serialize(msg);
  return Object::from_bytes(bytes.data(), bytes.size());
}

// The JSON of an object's bytes (an admission result's mutated object, say).
template <typename T>
nlohmann::json json_of(const std::string& bytes) {
  auto obj = Object::from_bytes(bytes.data(), bytes.size());
  capnp::DynamicStruct::Reader r = obj->as<T>();
  return schema::JsonCodec(json_model()).encode(r);
}

}  // namespace capstan::sdk::testing
