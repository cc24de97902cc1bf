#pragma once
// Writes an object's Kubernetes JSON text straight from its Cap'n Proto form, without building a
// JSON tree: the API encodes every stored revision exactly once with it, and every reader and
// watcher shares that text. Fields come in the order the schema declares them (Go's
// encoding/json writes a type's fields in declaration order); which fields are written follows
// JsonCodec::encode exactly, so parsing the text gives JsonCodec::encode's value.

#include <capnp/dynamic.h>

#include <cstddef>
#include <string>

#include "capstan/machinery/codec/schema_model.hpp"

namespace capstan::schema {

struct JsonText {
  std::string text;
  // With JsonWriteOptions::resource_version_slot: where metadata.resourceVersion's digits go
  // (between the quotes of an empty string value); npos when the object has no metadata.
  size_t resource_version_at = std::string::npos;
};

struct JsonWriteOptions {
  // Writes metadata.resourceVersion as "" and records where its value goes, so a store can
  // insert the revision later without encoding the object again.
  bool resource_version_slot = false;
};

JsonText write_json(const SchemaModel& model, capnp::DynamicStruct::Reader object, const JsonWriteOptions& options = {});

// Appends `s` as a JSON string literal (quotes included), escaping as Go's encoding/json does
// for control characters, quotes and backslashes; invalid UTF-8 becomes U+FFFD.
void append_json_string(std::string& out, std::string_view s);

}  // namespace capstan::schema
