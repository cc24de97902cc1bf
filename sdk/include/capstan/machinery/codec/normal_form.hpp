#pragma once
// The normal form of an object's Cap'n Proto message: the form the JSON decoder produces, so two
// messages that mean the same object are the same bytes (canonical comparison, no-op detection).
// Today that means: the entries of every map field sorted by key, and of duplicate keys only the
// last kept (a JSON object cannot repeat a key; Go maps have no order); and fields that mirror Go
// values (protobuf-numbered, not pointers) absent rather than holding their zero value — an
// empty struct, an IntOrString 0, an empty omitempty list or map — since Go cannot tell those
// apart and the JSON and protobuf forms write them alike. Messages built by plugins
// or decoded from protobuf may hold their entries in any order; the kernel normalizes them before
// admission and storage.

#include <capnp/dynamic.h>

#include "capstan/machinery/codec/schema_model.hpp"

namespace capstan::schema {

// Rewrites `object` in place where it is not in normal form; returns whether anything changed.
bool normalize(const SchemaModel& model, capnp::DynamicStruct::Builder object);

}  // namespace capstan::schema
