#pragma once
// Which fields of an object its JSON form carries, decided once for both JSON encoders
// (JsonCodec::encode and write_json, which must agree: json_writer_test.cpp compares them).
//
// A field with a protobuf number describes a Go field of Kubernetes' types, and is written as
// Go's encoding/json writes it (docs/protobuf.md, "Go's value and pointer fields"):
//   - a pointer ($K8s.nullable, $K8s.optional groups) only when set, an empty value included;
//   - a value struct always, even when absent (its own value fields then follow the same rules:
//     a new Service's `"status":{"loadBalancer":{}}`), as `omitempty` never drops a struct;
//   - a value metav1.Time (`creationTimestamp` of a template) as `null` when unset, an
//     IntOrString as 0, a Quantity as "0", a Duration as "0s", a RawExtension as null: the
//     zero values of those structs' MarshalJSON;
//   - strings, byte strings, lists and maps only when not empty (`omitempty`), unless the field
//     is required (no `omitempty` upstream): then a set one always, and an unset string as "";
//   - scalars only when not zero, unless required; an optional group whenever set, zero
//     included (the schemas' way to keep a Go value without omitempty, numberMisscheduled: 0).
// A field without a number (a plugin's kind that has no protobuf form, like a custom resource
// whose JSON kube-apiserver keeps as sent) is written when set; scalars when not zero.

#include <capnp/dynamic.h>

#include "capstan/machinery/codec/schema_model.hpp"

namespace capstan::schema::detail {

enum class Presence {
  kSkip,     // not written
  kValue,    // written from in.get(field) (an absent struct reads as its empty default)
  kLiteral,  // written as the JSON text in `literal`
};

struct FieldPresence {
  Presence presence = Presence::kSkip;
  const char* literal = nullptr;
};

// Absent value structs are written out to this depth (recursive types have pointers, but a
// schema may lack the annotation): deeper ones are skipped.
inline constexpr int kMaxAbsentStructDepth = 24;

inline bool go_value(const FieldInfo& f) { return f.proto_number != 0 && !f.nullable; }

inline bool text_empty(capnp::DynamicStruct::Reader in, const FieldInfo& f) {
  return !in.has(f.field) || in.get(f.field).as<capnp::Text>().size() == 0;
}

inline FieldPresence field_presence(const FieldInfo& f, capnp::DynamicStruct::Reader in, int absent_depth) {
  constexpr FieldPresence skip{Presence::kSkip, nullptr};
  constexpr FieldPresence value{Presence::kValue, nullptr};
  auto literal = [](const char* text) { return FieldPresence{Presence::kLiteral, text}; };
  const bool go = go_value(f);
  switch (f.shape) {
    case Shape::kOptional: {
      auto group = in.get(f.field).as<capnp::DynamicStruct>();
      KJ_IF_MAYBE(which, group.which()) {
        if (which->getIndex() != f.optional_value.getIndex()) return skip;
        // Set is written, zero included: `$K8s.optional $K8s.notNullable` groups are how the schemas
        // mark Go values without omitempty that are often zero (DaemonSetStatus.numberMisscheduled).
        return value;
      }
      return skip;
    }
    case Shape::kStruct:
      if (f.field.getProto().isGroup() || in.has(f.field)) return value;
      return go && absent_depth < kMaxAbsentStructDepth ? value : skip;
    case Shape::kIntOrString:
      if (in.has(f.field)) return value;
      return go ? literal("0") : skip;
    case Shape::kList:
    case Shape::kMap: {
      if (!in.has(f.field)) return skip;
      if (!go || f.required) return value;
      return in.get(f.field).as<capnp::DynamicList>().size() > 0 ? value : skip;
    }
    case Shape::kText:
      if (!go) return in.has(f.field) ? value : skip;
      if (f.proto_type == ProtoType::kTime || f.proto_type == ProtoType::kMicroTime)
        return text_empty(in, f) ? literal("null") : value;
      if (f.proto_type == ProtoType::kDuration) return text_empty(in, f) ? literal("\"0s\"") : value;
      if (!text_empty(in, f)) return value;
      // A required string has no omitempty upstream: Go writes it even empty (a new Node's
      // status.nodeInfo.machineID ""), and a decoder that checks required fields needs it.
      if (!f.required) return skip;
      return in.has(f.field) ? value : literal("\"\"");
    case Shape::kQuantity:
      if (!go) return in.has(f.field) ? value : skip;
      return text_empty(in, f) ? literal("\"0\"") : value;
    case Shape::kRawJson:
      if (in.has(f.field)) return value;
      return go ? literal("null") : skip;
    case Shape::kData:
      if (!in.has(f.field)) return skip;
      if (!go || f.required) return value;
      return in.get(f.field).as<capnp::Data>().size() > 0 ? value : skip;
    case Shape::kUnsupported:
      return skip;
    default:
      // Plain scalars are omitted when zero (Go's omitempty); fields where zero differs from
      // absent are $optional groups. Required scalars have no omitempty in Go
      // (containerStatuses[].restartCount: 0, ready: false): always written.
      return f.required || in.has(f.field, capnp::HasMode::NON_DEFAULT) ? value : skip;
  }
}

}  // namespace capstan::schema::detail
